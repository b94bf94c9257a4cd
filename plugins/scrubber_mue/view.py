"""What the MUE edits see of one claim, worked out once per claim and phase.

Every MUE edit asks the same questions of a claim: the payer's ``[mue]`` settings, the MUE
row in force for each line (and the table version it came from), the lines added up per
code, date of service and provider, and which of those day totals are over their MUE. The
screen (screen.py) answers most of them on its way through the claim, and when it names an
edit it leaves what it found in the claim's memo; ``mue_view`` and ``day_totals`` finish the
answers from it, once per claim and phase, for every edit that runs. An edit run without
its screen finds the same by the same walk.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import NamedTuple, final

from scrubber import Claim, EditContext, ServiceLine
from scrubber_mue.bilateral import bilateral_pair
from scrubber_mue.resolve import DayGroup, MueRow, prior_units
from scrubber_mue.screen import VIEWED, MueView, Slot, walk

__all__ = ["DayTotals", "MueView", "day_group", "day_totals", "mue_view", "walked_groups"]

_DAYS = "scrubber_mue.day_totals"
_NONE = Decimal("0")

_NO_GROUPS: tuple[DayGroup, ...] = ()


@final
class DayTotals(NamedTuple):
    """The day groups over their MUE: lines with a payable MUE (above 0) by (code, date or
    date span, provider), in order of first line, the provider being the identity the
    profile's ``day_total_key`` names (an MUE of 0 is reported per line, by MUE006), with
    the units on earlier claims; an MAI 1 MUE is a line edit (MUE001 compares each line),
    so no MAI 1 group is in them. ``over``: per adjudication indicator (``""`` for a table
    without one), those that are not a bilateral RT + LT pair (MUE010 advises modifier 50
    for those). ``pairs``: those that are such a pair, with its two lines. A named tuple, as
    one is made per claim."""

    over: dict[str, list[DayGroup]]
    pairs: list[tuple[DayGroup, ServiceLine, ServiceLine]]

    def groups_over(self, mai: str) -> Sequence[DayGroup]:
        return self.over.get(mai, _NO_GROUPS)


def mue_view(claim: Claim, ctx: EditContext) -> MueView:
    """The claim's lines for this phase: the screen's, or worked out for the first MUE edit
    that asks (an edit run without its screen)."""
    return ctx.memo(VIEWED, lambda: walk(claim, ctx)[1])


def day_totals(claim: Claim, ctx: EditContext) -> DayTotals:
    """The claim's day totals over their MUE for this phase, for the first edit that asks
    (MUE002-MUE005 and MUE010 do; MUE001 and MUE006-MUE009 never do). The units on earlier
    claims cannot change while one claim is being checked, so they are asked once per
    group: by the screen where it needed them, here for the rest."""
    return ctx.memo(_DAYS, lambda: _totals(ctx, mue_view(claim, ctx)))


def walked_groups(view: MueView) -> Iterator[tuple[Slot, MueRow, tuple[ServiceLine, ...]]]:
    """Every group the walk added up, over its MUE or not, as (slot, row, lines) in order
    of first line (``day_group`` makes one a ``DayGroup``)."""
    for slot, (facts, _, first, more) in view.groups.items():
        yield slot, facts[3], (first,) if more is None else (first, *more)


def day_group(ctx: EditContext, view: MueView, slot: Slot) -> DayGroup:
    """The day group the walk added up at *slot*, with the units on earlier claims."""
    facts, _, first, more = view.groups[slot]
    code, on, days, _ = slot
    key = view.settings.day_total_key
    prior = view.priors.get(slot)
    if prior is None:
        prior = prior_units(ctx, first, key, view.billed) if view.billed else _NONE
    return DayGroup.of(
        code=code,
        on=on,
        row=facts[3],
        lines=(first,) if more is None else (first, *more),
        prior=prior,
        days=days,
        key=key,
    )


def _totals(ctx: EditContext, view: MueView) -> DayTotals:
    """The groups the walk found over their MUE, in order of first line: only those are
    made (a claim's groups are mostly within it) and asked about earlier claims."""
    over: dict[str, list[DayGroup]] = {}
    pairs = []
    if view.over:
        for slot in view.groups:
            if slot not in view.over:
                continue
            group = day_group(ctx, view, slot)
            if not group.over():  # the walk compared the same; the group has the last word
                continue
            pair = bilateral_pair(group)
            if pair is None:
                over.setdefault(group.row.mai, []).append(group)
            else:
                pairs.append((group, *pair))
    return DayTotals(over=over, pairs=pairs)
