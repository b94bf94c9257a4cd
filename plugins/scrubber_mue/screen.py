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
  its MUE: MUE002 (MAI 2), MUE003 (MAI 3), MUE004 and MUE005 (no indicator);
- MUE010, for any indicator but MAI 1: two or more lines of a code with an MUE of 1 over it
  on this claim alone (a bilateral RT + LT pair is two lines of one unit with nothing
  earlier that day, ``bilateral_pair``), so a claim that bills each code once never runs it.

The comparisons are the edits' own (a line's units per day against its MUE, compared
exactly; ``DayGroup.over``), so the screen can only name an edit too often, never hide a
finding; tests/plugins/mue/test_mue_screen.py checks that against every edit run on every
claim, on generated claims. When it names an edit, what its walk found (each line's row
and table version, the lines added up per code, day and provider, the units on earlier
claims it asked for) stays in the claim's memo as the claim's ``MueView``, and the edits read
it (view.py) instead of walking the claim again.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple, final

from scrubber import Claim, EditContext, RowHit, ServiceLine, TableInfo, provider_for
from scrubber_mue.common import settings_of
from scrubber_mue.resolve import (
    MINUTES,
    Facts,
    MueRow,
    counted_units,
    mue_row,
    next_quarter,
    prior_units,
    rows_on,
    service_type_for,
    span_days,
)
from scrubber_mue.settings import MueSettings

__all__ = ["VIEWED", "Group", "MueView", "Seen", "Slot", "mue_screen", "walk"]

VIEWED = "scrubber_mue.view"  # the memo key of what the screen found
# a line with units, its row (None: none) and the table version in force on its date
Seen = tuple[ServiceLine, MueRow | None, TableInfo | None]
# lines of a payable MUE added up: (code, first date, days, provider) -> (row facts, units
# over the span, first line, the other lines or None)
Slot = tuple[str, date, int, str]
Group = tuple[Facts, Decimal, ServiceLine, list[ServiceLine] | None]


@final
class MueView(NamedTuple):
    """One claim's lines as the MUE edits see them, as the walk found them: the payer's
    settings, the table the claim is checked against, and each line with units to count as
    (line, its row or None, the table version in force on its date of service or None), in
    claim order (a line of 0 units is left out: MUE008 reports it). ``groups``: the lines of
    a payable MUE added up per code, day and provider; ``over``: the groups among them over
    their MUE, with the units on earlier claims (compared as ``DayGroup.over`` does), but
    MAI 1 groups (a line edit: MUE001 compares each line, no edit reads its day total);
    ``priors``: the units on earlier claims the screen asked for, per group; ``billed``: the
    days earlier claims bill (``ctx.billed_days``). Made once per claim and phase (a named
    tuple, as one is made per claim); the edits only read it."""

    settings: MueSettings
    service_type: str
    lines: Sequence[Seen]
    groups: dict[Slot, Group]
    over: set[Slot]
    priors: dict[Slot, Decimal]
    billed: Container[tuple[str, date]]


_ZERO = Decimal(0)
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


# Edits a day total over the MUE concerns, by adjudication indicator; the edits a single
# line over it concerns; and MUE010, which looks at a day of several lines over an MUE of 1
# for every indicator but MAI 1.
_DAY_EDITS = {
    "1": frozenset(),
    "2": frozenset({"MUE002"}),
    "3": frozenset({"MUE003"}),
    "": frozenset({"MUE004", "MUE005"}),
}
_NO_EDITS: frozenset[str] = frozenset()
_LINE_EDITS = {"1": "MUE001", "": "MUE004"}
_BILATERAL = frozenset({"MUE010"})


def _facts(hit: RowHit) -> Facts:
    row = mue_row(hit)
    line_edit, day_edits = _LINE_EDITS.get(row.mai), _DAY_EDITS.get(row.mai, _NO_EDITS)
    lines_edits = day_edits | _BILATERAL if row.value == 1 and row.mai != "1" else day_edits
    return row.mue, line_edit, day_edits, row, lines_edits, row.mai != "1"


def mue_screen(claim: Claim, ctx: EditContext) -> set[str] | bool:
    """The codes of the MUE edits that may report on *claim*, or False for none (see the
    module docstring). When it names any, what it found is left in the claim's memo for the
    edits (``VIEWED``; ``view.mue_view`` reads it)."""
    named, view = walk(claim, ctx)
    if not named:
        return False
    ctx.memo(VIEWED, lambda: view)
    return named  # the engine only asks it for codes


def walk(claim: Claim, ctx: EditContext) -> tuple[set[str], MueView]:
    """The codes of the MUE edits that may report on *claim*, and what it takes to tell."""
    named: set[str] = set()
    if ctx.payer.program is None and not claim.filing_indicator:
        named.add("MUE011")  # the program was assumed
    settings = settings_of(ctx)
    service_type = service_type_for(claim, settings)
    tables = ctx.tables
    program = ctx.program
    key = settings.day_total_key
    by_rendering = key == "rendering_npi"
    rendering = claim.rendering_npi or claim.billing_npi or ""  # provider_for, inlined
    on_date: date | None = None  # the date the lookups below are for, and its staleness
    rows: Callable[[str], RowHit | None]  # set by the first line with units (its date)
    known: dict[str, Facts] = {}
    stale = False
    seen: list[Seen] = []
    groups: dict[Slot, Group] = {}
    over_slots: set[Slot] = set()
    for line in claim.lines:
        units = line.units
        if units <= _ZERO:  # no MUE edit counts such a line; 0 units is a finding of its own
            if units == _ZERO:
                named.add("MUE008")
            continue
        on = line.service_from
        if on != on_date:  # the lines of a claim mostly share one date
            table, rows, known = rows_on(tables, program, service_type, on)
            on_date, stale = on, table is not None and on >= _stale_from(table)
        if stale:
            named.add("MUE009")  # whether or not the code has a row in it
        code = line.code
        facts = known.get(code)
        if facts is None:
            hit = rows(code)
            if hit is None:
                named.add("MUE007")
                seen.append((line, None, table))
                continue
            facts = known[code] = _facts(hit)
        seen.append((line, facts[3], table))
        value = facts[0]
        if not value:  # not payable: no unit comparison applies
            named.add("MUE006")
            continue
        if line.service_to is None and line.unit_basis != MINUTES:
            days, counted = 1, units  # one date, units of service: the usual line
            over = units > value
        else:
            days, counted = span_days(line), counted_units(line)
            over = counted > value * days
        if over:  # over alone: its day total is over too, whatever else the day holds
            if facts[1] is not None:
                named.add(facts[1])
            named |= facts[2]
        if by_rendering:
            provider = line.rendering_npi or rendering
        else:
            provider = provider_for(claim, line, key)
        slot = (code, on, days, provider)
        if over and facts[5]:
            over_slots.add(slot)
        group = groups.get(slot)
        if group is None:
            groups[slot] = (facts, counted, line, None)
        else:  # lines of one code, day and provider add up (all the units count)
            counted += group[1]
            more = group[3]
            if more is None:
                more = [line]
            else:
                more.append(line)
            groups[slot] = (facts, counted, group[2], more)
            if counted > value * days and facts[5]:
                named |= facts[4]
                over_slots.add(slot)
    # every day total over its MUE on this claim alone is named by now; what is left is a
    # total within it that earlier claims of the patient, the same day, may tip over
    billed = ctx.billed_days() if groups else ()
    priors: dict[Slot, Decimal] = {}
    if billed:
        for slot, (facts, counted, line, _) in groups.items():
            if not facts[5]:  # MAI 1: a line edit, no edit reads the day total
                continue
            days = slot[2]
            limit = facts[0] if days == 1 else facts[0] * days
            if counted > limit:  # over on its own: named above
                continue
            prior = priors[slot] = prior_units(ctx, line, key, billed)
            if prior and counted > limit - prior * days:
                named |= facts[2]
                over_slots.add(slot)
    return named, MueView(settings, service_type, seen, groups, over_slots, priors, billed)
