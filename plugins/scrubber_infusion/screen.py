"""Which of the eleven INF edits a claim's plan concerns, named in one pass over the plan.

Every INF edit reads the same plan (``plan.py``) and most of them find nothing on most
claims: a claim with one 99601 line billed in units concerns none of them, four visits of
99601 on one date only INF005. The engine calls this screen once per claim and phase
(``Edit.screen``) and runs only the edits it names. Each test below is the condition under
which that edit reports, in the edit's own terms; where the edit also asks the run's history
(INF002: a primary on an earlier claim; INF006 and INF007: the hours of earlier claims and the
day's or week's total against the cap) the screen names the edit and leaves the rest to it.
So the screen can only name an edit too often, never hide a finding:
tests/plugins/infusion/test_infusion_screen.py checks that against every edit run on every
claim, on generated claims.
"""

from __future__ import annotations

from scrubber_infusion.families import addon_units_for_extra_time
from scrubber_infusion.plan import UNIT, ClaimPlan, DayGroup, line_minutes, same_site_primaries

__all__ = ["concerned_edits"]


def concerned_edits(plan: ClaimPlan) -> set[str]:
    """The codes of the INF edits that may report on a claim with *plan*: a new set each
    call, handed over as made (the engine only tests membership, and keeps nothing)."""
    named: set[str] = set()
    for group in plan.groups:
        family = group.family
        for timed in group.primaries:
            coding = timed.coding
            if coding is None:
                continue  # no time: nothing for the time-unit edits
            line = timed.line
            if line.number in group.combined:
                continue  # judged as one service of the encounter: INF009
            if coding.below_minimum:
                if plan.recode_of(line) is None:  # a push is INF011's
                    named.add("INF008")
            elif timed.sent_in_time:
                named.add("INF001")
            elif line.units != 1:
                named.add("INF004")
            elif not group.addons and coding.addon_units > 0:
                named.add("INF001")  # one unit for a time that earns add-on hours
        if group.addons:
            if not group.primaries and not group.partners:
                named.add("INF002")  # unless an earlier claim bills the primary: the edit asks
            _addon_edits(group, named)
        if family.per_visit:
            if group.visits >= 2:
                named.add("INF005")
        elif _repeated_primary(plan, group):
            named.add("INF009")
        if family.daily_cap_hours:
            named.add("INF006")  # the edit adds earlier claims' hours and compares
        if family.weekly_cap_hours:
            named.add("INF007")
    for recode in plan.recodes:
        if recode.initial is not None:
            named.add("INF010")
        elif recode.as_push:
            named.add("INF011")
    return named


def _addon_edits(group: DayGroup, named: set[str]) -> None:
    """Add INF003 (and INF001 for add-on lines sent in minutes) for a group with add-on lines
    to *named*."""
    expected = group.expected_addon_units
    if expected is not None:
        in_time = any(a.unit_basis != UNIT for a in group.addons)
        # INF003 unless the add-on units are what the time earns and none is in minutes
        if in_time or group.billed_addon_units != expected:
            named.add("INF003")
        return
    for addon in group.addons:
        if addon.unit_basis == UNIT:
            continue  # billed in units: what was billed stands
        extra = line_minutes(addon)
        if extra is None:
            continue
        # an add-on sent as extra time: its units (INF001), or not billable (INF003)
        named.add("INF001" if addon_units_for_extra_time(group.family, extra) else "INF003")


def _repeated_primary(plan: ClaimPlan, group: DayGroup) -> bool:
    """INF009's condition: a once-per-encounter primary billed more than once on the date,
    as timed lines that are one service, or as visits on lines without a separate site."""
    if len(group.combined) > 1:
        return True
    same_site, visits = same_site_primaries(plan, group)
    return bool(same_site) and visits > 1
