"""The records of the fix algebra: what an edit may propose, and what applying them gave.

The set is closed (``Fix``), so every writer can render any plugin's fix. Each record checks
its own values when made (units above 0, line numbers from 1, at most four modifiers, an
attachment's codes), so a fix that exists is one ``apply_fixes`` (``scrubber._fixes``) can
apply or reject with a reason, and what it makes of a valid line is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import final

from scrubber._models import MAX_MODIFIERS, Attachment, Claim

__all__ = [
    "STRUCTURAL",
    "AddNote",
    "Fix",
    "FixOutcome",
    "RejectedFix",
    "RemoveLine",
    "RequestAttachment",
    "SetModifiers",
    "SetUnits",
    "SplitLine",
    "SplitPart",
]


def _positive_units(units: Decimal, what: str) -> None:
    if not isinstance(units, Decimal) or units <= 0:
        raise ValueError(f"{what}.units must be a Decimal above 0, got {units!r}")


def _line_number(line: int, what: str) -> None:
    if line < 1:
        raise ValueError(f"{what}.line must be 1 or more, got {line}")


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class SetUnits:
    """Bill *units* on the line instead of what was sent; the charge is prorated."""

    line: int
    units: Decimal
    unit_basis: str | None = None

    def __post_init__(self) -> None:
        _line_number(self.line, "SetUnits")
        _positive_units(self.units, "SetUnits")


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class SplitPart:
    """One line that a split produces. ``code`` replaces the procedure code (e.g. the add-on
    99602 split off a 99601 sent in minutes); ``add_modifiers`` are appended (e.g. GD on a
    Medicaid MUE excess line); ``charge`` is shared by units unless every part names one."""

    units: Decimal
    code: str | None = None
    add_modifiers: tuple[str, ...] = ()
    unit_basis: str | None = None
    note: str | None = None
    attachment: Attachment | None = None
    charge: Decimal | None = None

    def __post_init__(self) -> None:
        _positive_units(self.units, "SplitPart")
        if self.charge is not None and self.charge < 0:
            raise ValueError("SplitPart.charge must not be negative")


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class SplitLine:
    """Replace the line by two or more lines, in order, each a copy of the original (date,
    diagnosis pointers, rendering provider, sub-loops) with the part's changes."""

    line: int
    parts: tuple[SplitPart, ...]

    def __post_init__(self) -> None:
        _line_number(self.line, "SplitLine")
        if len(self.parts) < 1:
            raise ValueError("SplitLine.parts must hold at least one part")
        named = [p.charge is not None for p in self.parts]
        if any(named) and not all(named):
            raise ValueError("SplitLine.parts must name a charge on every part or on none")


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class AddNote:
    """Add text to the line's note (``line`` set) or the claim's note (``line`` None).
    Notes merge into the one note the format allows; X12 writers keep it to 80 characters."""

    line: int | None
    text: str

    def __post_init__(self) -> None:
        if self.line is not None:
            _line_number(self.line, "AddNote")
        if not self.text.strip():
            raise ValueError("AddNote.text must not be empty")


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class RequestAttachment:
    """Send documentation with the claim: X12 PWK, FHIR supportingInfo. This is how an appeal
    or documentation flag travels with the claim to the payer."""

    line: int | None
    report_type: str
    transmission: str
    control_number: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        if self.line is not None:
            _line_number(self.line, "RequestAttachment")
        self.attachment()  # validates the codes and the AA / control-number rule

    def attachment(self) -> Attachment:
        return Attachment(
            report_type=self.report_type,
            transmission=self.transmission,
            control_number=self.control_number,
            description=self.description,
        )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveLine:
    """Drop the line (e.g. an exact duplicate). Rare: prefer a finding without a fix."""

    line: int

    def __post_init__(self) -> None:
        _line_number(self.line, "RemoveLine")


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class SetModifiers:
    """Replace the line's modifiers (at most four)."""

    line: int
    modifiers: tuple[str, ...]

    def __post_init__(self) -> None:
        _line_number(self.line, "SetModifiers")
        if len(self.modifiers) > MAX_MODIFIERS:
            raise ValueError(f"SetModifiers.modifiers holds at most {MAX_MODIFIERS}")


Fix = SetUnits | SplitLine | AddNote | RequestAttachment | RemoveLine | SetModifiers

# Fixes that change what a line bills. Two of them from different edits on one line conflict.
STRUCTURAL = (SetUnits, SplitLine, RemoveLine, SetModifiers)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class RejectedFix:
    by: str
    fix: Fix
    reason: str


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class FixOutcome:
    """``line_map[n - 1]`` holds the numbers, in the new claim, of the lines that line *n* of
    the given claim became (empty: removed); ``()`` when nothing applied (lines unchanged)."""

    claim: Claim
    applied: tuple[tuple[str, Fix], ...]
    rejected: tuple[RejectedFix, ...]
    line_map: tuple[tuple[int, ...], ...] = ()
