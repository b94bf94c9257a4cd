"""What the MUE edits see of one claim, worked out once per claim and phase.

Every MUE edit asks the same questions of a claim: the payer's ``[mue]`` settings, the MUE
row in force for each line (and the table version it came from), the lines added up per
code, date of service and provider, and which of those day totals are over their MUE.
``mue_view`` and ``day_totals`` answer them once and keep the answers in the engine's
per-claim memo, so the edits that run share them. The rows are read through the facts the
screen (screen.py) keeps per code and table version: a code the screen has met costs one
dict hit per line, and its row is the one the screen compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import final

from scrubber import Claim, EditContext, ServiceLine, provider_for
from scrubber_mue.bilateral import bilateral_pair
from scrubber_mue.common import settings_of
from scrubber_mue.resolve import (
    DayGroup,
    LineMue,
    MueRow,
    mue_row,
    prior_units,
    rows_on,
    service_type_for,
    span_days,
)
from scrubber_mue.settings import MueSettings

__all__ = ["DayTotals", "MueView", "day_totals", "mue_view"]

_VIEW = "scrubber_mue.view"
_DAYS = "scrubber_mue.day_totals"

_NO_GROUPS: tuple[DayGroup, ...] = ()


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class MueView:
    """One claim's lines as the MUE edits see them: the payer's settings, the table the
    claim is checked against, and each line with units to count with the row and the table
    version in force on its date of service (a line of 0 units is left out: MUE008 reports
    it)."""

    settings: MueSettings
    service_type: str
    lines: tuple[LineMue, ...]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class DayTotals:
    """``groups``: lines with a row by (code, date or date span, provider), in order of
    first line, the provider being the identity the profile's ``day_total_key`` names.
    ``over``: per adjudication indicator (``""`` for a table without one), the groups over a
    payable MUE that are not a bilateral RT + LT pair (MUE010 advises modifier 50 for
    those)."""

    groups: tuple[DayGroup, ...]
    over: dict[str, tuple[DayGroup, ...]]

    def groups_over(self, mai: str) -> tuple[DayGroup, ...]:
        return self.over.get(mai, _NO_GROUPS)


def mue_view(claim: Claim, ctx: EditContext) -> MueView:
    """The claim's lines for this phase: worked out for the first MUE edit that asks."""
    return ctx.memo(_VIEW, lambda: _made(claim, ctx))


def day_totals(claim: Claim, ctx: EditContext) -> DayTotals:
    """The claim's day totals for this phase, for the first edit that asks (MUE007 and the
    line edits never do). The units on earlier claims cannot change while one claim is
    being checked, so they are asked once per group, here."""
    return ctx.memo(_DAYS, lambda: _totals(claim, ctx, mue_view(claim, ctx)))


def _made(claim: Claim, ctx: EditContext) -> MueView:
    settings = settings_of(ctx)
    service_type = service_type_for(claim, settings)
    tables, program = ctx.tables, ctx.program
    found: list[LineMue] = []
    on_date: date | None = None
    for line in claim.lines:
        if line.units <= 0:
            continue
        on = line.service_from
        if on != on_date:  # the lines of a claim mostly share one date
            table, rows, known = rows_on(tables, program, service_type, on)
            on_date = on
        facts = known.get(line.code)  # the row, if the screen met the code already
        if facts is not None:
            found.append(LineMue(line, facts[3], table))
            continue
        hit = rows(line.code)
        found.append(LineMue(line, None if hit is None else mue_row(hit), table))
    return MueView(settings=settings, service_type=service_type, lines=tuple(found))


def _totals(claim: Claim, ctx: EditContext, view: MueView) -> DayTotals:
    key = view.settings.day_total_key
    grouped: dict[tuple[str, date, int, str], tuple[MueRow, list[ServiceLine]]] = {}
    for line, row, _ in view.lines:
        if row is None:
            continue
        slot = (line.code, line.service_from, span_days(line), provider_for(claim, line, key))
        same_day = grouped.get(slot)
        if same_day is None:
            grouped[slot] = (row, [line])
        else:
            same_day[1].append(line)
    billed = ctx.billed_days() if grouped else ()
    groups = tuple(
        DayGroup.of(
            code=code,
            on=on,
            row=row,
            lines=tuple(lines),
            prior=prior_units(ctx, lines[0], key, billed),
            days=days,
            key=key,
        )
        for (code, on, days, _), (row, lines) in grouped.items()
    )
    over: dict[str, list[DayGroup]] = {}
    for group in groups:
        value = group.row.value
        if value > 0 and group.over(value) and bilateral_pair(group) is None:
            over.setdefault(group.row.mai, []).append(group)
    return DayTotals(groups=groups, over={mai: tuple(listed) for mai, listed in over.items()})
