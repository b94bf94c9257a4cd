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

from dataclasses import dataclass
from decimal import Decimal
from typing import final

from scrubber import Claim, EditContext, ServiceLine
from scrubber_mue.bilateral import bilateral_pair
from scrubber_mue.resolve import DayGroup, prior_units
from scrubber_mue.screen import VIEWED, MueView, walk

__all__ = ["DayTotals", "MueView", "day_totals", "mue_view"]

_DAYS = "scrubber_mue.day_totals"
_NONE = Decimal("0")

_NO_GROUPS: tuple[DayGroup, ...] = ()


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class DayTotals:
    """``groups``: lines with a payable MUE (above 0) by (code, date or date span,
    provider), in order of first line, the provider being the identity the profile's
    ``day_total_key`` names (an MUE of 0 is reported per line, by MUE006).
    ``over``: per adjudication indicator (``""`` for a table without one), the groups over a
    payable MUE that are not a bilateral RT + LT pair (MUE010 advises modifier 50 for
    those). ``pairs``: the groups over their MUE that are such a pair, with its two lines,
    but MAI 1 groups (a line edit: MUE001 compares each line)."""

    groups: tuple[DayGroup, ...]
    over: dict[str, tuple[DayGroup, ...]]
    pairs: tuple[tuple[DayGroup, ServiceLine, ServiceLine], ...]

    def groups_over(self, mai: str) -> tuple[DayGroup, ...]:
        return self.over.get(mai, _NO_GROUPS)


def mue_view(claim: Claim, ctx: EditContext) -> MueView:
    """The claim's lines for this phase: the screen's, or worked out for the first MUE edit
    that asks (an edit run without its screen)."""
    return ctx.memo(VIEWED, lambda: walk(claim, ctx)[1])


def day_totals(claim: Claim, ctx: EditContext) -> DayTotals:
    """The claim's day totals for this phase, for the first edit that asks (MUE002-MUE005
    and MUE010 do; MUE001 and MUE006-MUE009 never do). The units on earlier claims cannot
    change while one claim is being checked, so they are asked once per group: by the
    screen where it needed them, here for the rest."""
    return ctx.memo(_DAYS, lambda: _totals(ctx, mue_view(claim, ctx)))


def _totals(ctx: EditContext, view: MueView) -> DayTotals:
    """The groups the walk added up, with the units on earlier claims the screen did not
    need to ask for (a group over its MUE on this claim alone)."""
    priors, billed = view.priors, view.billed
    key = view.settings.day_total_key
    groups = []
    over: dict[str, list[DayGroup]] = {}
    pairs = []
    for slot, (facts, _, first, more) in view.groups.items():
        code, on, days, _ = slot
        prior = priors.get(slot)
        if prior is None:
            prior = prior_units(ctx, first, key, billed) if billed else _NONE
        group = DayGroup.of(
            code=code,
            on=on,
            row=facts[3],
            lines=(first,) if more is None else (first, *more),
            prior=prior,
            days=days,
            key=key,
        )
        groups.append(group)
        if not group.over():
            continue
        pair = bilateral_pair(group)
        if pair is None:
            over.setdefault(group.row.mai, []).append(group)
        elif group.row.mai != "1":
            pairs.append((group, *pair))
    return DayTotals(
        groups=tuple(groups),
        over={mai: tuple(listed) for mai, listed in over.items()},
        pairs=tuple(pairs),
    )
