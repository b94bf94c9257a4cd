"""Plain-words answers to "what does this code bill, and what limits apply?".

``scrubber explain CODE`` asks every registered explainer (hook ``scrubber_explainers``) for a
section: the infusion plugin says what one unit of a timed code means and works out a visit
of ``--minutes``; the MUE plugin says what limit is in force, how it is adjudicated and how
units over it can be appealed. ``--json`` gives the same sections as data.

A biller asks one question ("330 minutes of 99602 under Medicaid: what do I bill?"), so the
answer starts with one sentence. Explainers run in order (``Explainer.order``), and each sees
what the earlier ones worked out (``ExplainRequest.units`` and ``answer``): the infusion
plugin turns the minutes into units, and the MUE plugin compares those units with the limit
and says what the payer's action does with the excess. The last answer given is the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, final

from scrubber._profiles import PayerProfile
from scrubber._tables import ReferenceTables

__all__ = ["ExplainAnswer", "ExplainRequest", "ExplainSection", "Explainer", "explain_code"]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ExplainRequest:
    code: str
    program: str
    on: date
    payer: PayerProfile
    tables: ReferenceTables
    minutes: Decimal | None = None
    units: Mapping[str, Decimal] = field(default_factory=dict)
    """What ``minutes`` come to, code by code, as an earlier explainer worked it out."""
    answer: str = ""
    """The one-sentence answer so far (an earlier explainer's), for a later one to extend."""


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ExplainSection:
    """One part of an answer: a title, sentences a biller can read, and the same as data.

    ``answer`` is one sentence for the top of the answer (empty: nothing to add); ``units``
    what the request's minutes come to, code by code, for the explainers after this one."""

    title: str
    text: tuple[str, ...]
    data: Mapping[str, object] = field(default_factory=dict)
    answer: str = ""
    units: Mapping[str, Decimal] = field(default_factory=dict)
    warning: str = ""
    """A sentence the biller must see beside the answer (e.g. the table used is stale)."""


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Explainer:
    """``explain(request)`` returns a section, or None when it has nothing to say."""

    name: str
    explain: Callable[[ExplainRequest], ExplainSection | None]
    order: int = 50


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ExplainAnswer:
    """The one sentence at the top (empty when no explainer gave one), the warnings to print
    under it, and every section."""

    answer: str
    sections: tuple[ExplainSection, ...]

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(s.warning for s in self.sections if s.warning)

    def as_json(self, request: ExplainRequest) -> dict[str, Any]:
        """The answer as ``scrubber explain --json`` and ``GET /v1/explain`` give it (values
        that are not JSON types, such as dates, are written with ``str``)."""
        return {
            "code": request.code,
            "program": request.program,
            "date": request.on.isoformat(),
            "minutes": None if request.minutes is None else str(request.minutes),
            "answer": self.answer or None,
            "warnings": list(self.warnings),
            "sections": [
                {"title": s.title, "text": list(s.text), "data": s.data, "answer": s.answer or None}
                for s in self.sections
            ],
        }


def explain_code(explainers: Iterable[Explainer], request: ExplainRequest) -> ExplainAnswer:
    """Ask every explainer in turn, each seeing the units and answer of the ones before it."""
    sections: list[ExplainSection] = []
    for explainer in sorted(explainers, key=lambda e: (e.order, e.name)):
        section = explainer.explain(request)
        if section is None:
            continue
        sections.append(section)
        if section.units:
            request = replace(request, units={**request.units, **section.units})
        if section.answer:
            request = replace(request, answer=section.answer)
    return ExplainAnswer(answer=request.answer, sections=tuple(sections))
