"""One pass over a claim that says which MUE edits can find anything on it.

A clearinghouse batch is mostly clean claims, and on a clean claim all eleven MUE edits come
back empty. The engine calls this screen once per claim (``Edit.screen``) before any of them
and runs only the edits it names (none, on a clean claim). It looks each line's code up once
in the table version in force on its date of service (a dict hit per line) and names an edit
when what it reports on holds:

- MUE011: the program is not stated;
- MUE008: a line of 0 units;
- MUE007: a line with no table in force or no row for its code;
- MUE006: a row of MUE 0;
- MUE009: a date of service past the quarter of the table in force;
- MUE001 (MAI 1) and MUE004 (no indicator, compared per line): a line over its MUE per day;
- the day's units of a code and provider, with the units on earlier claims of the run, over
  its MUE: MUE002 (MAI 2), MUE003 (MAI 3), MUE004 and MUE005 (no indicator), and MUE010 (a
  bilateral RT + LT pair) for any indicator but MAI 1.

The comparisons are the edits' own (``LineMue.over``, ``DayGroup.over``), so the screen can
only name an edit too often, never hide a finding; tests/plugins/mue/test_mue_screen.py
checks that against every edit run on every claim, on generated claims.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from scrubber import Claim, EditContext, ServiceLine, TableInfo, provider_for
from scrubber_mue.common import settings_of
from scrubber_mue.resolve import (
    KIND,
    MAX_SPAN_DAYS,
    MINUTES,
    MueRow,
    counted_units,
    mue_row,
    next_quarter,
    service_type_for,
    span_days,
)

__all__ = ["mue_screen"]

_STALE_FROM: dict[int, tuple[TableInfo, date]] = {}


def _stale_from(table: TableInfo) -> date:
    """The first date of service past *table*'s quarter, once per table version (keyed by
    identity; the entry holds the table, so its id is never reused while it is cached)."""
    cached = _STALE_FROM.get(id(table))
    if cached is None or cached[0] is not table:
        if len(_STALE_FROM) >= 1024:
            _STALE_FROM.clear()
        cached = _STALE_FROM[id(table)] = (table, next_quarter(table.effective))
    return cached[1]


# Edits a day total over the MUE concerns, by adjudication indicator (MUE010 looks at every
# indicator but MAI 1); and the edits a single line over it concerns.
_DAY_EDITS = {
    "1": frozenset(),
    "2": frozenset({"MUE002", "MUE010"}),
    "3": frozenset({"MUE003", "MUE010"}),
    "": frozenset({"MUE004", "MUE005", "MUE010"}),
}
_OTHER_DAY_EDITS = frozenset({"MUE010"})
_LINE_EDITS = {"1": "MUE001", "": "MUE004"}


def mue_screen(claim: Claim, ctx: EditContext) -> frozenset[str] | bool:
    """The codes of the MUE edits that may report on *claim*, or False for none (see the
    module docstring)."""
    named: set[str] = set()
    if ctx.payer.program is None and not claim.filing_indicator:
        named.add("MUE011")  # the program was assumed
    settings = settings_of(ctx)
    service_type = service_type_for(claim, settings)
    lookup = ctx.tables.lookup
    program = ctx.program
    key = settings.day_total_key
    rendering = claim.rendering_npi or claim.billing_npi or ""  # provider_for, inlined
    checked: TableInfo | None = None  # the last table judged for staleness, and its answer
    stale_from = date.min
    # (code, first date, days, provider) -> (MUE row, units over the span, first line)
    groups: dict[tuple[str, date, int, str], tuple[MueRow, Decimal, ServiceLine]] = {}
    for line in claim.lines:
        units = line.units
        if units <= 0:  # no MUE edit counts such a line; 0 units is a finding of its own
            if units == 0:
                named.add("MUE008")
            continue
        on = line.service_date
        hit = lookup(KIND, program, service_type, line.code, on)
        table = ctx.tables.in_force(KIND, program, service_type, on) if hit is None else hit.table
        if table is not checked and table is not None:
            checked, stale_from = table, _stale_from(table)
        if table is not None and on >= stale_from:
            named.add("MUE009")  # whether or not the code has a row in it
        if hit is None:
            named.add("MUE007")
            continue
        row = mue_row(hit)
        value = row.value
        if value == 0:  # not payable: no unit comparison applies
            named.add("MUE006")
            continue
        if line.service_to is None and line.unit_basis != MINUTES:
            days, counted = 1, units  # one date, units of service: the usual line
        else:
            days, counted = span_days(line), counted_units(line)
        if counted > value * days and row.mai in _LINE_EDITS:
            named.add(_LINE_EDITS[row.mai])
        if key == "rendering_npi":
            provider = line.rendering_npi or rendering
        else:
            provider = provider_for(claim, line, key)
        slot = (line.code, line.service_from, days, provider)
        group = groups.get(slot)
        groups[slot] = (
            (row, counted, line) if group is None else (row, group[1] + counted, group[2])
        )
    billed = ctx.billed_days()
    for (code, first, days, _), (row, counted, line) in groups.items():
        limit = row.value * days
        if counted <= limit:  # within it alone: only earlier claims' units could tip it
            if days == 1:
                if (code, first) not in billed:
                    continue
                on_days = [first]
            else:
                on_days = [first + timedelta(days=n) for n in range(min(days, MAX_SPAN_DAYS))]
                if not any((code, on) in billed for on in on_days):
                    continue
            prior = max(ctx.prior_units(code, on, key=key, line=line) for on in on_days)
            if counted <= limit - prior * days:
                continue
        named |= _DAY_EDITS.get(row.mai, _OTHER_DAY_EDITS)
    return frozenset(named) or False
