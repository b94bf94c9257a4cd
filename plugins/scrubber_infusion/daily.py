"""Per-day and per-week checks: the visits a date holds, hour caps, once-per-encounter codes.

Caps are payer policy, never CMS: BCBSM allows "not ... more than four hours of nursing
services per day and no more than 12 hours per week" (The Record, May 2013). No built-in family
sets one; a payer profile does (``[infusion] daily_cap_hours`` or ``family_overrides``).

Hours count the documented time when every primary visit of the date has one; otherwise what
the codes stand for (each primary unit its full time, each add-on unit its hour), which is an
upper bound. Earlier claims of the same patient and billing provider in the run count as coded
(``ctx.prior_units``).
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

from scrubber import EditContext, Finding, SplitLine
from scrubber_infusion.combine import COMBINE_CITATION, combined_fixes, encounter_minutes
from scrubber_infusion.families import (
    TIMES,
    TimedFamily,
    code_time,
    describe_coding,
    format_minutes,
)
from scrubber_infusion.plan import (
    ClaimPlan,
    DayGroup,
    describe_lines,
    line_minutes,
    same_site_primaries,
)

__all__ = ["CAPS_CITATION", "daily_cap", "day_summary", "once_per_encounter", "weekly_cap"]

CAPS_CITATION = (
    "payer policy from the profile ([infusion] daily_cap_hours, weekly_cap_hours, "
    "family_overrides); example: BCBSM The Record, May 2013, 'not ... more than four hours of "
    "nursing services per day and no more than 12 hours per week'"
)
_HOUR = Decimal(60)
_NONE = Decimal("0")


def _n(value: Decimal | int) -> str:
    """*value* without trailing zeros or exponent: ``3``, ``2.5``, ``30``."""
    text = str(value)
    if text.isdigit():  # a whole number written out (Decimal("3"), 30): already its form
        return text
    return f"{Decimal(value).normalize():f}"


def _prior_minutes(ctx: EditContext, family: TimedFamily, on: date) -> Decimal:
    """Coded time of the family on earlier claims of this patient and provider on *on*."""
    billed = ctx.billed_days()  # a (code, date) it does not hold has no units earlier
    primary = _prior_units(ctx, billed, family.primary, on) * family.primary_minutes
    return primary + _prior_units(ctx, billed, family.addon, on) * family.addon_minutes


def _prior_units(
    ctx: EditContext, billed: Container[tuple[str, date]], code: str, on: date
) -> Decimal:
    return ctx.prior_units(code, on) if (code, on) in billed else _NONE


def _time_text(minutes: Decimal, documented: bool, prior: Decimal) -> str:
    text = f"{format_minutes(minutes)} {'documented' if documented else 'as coded'}"
    if prior:
        text += f" + {format_minutes(prior)} as coded on earlier claims"
    return text


def day_summary(plan: ClaimPlan, ctx: EditContext) -> Iterator[Finding]:
    """How many visits and hours one date holds, when it holds more than one visit.

    Each separate visit is another unit of 99601 (CPT: "per visit") and the Medicaid MUE of
    99601 (4) counts them per date; the summary lets a biller check the day at a glance.
    """
    for group in plan.groups:
        if not group.family.per_visit:
            continue
        visits = group.visits
        if visits < 2:
            continue
        message, details = _summary(group, visits)
        yield ctx.finding(group.first_line, message, details=details)


# INF005's wording by what it says (see ``_summary``); cleared when full, so it stays bounded
_SUMMARIES: dict[tuple[object, ...], tuple[str, Mapping[str, str]]] = {}
_MAX_SUMMARIES = 4096


def _summary(group: DayGroup, visits: Decimal) -> tuple[str, Mapping[str, str]]:
    """INF005's message and details for *group* of *visits* visits.

    The text depends only on the family's codes, the counts and the line numbers, and the
    same few recur all through a batch (two or three visits of 99601 on lines 1 to 3), so it
    is written once per distinct wording and looked up after that: writing it (numbers
    normalized, lines listed) cost more than the rest of the edit. Equal Decimals give equal
    text (``_n`` and ``format_minutes`` normalize), so keying by value is exact."""
    family = group.family
    minutes, documented = group.minutes()
    timed = 0
    if not documented:
        for t in group.primaries:
            if t.coding:
                timed += 1
    expected = group.expected_addon_units
    addon_units = Decimal(expected) if expected is not None else group.billed_addon_units
    numbers = group.line_numbers
    key = (
        family.primary,
        family.addon,
        family.service,
        visits,
        minutes,
        documented,
        timed,
        expected is None,
        addon_units,
        numbers,
    )
    found = _SUMMARIES.get(key)
    if found is not None:
        return found
    if documented:
        time_text = f"{format_minutes(minutes)} of documented time"
    elif timed:
        time_text = f"time documented for {timed} of them"
    else:
        time_text = "no times documented"
    visits_text = _n(visits)
    addon_text = _n(addon_units)
    coding = f"{family.primary} {TIMES} {visits_text}"
    if addon_units:
        coding += f" + {family.addon} {TIMES} {addon_text}"
    verb = "the time earns" if expected is not None else "billed"
    message = (
        f"{visits_text} {family.service}s of {family.primary} on one date of service "
        f"({describe_lines(numbers)}): {time_text}; {verb} {coding}"
    )
    details = MappingProxyType(
        {
            "visits": visits_text,
            "minutes": _n(minutes),
            "minutes_documented": "true" if documented else "false",
            "primary_units": visits_text,
            "addon_units": addon_text,
        }
    )
    if len(_SUMMARIES) >= _MAX_SUMMARIES:
        _SUMMARIES.clear()
    found = _SUMMARIES[key] = (message, details)
    return found


def daily_cap(plan: ClaimPlan, ctx: EditContext) -> Iterator[Finding]:
    """The family's hours on one date over the payer's daily cap (BCBSM example: 4 h)."""
    for group in plan.groups:
        cap = group.family.daily_cap_hours * _HOUR
        if not cap:
            continue
        minutes, documented = group.minutes()
        prior = _prior_minutes(ctx, group.family, group.on)
        if minutes + prior <= cap:
            continue
        yield ctx.finding(
            group.first_line,
            f"{group.family.label} on one date of service "
            f"({describe_lines(group.line_numbers)}): {_time_text(minutes, documented, prior)}, "
            f"over the payer's daily cap of {format_minutes(cap)}",
            details={"cap_minutes": _n(cap), "minutes": _n(minutes + prior)},
        )


def _week_of(on: date, week_start: int) -> date:
    return on - timedelta(days=(on.weekday() - week_start) % 7)


def weekly_cap(plan: ClaimPlan, ctx: EditContext) -> Iterator[Finding]:
    """The family's hours in one week over the payer's weekly cap (BCBSM example: 12 h).

    The week starts on the profile's ``week_start`` (BCBSM does not say which day)."""
    weeks: dict[tuple[str, date], list[DayGroup]] = {}
    for group in plan.groups:
        if group.family.weekly_cap_hours:
            key = (group.family.name, _week_of(group.on, plan.book.week_start))
            weeks.setdefault(key, []).append(group)
    for (_, start), groups in weeks.items():
        family = groups[0].family
        cap = family.weekly_cap_hours * _HOUR
        minutes = sum((g.minutes()[0] for g in groups), Decimal(0))
        documented = all(g.minutes()[1] for g in groups)
        prior = sum(
            (_prior_minutes(ctx, family, start + timedelta(days=k)) for k in range(7)),
            Decimal(0),
        )
        if minutes + prior <= cap:
            continue
        lines = sorted(n for g in groups for n in g.line_numbers)
        yield ctx.finding(
            min((g.first_line for g in groups), key=lambda ln: ln.number),
            f"{family.label} in one week ({describe_lines(lines)}): "
            f"{_time_text(minutes, documented, prior)}, over the payer's weekly cap of "
            f"{format_minutes(cap)}",
            details={"cap_minutes": _n(cap), "minutes": _n(minutes + prior)},
        )


def once_per_encounter(plan: ClaimPlan, ctx: EditContext) -> Iterator[Finding]:
    """A once-per-encounter primary (96365, 96413, 96360) billed more than once on a date.

    The initial-hour codes are reported once per encounter; later hours of the same infusion
    are the add-on (CPT descriptors). A line with a separate-site modifier (59, XU ...) is its
    own initial service. Lines that each carry their time are one service of the encounter
    and are combined (``combine.py``): the first stays the primary, the others become the
    add-on hours the combined time earns. Other repeats have no fix: a second initial service
    needs the clinical record.
    """
    for group in plan.groups:
        family = group.family
        if family.per_visit:
            continue
        if len(group.combined) > 1:
            yield _combined(plan, group, ctx)
        same_site, visits = same_site_primaries(plan, group)
        if visits <= 1 or not same_site:
            continue
        lines = describe_lines(sorted([t.line.number for t in same_site] + list(group.combined)))
        yield ctx.finding(
            same_site[0].line,
            f"{family.primary} billed {_n(visits)} times on one date of service ({lines}): "
            f"{family.primary} is {family.primary_unit}; later hours are {family.addon}",
        )


def _combined(plan: ClaimPlan, group: DayGroup, ctx: EditContext) -> Finding:
    """INF009 for timed lines of one primary code in one encounter: one service."""
    family = group.family
    lines = tuple(t.line for t in group.primaries if t.line.number in group.combined)
    coding = code_time(family, encounter_minutes(lines, line_minutes))
    minutes = [line_minutes(ln) or Decimal(0) for ln in lines]
    times = " and ".join(format_minutes(m) for m in minutes)
    if coding.minutes < sum(minutes, Decimal(0)):
        times += "; their periods overlap, and the minutes they share count once"
    origins = describe_lines([ln.origin for ln in lines])
    head = (
        f"{family.primary} billed on {origins} of one encounter ({times}; no separate-site "
        f"modifier): one {family.service}, reported once with its further time as "
        f"{family.addon}. {describe_coding(family, coding)}"
    )
    if any(plan.recode_of(ln) is not None for ln in lines) or coding.below_minimum:
        return ctx.finding(lines[0], f"{head}; check the coding", citation=COMBINE_CITATION)
    if group.addons:
        advice = (
            f"; the date already has {family.addon} lines "
            f"({describe_lines([a.origin for a in group.addons])}): combine them by hand"
        )
        return ctx.finding(lines[0], head + advice, citation=COMBINE_CITATION)
    combined = combined_fixes(family, lines, coding.addon_units, line_minutes)
    if combined is None:
        advice = (
            f"; {family.addon} {TIMES} {coding.addon_units} is too few for each of the other "
            "lines to carry a unit: combine them by hand"
        )
        return ctx.finding(lines[0], head + advice, citation=COMBINE_CITATION)
    primary, fixes = combined
    kept = f"line {primary.origin} stays {family.primary} {TIMES} 1"
    for line in lines:
        if line is primary:
            continue
        for fix in fixes:
            if isinstance(fix, SplitLine) and fix.line == line.number:
                units = fix.parts[0].units.normalize()
                kept += f"; line {line.origin} becomes {family.addon} {TIMES} {units:f}"
    return ctx.finding(
        lines[0],
        f"{head}: lines combined, {kept}",
        citation=COMBINE_CITATION,
        fixes=fixes,
        field="units",
    )
