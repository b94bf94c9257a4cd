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
from scrubber_mue.screen import Seen, Walk, walk_claim
from scrubber_mue.settings import MueSettings

__all__ = ["DayTotals", "MueView", "day_totals", "mue_view"]

_VIEW = "scrubber_mue.view"
_DAYS = "scrubber_mue.day_totals"
_NONE = Decimal("0")

_NO_GROUPS: tuple[DayGroup, ...] = ()


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class MueView:
    """One claim's lines as the MUE edits see them: the payer's settings, the table the
    claim is checked against, and each line with units to count as (line, its row or None,
    the table version in force on its date of service or None), in claim order (a line of
    0 units is left out: MUE008 reports it)."""

    settings: MueSettings
    service_type: str
    lines: tuple[Seen, ...]
    walk: Walk


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
    """The claim's lines for this phase: worked out for the first MUE edit that asks."""
    return ctx.memo(_VIEW, lambda: _made(claim, ctx))


def day_totals(claim: Claim, ctx: EditContext) -> DayTotals:
    """The claim's day totals for this phase, for the first edit that asks (MUE002-MUE005
    and MUE010 do; MUE001 and MUE006-MUE009 never do). The units on earlier claims cannot
    change while one claim is being checked, so they are asked once per group: by the
    screen where it needed them, here for the rest."""
    return ctx.memo(_DAYS, lambda: _totals(ctx, mue_view(claim, ctx)))


def _made(claim: Claim, ctx: EditContext) -> MueView:
    walk = walk_claim(claim, ctx)
    settings, service_type, seen = walk[0], walk[1], walk[2]
    return MueView(settings=settings, service_type=service_type, lines=tuple(seen), walk=walk)


def _totals(ctx: EditContext, view: MueView) -> DayTotals:
    """The groups the walk added up, with the units on earlier claims the screen did not
    need to ask for (a group over its MUE on this claim alone)."""
    _, _, _, grouped, priors, billed = view.walk
    key = view.settings.day_total_key
    groups = []
    over: dict[str, list[DayGroup]] = {}
    pairs = []
    for slot, (facts, _, first, more) in grouped.items():
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
