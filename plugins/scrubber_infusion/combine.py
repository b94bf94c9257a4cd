"""One encounter, one service: same-code timed primaries of one date are combined.

96365, 96413 and 96360 are reported once per encounter; the further time of the same service
is the add-on (96366, 96415, 96361), "each additional hour" (CPT descriptors and the CPT
guidelines for hydration, therapeutic, prophylactic, diagnostic injections and infusions and
for chemotherapy administration; CMS Pub. 100-04, Medicare Claims Processing Manual, ch. 12,
section 30.5: one initial service per encounter). Two lines of one such code on one date, each
with its time and neither carrying a separate-site modifier (59, XE, XS, XP, XU: the rule
INF010 uses for "one encounter"), are therefore one service whose time is the two times
together: one primary unit plus the add-on units of the combined time. Left as two primaries,
the payer's MUE of 1 would deny one of them with the time it documented.

The time of an encounter is the sum of its lines' times, except that minutes covered by two
clock periods (a FHIR ``servicedPeriod``) are the same minutes and count once: two items
09:00-09:45 and 09:00-14:30 are 5 h 30 min of infusion, not 6 h 15 min. The same reading
applies to an add-on line that carries its own period: its period is time of the encounter,
so a scrub of the combined output (one primary, the add-on line keeping the period of the line
it came from) judges the same time again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType

from scrubber import Claim, Fix, ServiceLine, SetUnits, SplitLine, SplitPart
from scrubber_infusion.families import TimedFamily
from scrubber_infusion.settings import Rulebook

__all__ = ["COMBINE_CITATION", "combined_fixes", "combined_primaries", "encounter_minutes"]

COMBINE_CITATION = (
    "CPT descriptors and guidelines for hydration, therapeutic, prophylactic, diagnostic "
    "injections and infusions and chemotherapy administration: the initial code once per "
    "encounter, additional time of the same service with the add-on code; CMS Pub. 100-04, "
    "Medicare Claims Processing Manual, ch. 12, section 30.5 (one initial service per "
    "encounter unless separate IV sites, modifier 59, XE, XS, XP or XU)"
)
_ZERO = Decimal(0)
_ONE = Decimal(1)


def _period(line: ServiceLine) -> tuple[datetime, datetime] | None:
    """The line's clock period, unless it has none or its minutes say another time."""
    if line.start is None or line.end is None or line.end <= line.start:
        return None
    if line.minutes is not None and line.minutes != _minutes(line.start, line.end):
        return None
    return line.start, line.end


def encounter_minutes(
    lines: Iterable[ServiceLine], minutes_of: Callable[[ServiceLine], Decimal | None]
) -> Decimal:
    """The time of *lines* as one service: the union of their clock periods plus the minutes
    of the lines without one (a line with no time adds nothing)."""
    total = _ZERO
    spans: list[tuple[datetime, datetime]] = []
    for line in lines:
        period = _period(line)
        if period is not None:
            spans.append(period)
        else:
            total += minutes_of(line) or _ZERO
    try:
        spans.sort()
    except TypeError:  # periods with and without a UTC offset cannot be compared: add them
        return total + sum((_minutes(start, stop) for start, stop in spans), _ZERO)
    end: datetime | None = None
    for start, stop in spans:
        if end is not None and start < end:
            if stop <= end:
                continue
            start = end
        total += _minutes(start, stop)
        end = stop
    return total


def _minutes(start: datetime, stop: datetime) -> Decimal:
    return Decimal(int((stop - start).total_seconds())) / 60


def combined_primaries(
    claim: Claim,
    book: Rulebook,
    minutes_of: Callable[[ServiceLine], Decimal | None],
    conflicting: Callable[[ServiceLine], Decimal | None],
) -> Mapping[int, tuple[ServiceLine, ...]]:
    """Line number -> the lines it is one service with (itself included), for every line of
    a once-per-encounter primary that shares its date with another such line of its code,
    both with a time, no separate-site modifier and no second time of their own
    (*conflicting*: a FHIR quantity in minutes beside a period that says otherwise)."""
    found: dict[tuple[str, date], list[ServiceLine]] = {}
    for line in claim.lines:
        family = book.by_code.get(line.code)
        if family is None or family.per_visit or line.code != family.primary:
            continue
        if book.separate_site(line) or minutes_of(line) is None or conflicting(line) is not None:
            continue
        found.setdefault((line.code, line.service_date), []).append(line)
    combined: dict[int, tuple[ServiceLine, ...]] = {}
    for lines in found.values():
        if len(lines) > 1:
            for line in lines:
                combined[line.number] = tuple(lines)
    return MappingProxyType(combined)


def combined_fixes(
    family: TimedFamily,
    lines: tuple[ServiceLine, ...],
    addon_units: int,
    minutes_of: Callable[[ServiceLine], Decimal | None],
) -> tuple[ServiceLine, tuple[Fix, ...]] | None:
    """The line that stays the primary and the rewrite of the combined *lines* (claim order)
    into one service: the primary, one unit; every other line becomes the add-on, one unit
    each and the rest of the *addon_units* on the longest, each keeping its charge (a one-part
    split). None when the combined time earns fewer add-on units than there are other lines:
    no line is dropped by the time rules, the coder combines them.

    The primary is the first line without a clock period when there is one: a line sent in
    minutes keeps no time once it is one unit, while a period stays on the line it is on, and
    the next scrub reads the encounter's time from the periods left (the primary's and the
    add-on lines'): they must not describe less time than the service was coded for."""
    timeless = [ln for ln in lines if _period(ln) is None]
    primary = timeless[0] if timeless else lines[0]
    rest = [ln for ln in lines if ln is not primary]
    if addon_units < len(rest):
        return None
    fixes: list[Fix] = []
    if primary.unit_basis != "UN":
        parts = (SplitPart(units=_ONE, unit_basis="UN"),)
        fixes.append(SplitLine(line=primary.number, parts=parts))
    elif primary.units != _ONE:
        fixes.append(SetUnits(line=primary.number, units=_ONE, unit_basis="UN"))
    longest = min(rest, key=lambda ln: (-(minutes_of(ln) or _ZERO), ln.number))
    for line in rest:
        units = addon_units - len(rest) + 1 if line is longest else 1
        part = SplitPart(units=Decimal(units), code=family.addon, unit_basis="UN")
        fixes.append(SplitLine(line=line.number, parts=(part,)))
    return primary, tuple(fixes)
