"""Which MUE row governs each line, and how lines add up per code and date of service.

An MUE counts the units of one HCPCS/CPT code for one beneficiary, from one provider, on one
date of service, against the table for the claim type (domain.md §1.8): the practitioner
table for an 837P, the DME supplier table when the billing provider is a DME supplier
(Appendix A.1). The version is the one in force on the line's date of service, so a claim
spanning a quarter boundary uses two tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import final

from scrubber.edits import EditContext
from scrubber.models import Claim, ServiceLine
from scrubber.tables import RowHit
from scrubber_mue.settings import MueSettings

__all__ = ["DayGroup", "LineMue", "MueRow", "day_groups", "line_mues", "service_type_for"]

KIND = "mue"


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class MueRow:
    """One MUE row, read back from its text columns."""

    code: str
    value: int
    mai: str  # "1", "2", "3"; "" for a table without an indicator (Medicaid)
    mai_text: str
    rationale: str
    hit: RowHit

    @classmethod
    def from_hit(cls, hit: RowHit) -> MueRow:
        row = hit.row
        return cls(
            code=row.key,
            value=int(row.get("value", "0") or "0"),
            mai=row.get("mai"),
            mai_text=row.get("mai_text"),
            rationale=row.get("rationale"),
            hit=hit,
        )

    def describe(self) -> str:
        """``Medicare practitioner table effective 2026-07-01; MAI 2 Date of Service Edit:
        Policy; rationale Code Descriptor / CPT Instruction``: the row as a biller reads it."""
        info = self.hit.table
        parts = [
            f"{info.program.capitalize()} {info.service_type} table effective "
            f"{info.effective.isoformat()}"
        ]
        if self.mai:
            parts.append(f"MAI {self.mai_text or self.mai}")
        if self.rationale:
            parts.append(f"rationale {self.rationale}")
        return "; ".join(parts)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class LineMue:
    """A line and the MUE row in force for it (None: no table in force, or no row)."""

    line: ServiceLine
    row: MueRow | None


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class DayGroup:
    """Every line of one code on one date of service, in claim order, whatever their
    modifiers: modifiers do not split a date-of-service edit (First Coast, Palmetto)."""

    code: str
    on: date
    row: MueRow
    lines: tuple[ServiceLine, ...]
    prior: Decimal  # units on earlier claims of this patient and billing provider

    @property
    def claim_units(self) -> Decimal:
        return sum((line.units for line in self.lines), Decimal("0"))

    @property
    def total(self) -> Decimal:
        return self.prior + self.claim_units


_ROWS: dict[int, MueRow] = {}
_MAX_ROWS = 16_384  # distinct codes x versions a run meets; bounds memory either way


def _mue_row(hit: RowHit) -> MueRow:
    """``MueRow.from_hit``, once per row hit: a table snapshot hands out one ``RowHit`` per
    (version, code), so the columns are read once per run instead of once per line. Keyed
    by identity; the cached row holds its hit, so an id is never reused while it is cached."""
    row = _ROWS.get(id(hit))
    if row is None or row.hit is not hit:
        if len(_ROWS) >= _MAX_ROWS:
            _ROWS.clear()
        row = _ROWS[id(hit)] = MueRow.from_hit(hit)
    return row


def service_type_for(claim: Claim, settings: MueSettings) -> str:
    """The DME supplier table for a DME supplier's claim, else the profile's table."""
    taxonomy = (claim.billing_taxonomy or "").strip().upper()
    if taxonomy and taxonomy in {t.upper() for t in settings.dme_taxonomies}:
        return "dme"
    return settings.service_type


def line_mues(claim: Claim, ctx: EditContext, settings: MueSettings) -> tuple[LineMue, ...]:
    """Each line with units to count and the MUE row for its code and date of service.

    The seven MUE edits ask this of the same claim in turn, so the answer is kept in the
    engine's per-claim memo and the table lookups run once per claim and phase."""

    def lookup() -> tuple[LineMue, ...]:
        service_type = service_type_for(claim, settings)
        found = []
        for line in claim.lines:
            if line.units <= 0:
                continue
            hit = ctx.tables.lookup(KIND, ctx.program, service_type, line.code, line.service_date)
            found.append(LineMue(line=line, row=None if hit is None else _mue_row(hit)))
        return tuple(found)

    return ctx.memo("scrubber_mue.line_mues", lookup)


def day_groups(claim: Claim, ctx: EditContext, settings: MueSettings) -> tuple[DayGroup, ...]:
    """Lines with an MUE row grouped by (code, date of service), in order of first line.

    Four edits walk these groups; like ``line_mues`` they are kept in the per-claim memo
    (the units on earlier claims cannot change while one claim is being checked)."""

    def group() -> tuple[DayGroup, ...]:
        grouped: dict[tuple[str, date], tuple[MueRow, list[ServiceLine]]] = {}
        for item in line_mues(claim, ctx, settings):
            if item.row is None:
                continue
            key = (item.line.code, item.line.service_date)
            grouped.setdefault(key, (item.row, []))[1].append(item.line)
        return tuple(
            DayGroup(code=code, on=on, row=row, lines=tuple(lines), prior=ctx.prior_units(code, on))
            for (code, on), (row, lines) in grouped.items()
        )

    return ctx.memo("scrubber_mue.day_groups", group)
