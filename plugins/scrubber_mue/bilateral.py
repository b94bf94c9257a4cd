"""RT + LT lines of one code over an MUE of 1: a bilateral procedure coded as two sides.

Medicare pays a bilateral procedure of a code whose MPFS bilateral surgery indicator is 1
when it is reported on one line with modifier 50 and one unit (Medicare Claims Processing
Manual, Pub. 100-04, ch. 12, §40.7; NCCI Policy Manual for Medicare Services, ch. I, MUE
section). Reported as an RT line and an LT line of one unit each, a date-of-service MUE of 1
sums them to 2 and denies both; capping would remove a side the patient really had done.
So the scrubber advises the modifier 50 coding instead of changing units.
"""

from __future__ import annotations

from decimal import Decimal

from scrubber import ServiceLine
from scrubber_mue.resolve import DayGroup, is_minutes

__all__ = ["bilateral_pair"]

_SIDES = frozenset({"RT", "LT"})


def _side(line: ServiceLine) -> str | None:
    sides = _SIDES.intersection(line.modifiers)
    if len(sides) != 1 or "50" in line.modifiers or is_minutes(line):
        return None
    return next(iter(sides))


def bilateral_pair(group: DayGroup) -> tuple[ServiceLine, ServiceLine] | None:
    """The (RT or LT, other side) lines when *group* is exactly one unit on each side of
    a code with an MUE of 1 on one date and nothing earlier that day; else None."""
    if group.row.value != 1 or group.prior or group.days != 1 or len(group.lines) != 2:
        return None
    first, second = group.lines
    if first.units != Decimal(1) or second.units != Decimal(1):
        return None
    sides = {_side(first), _side(second)}
    return (first, second) if sides == _SIDES else None
