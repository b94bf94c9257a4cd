"""Plain-words answers to "what does this code bill, and what limits apply?".

``scrubber explain CODE`` asks every registered explainer (hook ``scrubber_explainers``) for a
section: the infusion plugin says what one unit of a timed code means and works out a visit
of ``--minutes``; the MUE plugin says what limit is in force, how it is adjudicated and how
units over it can be appealed. ``--json`` gives the same sections as data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import final

from scrubber.profiles import PayerProfile
from scrubber.tables import ReferenceTables

__all__ = ["ExplainRequest", "ExplainSection", "Explainer"]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ExplainRequest:
    code: str
    program: str
    on: date
    payer: PayerProfile
    tables: ReferenceTables
    minutes: Decimal | None = None


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ExplainSection:
    """One part of an answer: a title, sentences a biller can read, and the same as data."""

    title: str
    text: tuple[str, ...]
    data: Mapping[str, object] = field(default_factory=dict)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Explainer:
    """``explain(request)`` returns a section, or None when it has nothing to say."""

    name: str
    explain: Callable[[ExplainRequest], ExplainSection | None]
    order: int = 50
