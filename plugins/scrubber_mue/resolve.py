"""Which MUE row governs each line, and how lines add up per code and date of service.

An MUE counts the units of one HCPCS/CPT code for one beneficiary, from one provider, on one
date of service, against the table for the claim type: the practitioner table for an 837P,
the DME supplier table when the billing provider is a DME supplier (CMS MUE page: three
tables, practitioner, outpatient hospital and DME supplier). The version is the one in force
on the line's date of service, so a claim spanning a quarter boundary uses two tables.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import NamedTuple, final

from scrubber import (
    Claim,
    EditContext,
    ReferenceTables,
    RowHit,
    ServiceLine,
    TableInfo,
    TableRowRef,
)
from scrubber_mue.settings import MueSettings

__all__ = [
    "DayGroup",
    "Facts",
    "MueRow",
    "RowsOn",
    "counted_units",
    "is_minutes",
    "mue_row",
    "next_quarter",
    "prior_units",
    "rows_on",
    "service_type_for",
    "span_days",
]

KIND = "mue"
_NONE = Decimal("0")


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class MueRow:
    """One MUE row, read back from its text columns, with what every finding on it says of
    it: made once per row hit (``mue_row``), while a run meets the same rows claim after
    claim."""

    code: str
    value: int
    mai: str  # "1", "2", "3"; "" for a table without an indicator (Medicaid)
    mai_text: str
    rationale: str
    hit: RowHit
    # the MUE as a Decimal, the units' type (Decimal to Decimal compares at a third of the
    # cost of Decimal to int); the row as a finding names it (``table_row``) and as a biller
    # reads it (``describe``)
    mue: Decimal = field(init=False, repr=False, compare=False)
    table_row: TableRowRef = field(init=False, repr=False, compare=False)
    _described: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mue", Decimal(self.value))  # frozen: set once, here
        object.__setattr__(self, "table_row", self.hit.ref())
        object.__setattr__(self, "_described", self._describe())

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
        return self._described

    def _describe(self) -> str:
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


def next_quarter(effective: date) -> date:
    """The first day of the calendar quarter after the one *effective* falls in."""
    month = (effective.month - 1) // 3 * 3 + 4
    return date(effective.year + (month > 12), (month - 1) % 12 + 1, 1)


MINUTES = "MJ"  # SV103 MJ / UCUM min or h: the quantity is time, not units of service
MAX_SPAN_DAYS = 366  # prior-day lookups of a date-span line stop after a year


def is_minutes(line: ServiceLine) -> bool:
    """A line that still reports time (SV103 ``MJ``, a UCUM ``min``/``h`` quantity) after
    the normalize phase: the infusion plugin turned its own timed codes into units, so what
    is left (anesthesia, typically) is one service however many minutes it lasted."""
    return line.unit_basis == MINUTES


def span_days(line: ServiceLine) -> int:
    """Days a line's date span covers (``DTP*472*RD8``, a FHIR ``servicedPeriod`` of dates),
    both ends counted; 1 for a single date. A period given with times (start and end
    datetimes) is one continuous service, e.g. a visit past midnight, not a span of days:
    it counts on its first date."""
    if line.service_to is None or line.service_to <= line.service_from or line.start:
        return 1
    return (line.service_to - line.service_from).days + 1


def counted_units(line: ServiceLine) -> Decimal:
    """Units of service the line reports over its whole span: its units, or one service per
    day for a line reported in minutes (NCCI Policy Manual ch. II, anesthesia MUEs count
    services; docs/mue.md)."""
    return Decimal(span_days(line)) if is_minutes(line) else line.units


@final
class DayGroup(NamedTuple):
    """Every line of one code, one date of service (or one identical date span) and one
    provider, in claim order, whatever their modifiers: modifiers do not split a
    date-of-service edit (First Coast, Palmetto). A span's units are compared per day: the
    day's units are the span's units divided by its days.

    Made with ``DayGroup.of``, which counts the lines once (every edit that reports the
    group reads them again); a named tuple, as a claim's groups are made per claim."""

    code: str
    on: date
    row: MueRow
    lines: tuple[ServiceLine, ...]
    prior: Decimal  # units per day on earlier claims of this patient and provider
    days: int
    key: str
    counted: tuple[Decimal, ...]  # each line's units of service over the span
    claim_units: Decimal  # the lines' units over the whole span

    @classmethod
    def of(
        cls,
        *,
        code: str,
        on: date,
        row: MueRow,
        lines: tuple[ServiceLine, ...],
        prior: Decimal,
        days: int = 1,
        key: str = "rendering_npi",
    ) -> DayGroup:
        if len(lines) == 1:  # the usual group
            units = counted_units(lines[0])
            return cls(code, on, row, lines, prior, days, key, (units,), _NONE + units)
        counted = tuple(counted_units(line) for line in lines)
        return cls(code, on, row, lines, prior, days, key, counted, sum(counted, _NONE))

    @property
    def last(self) -> date:
        return self.on + timedelta(days=self.days - 1)

    @property
    def total(self) -> Decimal:
        """Units per day (with earlier claims'), for the message; compare with ``over``."""
        if self.days == 1:  # the usual group: dividing by 1 would give the same Decimal
            return self.prior + self.claim_units
        return self.prior + self.claim_units / self.days

    def over(self) -> bool:
        """The lines' units exceed what the row's MUE leaves them (compared exactly)."""
        return self.claim_units > self.allowed

    @property
    def allowed(self) -> Decimal:
        """Units the MUE leaves this claim over the span, before earlier claims' are met."""
        if self.days == 1:  # the usual group: multiplying by 1 would give the same Decimal
            return self.row.mue - self.prior
        return (self.row.mue - self.prior) * self.days

    @property
    def minutes_only(self) -> bool:
        return all(is_minutes(line) for line in self.lines)


_ROWS: dict[int, MueRow] = {}
_MAX_ROWS = 16_384  # distinct codes x versions a run meets; bounds memory either way


def mue_row(hit: RowHit) -> MueRow:
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
    if taxonomy and taxonomy in settings.dme_taxonomy_keys:
        return "dme"
    return settings.service_type


# What the screen needs of a row, kept per code and table version: its MUE as a Decimal
# (units are Decimal, and Decimal to Decimal compares at a third of the cost of Decimal to
# int), the edit a single line over it concerns (None: none), the edits a day total over it
# concerns, the row itself, the edits a day total of several lines over it concerns, and
# whether any edit reads its day total (every indicator but MAI 1, a line edit).
Facts = tuple[Decimal, str | None, frozenset[str], MueRow, frozenset[str], bool]
# The table in force on a date, a lookup of its rows by code, and the facts known so far.
RowsOn = tuple[TableInfo | None, Callable[[str], RowHit | None], dict[str, Facts]]
# Per table version in force (keyed by the identity of its rows; the entry holds them, so
# the id is never reused while cached): the facts of each code a claim has billed so far.
_KNOWN: dict[int, tuple[object, dict[str, Facts]]] = {}
_MAX_TABLES = 64


def rows_on(tables: ReferenceTables, program: str, service_type: str, on: date) -> RowsOn:
    """The MUE table in force on *on*, a lookup of its rows by code and the facts of the
    codes known so far: the run's rows for that date (one dict hit per line), or a lookup
    per code for tables that hold no whole version in memory."""
    rows_in_force = getattr(tables, "rows_in_force", None)
    found = None if rows_in_force is None else rows_in_force(KIND, program, service_type, on)
    if found is None:
        ask = partial(tables.lookup, KIND, program, service_type, on=on)
        return tables.in_force(KIND, program, service_type, on), ask, {}
    table, rows = found
    cached = _KNOWN.get(id(rows))
    if cached is None or cached[0] is not rows:
        if len(_KNOWN) >= _MAX_TABLES:
            _KNOWN.clear()
        cached = _KNOWN[id(rows)] = (rows, {})
    return table, rows.get, cached[1]


def prior_units(
    ctx: EditContext, line: ServiceLine, key: str, billed: Container[tuple[str, date]]
) -> Decimal:
    """Most units on any day of *line*'s span on earlier claims (per day). A day *billed*
    (``ctx.billed_days``) does not hold has none, for any provider: no history asked."""
    code, first = line.code, line.service_from
    days = min(span_days(line), MAX_SPAN_DAYS)
    if days == 1:  # the usual line
        if (code, first) not in billed:
            return _NONE
        return ctx.prior_units(code, first, key=key, line=line)
    return max(
        ctx.prior_units(code, on, key=key, line=line) if (code, on) in billed else _NONE
        for on in (first + timedelta(days=n) for n in range(days))
    )
