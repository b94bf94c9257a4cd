"""One pass over a claim that says whether any MUE edit can find anything on it.

A clearinghouse batch is mostly clean claims, and on a clean claim all eleven MUE edits come
back empty. The engine calls this screen once per claim (``Edit.screen``) before any of them;
when it says False none of them runs. It looks each line's code up once in the table version
in force on its date of service (a dict hit per line) and says True as soon as one of these
holds, which is everything an MUE edit reports on:

- the program is not stated (MUE011);
- a line of 0 or fewer units (MUE008);
- a line with no table in force or no row for its code (MUE007);
- a row of MUE 0 (MUE006);
- a date of service past the quarter of the table in force (MUE009);
- a line over its MUE per day (MUE001, MUE004 per line), or the day's units of a code and
  provider, with the units on earlier claims of the run, over its MUE (MUE002, MUE003,
  MUE004 per date of service, MUE005, MUE010).

The comparisons are the edits' own (``LineMue.over``, ``DayGroup.over``), so the screen can
only say True too often, never hide a finding; tests/test_mue_screen.py checks that on the
samples and on generated claims.
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


def mue_screen(claim: Claim, ctx: EditContext) -> bool:
    """True when an MUE edit may report on *claim* (see the module docstring)."""
    if ctx.payer.program is None and not claim.filing_indicator:
        return True  # MUE011: the program was assumed
    settings = settings_of(ctx)
    service_type = service_type_for(claim, settings)
    lookup = ctx.tables.lookup
    program = ctx.program
    key = settings.day_total_key
    # (code, first date, days, provider) -> (MUE value, units over the span, first line)
    groups: dict[tuple[str, date, int, str], tuple[int, Decimal, ServiceLine]] = {}
    for line in claim.lines:
        units = line.units
        if units <= 0:
            return True  # MUE008
        on = line.service_date
        hit = lookup(KIND, program, service_type, line.code, on)
        if hit is None:
            return True  # MUE007
        value = mue_row(hit).value
        if value == 0 or on >= _stale_from(hit.table):
            return True  # MUE006, MUE009
        if line.service_to is None and line.unit_basis != MINUTES:
            days, counted = 1, units  # one date, units of service: the usual line
        else:
            days, counted = span_days(line), counted_units(line)
        if counted > value * days:
            return True  # a line over its MUE on its own
        slot = (line.code, line.service_from, days, provider_for(claim, line, key))
        group = groups.get(slot)
        groups[slot] = (
            (value, counted, line) if group is None else (value, group[1] + counted, group[2])
        )
    billed = ctx.billed_days()
    for (code, first, days, _), (value, counted, line) in groups.items():
        on_days = [first + timedelta(days=n) for n in range(min(days, MAX_SPAN_DAYS))]
        if not any((code, on) in billed for on in on_days):
            if counted > value * days:  # nothing earlier: the claim's own units
                return True
            continue
        prior = max(ctx.prior_units(code, on, key=key, line=line) for on in on_days)
        if counted > (Decimal(value) - prior) * days:
            return True  # the day's units, with earlier claims', over the MUE
    return False
