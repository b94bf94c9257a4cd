"""The time-unit checks: a visit's minutes become the primary unit plus earned add-on hours.

INF001 (minutes to units), INF003 (add-on units the time does not support), INF004 (a primary
billed in hours) and INF008 (a primary under its code's minimum). Each reads the claim's plan
(``plan.py``), so every line gets at most one structural fix; ``edits.py`` binds them to their
codes and citations.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from scrubber import (
    EditContext,
    Finding,
    Fix,
    RemoveLine,
    SetUnits,
    SplitLine,
    SplitPart,
)
from scrubber_infusion.families import (
    TIMES,
    addon_units_for_extra_time,
    describe_coding,
    format_minutes,
)
from scrubber_infusion.plan import (
    UNIT,
    ClaimPlan,
    DayGroup,
    conflicting_span,
    describe_lines,
    line_minutes,
    primary_fix,
    sent_as,
    timed_primaries,
)

__all__ = [
    "ONLY_LINE",
    "addon_units_inconsistent",
    "minutes_to_units",
    "primary_below_minimum",
    "primary_billed_in_hours",
]


def minutes_to_units(plan: ClaimPlan, ctx: EditContext) -> Iterator[Finding]:
    """A timed line becomes one unit of the primary plus the add-on hours its time earns.

    Payers pay 99601 per visit and 99602 per additional hour (CPT descriptors); a visit sent in
    minutes (SV103 MJ) or as 99601 x 1 with a 5 h 30 min period is coded 99601 x 1 + 99602 x 3
    under CPT's mid-point time rule (an hour is attained at 31 minutes). An add-on sent in
    minutes is that extra time.
    """
    for group, timed, coding in timed_primaries(plan.groups):
        line = timed.line
        if coding.below_minimum or (not timed.sent_in_time and line.units != 1):
            continue  # INF008 / INF004
        if line.number in group.combined:
            continue  # one service with other lines of the encounter: INF009
        missing = not group.addons and coding.addon_units > 0
        if not (timed.sent_in_time or missing):
            continue
        fix = primary_fix(group, timed)
        if _addons_by_hand(group):
            # Converting the primary alone would drop the time the add-on lines are judged
            # by, and a later scrub would judge them differently: leave the date as sent.
            fix = None
        span = conflicting_span(line)
        if span is not None:
            fix = None
        what = describe_coding(group.family, coding)
        if timed.sent_in_time:
            head = (
                f"{line.code} sent as {sent_as(line, coding.minutes)}: {line.code} is billed "
                f"per {group.family.service}, not per minute"
            )
        else:
            head = (
                f"{line.code} {TIMES} 1 for {format_minutes(coding.minutes)} leaves out "
                "the additional time"
            )
        tail = (
            f"; the {group.family.addon} lines of that date are checked by INF003"
            if group.addons
            else ""
        )
        if span is not None:
            tail += (
                f"; not changed: its period spans {format_minutes(span)}, another time for "
                "the same service (send one)"
            )
        yield ctx.finding(line, f"{head}. {what}{tail}", fixes=_one(fix), field="units")
    for group in plan.groups:
        if group.expected_addon_units is not None:
            continue  # every primary has its time: INF003 sets the add-on units from it
        for addon in group.addons:
            extra = line_minutes(addon)
            if addon.unit_basis == UNIT or extra is None:
                continue
            units = addon_units_for_extra_time(group.family, extra)
            if units:  # none earned: INF003
                yield ctx.finding(
                    addon,
                    f"{addon.code} sent as {format_minutes(extra)} of additional time: "
                    f"{addon.code} {TIMES} {units} ({group.family.addon_unit}; a part hour "
                    f"counts from {format_minutes(group.family.threshold_minutes)})",
                    fixes=(_keep_charge(addon.number, units),),
                    field="units",
                )


def primary_billed_in_hours(plan: ClaimPlan, ctx: EditContext) -> Iterator[Finding]:
    """A primary billed with more than one unit for one timed visit.

    99601 is one unit per visit up to 2 hours and 96365 once per encounter (CPT); billing
    99601 x 3 for a 6-hour visit counts hours (or 2-hour blocks) in the wrong code and leaves
    out 99602, which the payer's MUE then counts wrongly too.
    """
    for group, timed, coding in timed_primaries(plan.groups):
        line = timed.line
        if timed.sent_in_time or line.units == 1 or coding.below_minimum:
            continue
        if line.number in group.combined:
            continue  # INF009 sets the combined lines
        fix = primary_fix(group, timed)
        yield ctx.finding(
            line,
            f"{line.code} {TIMES} {line.units.normalize():f} for one {group.family.service} of "
            f"{format_minutes(coding.minutes)}: {line.code} is one unit per "
            f"{group.family.service} ({group.family.primary_unit}). "
            f"{describe_coding(group.family, coding)}",
            fixes=_one(fix),
            field="units",
        )


def addon_units_inconsistent(plan: ClaimPlan, ctx: EditContext) -> Iterator[Finding]:
    """Add-on units that the documented time does not support.

    When every primary visit of the date has its time, the add-on units are fixed by it
    (docs/infusion.md, "The arithmetic"); more is over-billing a payer recovers, less leaves
    money unbilled. An add-on sent as extra minutes under the threshold earns nothing (CPT
    mid-point rule: 31 min).
    """
    for group in plan.groups:
        expected = group.expected_addon_units
        if expected is not None and group.addons:
            billed = group.billed_addon_units
            in_time = any(a.unit_basis != UNIT for a in group.addons)
            if billed == expected and not in_time:
                continue
            encounter = group.encounter_coding()  # one service: periods of add-ons count
            visits = (
                describe_coding(group.family, encounter)
                if encounter is not None
                else "; ".join(
                    describe_coding(group.family, t.coding) for t in group.primaries if t.coding
                )
            )
            lines = describe_lines([a.number for a in group.addons])
            billed_text = "sent in minutes" if in_time else f"{TIMES} {billed.normalize():f} billed"
            fix: Fix | None = None
            if len(group.combined) > 1:
                # INF009 leaves the combined primaries and these lines for one correction
                # by hand: fixing the add-on lines alone would combine them on a later scrub
                advice = f"; correct them by hand with the {group.family.primary} lines (INF009)"
            elif len(group.addons) == 1:
                fix = _addon_fix(group.addons[0].number, expected, in_time)
                advice = ""
                if isinstance(fix, RemoveLine) and _only_line(ctx):
                    fix, advice = None, f"; {ONLY_LINE}"
            else:
                advice = "; correct the add-on lines by hand"
            yield ctx.finding(
                group.addons[0],
                f"{group.family.addon} {billed_text} ({lines}) but the documented time earns "
                f"{group.family.addon} {TIMES} {expected}: {visits}{advice}",
                fixes=_one(fix),
                field="units",
            )
        elif expected is None:
            # Some primary has no time of its own: an add-on sent in minutes stands for its
            # own extra time, in the first scrub as in any later one (idempotence).
            for addon in group.addons:
                extra = line_minutes(addon)
                if addon.unit_basis == UNIT or extra is None:
                    continue
                if addon_units_for_extra_time(group.family, extra) == 0:
                    keep = ""
                    if _only_line(ctx):
                        keep = f"; {ONLY_LINE}"
                    elif len(group.combined) > 1:
                        keep = (
                            f"; correct it by hand with the {group.family.primary} lines (INF009)"
                        )
                    yield ctx.finding(
                        addon,
                        f"{addon.code} sent with {format_minutes(extra)} of additional time, "
                        f"under the {format_minutes(group.family.threshold_minutes)} one "
                        f"additional unit needs: not billable{keep}",
                        fixes=() if keep else (RemoveLine(line=addon.number),),
                    )


def primary_below_minimum(plan: ClaimPlan, ctx: EditContext) -> Iterator[Finding]:
    """A primary whose documented time is under the least time the code describes.

    96360 is hydration "31 minutes to 1 hour" (CPT), so 30 minutes or less is not a 96360;
    96365 needs 16 minutes per third-party sources. No fix: the right code depends on what was
    done (the family's minimum is a profile setting).
    """
    for group, timed, coding in timed_primaries(plan.groups):
        if timed.line.number in group.combined:
            continue  # judged by the encounter's combined time (INF009)
        if coding.below_minimum and plan.recode_of(timed.line) is None:  # a push: INF011
            yield ctx.finding(
                timed.line,
                f"{timed.line.code} for {format_minutes(coding.minutes)} of "
                f"{group.family.service}: under the {format_minutes(group.family.minimum_minutes)} "
                f"{timed.line.code} needs ({group.family.primary_unit}); check the coding",
            )


ONLY_LINE = "it is the claim's only line, so it is reported, not removed (a claim needs a line)"


def _only_line(ctx: EditContext) -> bool:
    """A claim keeps at least one line (837P loop 2400 is required): removing its only line
    would leave a claim the payer rejects and a later scrub cannot read."""
    return len(ctx.claim.lines) <= 1


def _addons_by_hand(group: DayGroup) -> bool:
    """Several add-on lines, some in minutes, beside timed primaries: INF003 asks for a
    correction by hand because no one line can be set from the documented time."""
    return (
        group.expected_addon_units is not None
        and len(group.addons) > 1
        and any(a.unit_basis != UNIT for a in group.addons)
    )


def _one(fix: Fix | None) -> tuple[Fix, ...]:
    return () if fix is None else (fix,)


def _keep_charge(line: int, units: int) -> SplitLine:
    """Units in UN for a line sent in minutes, keeping its charge (see ``primary_fix``)."""
    return SplitLine(line=line, parts=(SplitPart(units=Decimal(units), unit_basis=UNIT),))


def _addon_fix(line: int, expected: int, in_time: bool) -> Fix:
    if expected == 0:
        return RemoveLine(line=line)
    if in_time:
        return _keep_charge(line, expected)
    return SetUnits(line=line, units=Decimal(expected), unit_basis=UNIT)
