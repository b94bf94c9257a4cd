"""What the time rules make of a claim: its timed lines grouped by family and date of service.

Every edit of the plugin reads the same plan, so the edits agree with each other and each line
gets at most one structural fix (the engine reports two as a conflict, SCR001).

Decisions (docs/infusion.md):
- A line that carries its time describes **one** visit (or one encounter's infusion): 837P
  SV103 = MJ with SV104 minutes, a FHIR min/h quantity or a start/end period are each the time
  of one service. Several visits on one date are sent as several lines, each with its time.
- Time comes from ``line.minutes`` (set by the adapters); failing that from ``units`` when the
  unit basis is MJ (minutes), or from the line's start/end datetimes.
- Add-on lines are checked against the time only when every primary line of the family on that
  date has a time; otherwise what was billed stands.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import NamedTuple, final

from scrubber import Claim, Fix, ServiceLine, SetUnits, SplitLine, SplitPart
from scrubber_infusion.combine import combined_primaries, encounter_minutes
from scrubber_infusion.families import (
    TIMES,
    TimeCoding,
    TimedFamily,
    code_time,
    format_minutes,
)
from scrubber_infusion.hierarchy import INITIAL_SERVICES, Recode, rank_initial_services
from scrubber_infusion.settings import Rulebook

__all__ = [
    "ClaimPlan",
    "DayGroup",
    "TimedLine",
    "conflicting_span",
    "describe_lines",
    "line_minutes",
    "plan_claim",
    "primary_fix",
    "same_site_primaries",
]

UNIT = "UN"
MINUTES = "MJ"
_ONE = Decimal(1)
_ZERO = Decimal(0)
_INITIAL_CODES = frozenset(INITIAL_SERVICES)
_NOTHING_COMBINED: Mapping[int, tuple[ServiceLine, ...]] = MappingProxyType({})
# ``_new(TimedLine, (line, coding))``: the plan's named tuples from all their fields in order,
# as their own ``__new__`` makes them but without its Python frame (a third of the cost of
# a group; every claim that bills an infusion code makes a plan, a group and a timed line)
_new = tuple.__new__


def line_minutes(line: ServiceLine) -> Decimal | None:
    """The time a line documents, in minutes, or None when it gives none."""
    if line.minutes is not None:
        return line.minutes
    if line.unit_basis == MINUTES:
        return line.units
    if line.start is not None and line.end is not None and line.end > line.start:
        return Decimal(int((line.end - line.start).total_seconds())) / 60
    return None


def conflicting_span(line: ServiceLine) -> Decimal | None:
    """The minutes a line's start/end period spans when they disagree with the minutes it
    was sent in (a FHIR quantity in ``min`` beside a servicedPeriod), else None. Such a line
    is not converted: once its minutes became units only the period would be left, and a
    second scrub would bill that other time."""
    if line.minutes is None or line.start is None or line.end is None or line.end <= line.start:
        return None
    span = Decimal(int((line.end - line.start).total_seconds())) / 60
    return None if span == line.minutes else span


@final
class TimedLine(NamedTuple):
    """A primary line with its time and how that time is coded (None when no time).

    A named tuple, as are ``DayGroup`` and ``ClaimPlan``: they are made for every claim that
    bills an infusion code and never leave the plugin, and a frozen dataclass's ``__init__``
    (one ``object.__setattr__`` per field) cost several times the tuple's."""

    line: ServiceLine
    coding: TimeCoding | None

    @property
    def sent_in_time(self) -> bool:
        """Units that count time (MJ minutes ...) rather than visits."""
        return self.line.unit_basis != UNIT

    @property
    def visits(self) -> Decimal:
        """A line with its time is one visit; an untimed line bills one per unit."""
        line = self.line
        if self.coding is not None or line.unit_basis != UNIT:  # timed, or ``sent_in_time``
            return _ONE
        return line.units


@final
class DayGroup(NamedTuple):
    """The lines of one family on one date of service of one claim, in claim order."""

    family: TimedFamily
    on: date
    primaries: tuple[TimedLine, ...]
    addons: tuple[ServiceLine, ...]
    partners: tuple[ServiceLine, ...]  # lines of the family's ``also_primary`` codes
    site: tuple[str, ...] = ()  # the separate-site modifiers its lines carry (() = none)
    combined: tuple[int, ...] = ()  # primaries that are one service of the encounter

    def encounter_coding(self) -> TimeCoding | None:
        """The coding of the date's service as ONE service (``combine.py``), for a
        once-per-encounter family without a separate-site modifier whose every primary has a
        time: the primaries' time together, with the periods of add-on lines that carry
        their own; None otherwise (a visit family codes each visit alone)."""
        if self.family.per_visit or self.site or not self.all_timed:
            return None
        lines = [t.line for t in self.primaries]
        lines += [a for a in self.addons if _has_period(a)]
        return code_time(self.family, encounter_minutes(lines, line_minutes))

    @property
    def first_line(self) -> ServiceLine:
        """The group's first line in claim order (primaries and add-ons are each in it)."""
        primaries, addons = self.primaries, self.addons
        if not addons or (primaries and primaries[0].line.number < addons[0].number):
            return primaries[0].line
        return addons[0]

    @property
    def line_numbers(self) -> tuple[int, ...]:
        numbers = [t.line.number for t in self.primaries]
        if self.addons:
            numbers += [a.number for a in self.addons]
            numbers.sort()
        return tuple(numbers)

    @property
    def all_timed(self) -> bool:
        if not self.primaries:
            return False
        for timed in self.primaries:  # noqa: SIM110  # all(genexpr) costs ~7x this loop
            if timed.coding is None:
                return False
        return True

    @property
    def visits(self) -> Decimal:
        """The sum of the primaries' ``TimedLine.visits``, written out here: the screen and
        INF005 ask it of every group, and a property call per line cost more than the sum."""
        total = _ZERO
        for timed in self.primaries:
            line = timed.line
            total += _ONE if timed.coding is not None or line.unit_basis != UNIT else line.units
        return total

    @property
    def expected_addon_units(self) -> int | None:
        """Add-on units the documented time earns (None unless every primary has a time)."""
        if not self.all_timed:
            return None
        encounter = self.encounter_coding()
        if encounter is not None:
            return 0 if encounter.below_minimum else encounter.addon_units
        return sum(
            t.coding.addon_units for t in self.primaries if t.coding and not t.coding.below_minimum
        )

    @property
    def billed_addon_units(self) -> Decimal:
        return sum((a.units for a in self.addons if a.unit_basis == UNIT), _ZERO)

    def minutes(self) -> tuple[Decimal, bool]:
        """The family's time on this date and whether it is all documented (True) or partly
        what the codes stand for (primary units x primary time, add-on units x add-on time)."""
        family = self.family
        encounter = self.encounter_coding()
        if encounter is not None:
            return encounter.minutes, True
        if self.all_timed:
            return sum((t.coding.minutes for t in self.primaries if t.coding), _ZERO), True
        total = _ZERO
        timed = False
        for t in self.primaries:
            if t.coding:
                total += t.coding.minutes
                timed = True
            else:
                total += t.visits * family.primary_minutes
        if not timed:
            for addon in self.addons:
                extra = line_minutes(addon) if addon.unit_basis != UNIT else None
                total += extra if extra is not None else addon.units * family.addon_minutes
        return total, False


@final
class ClaimPlan(NamedTuple):
    """The day groups of one claim and the payer's rules they were made under.

    True when it concerns an edit: it has a day group or a recode (a named tuple of three
    fields would always be true). Iterate ``groups``, never the plan itself."""

    book: Rulebook
    groups: tuple[DayGroup, ...]
    recodes: tuple[Recode, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.groups or self.recodes)

    def recode_of(self, line: ServiceLine) -> Recode | None:
        """The recode of *line* (a push sent as an infusion, a second initial service)."""
        for recode in self.recodes:
            if recode.line.number == line.number:
                return recode
        return None


def plan_claim(claim: Claim, book: Rulebook) -> ClaimPlan:
    """Group the claim's lines of every enabled family by date of service (one pass).

    A line that is not the initial IV service of its encounter (``hierarchy.py``) is not its
    family's primary there: it is left out of the groups, and counts as the primary an add-on
    may follow when the code it should be (96367) is one.

    A line with a separate-site modifier is its own encounter (CMS Pub. 100-04 ch. 12 §30.5):
    lines are grouped by their separate-site modifiers too, so an add-on without one belongs to
    the date's primary without one, never to a separate-site primary, and an add-on with one
    pairs only with a primary carrying the same modifier."""
    by_code, codes = book.by_code, book.codes
    encounter_primaries = book.encounter_primaries
    mine: list[tuple[ServiceLine, TimedFamily]] = []
    ranked = False  # a line the hierarchy ranks or the encounter rule combines
    for line in claim.lines:
        code = line.code
        if code in codes:  # a set test: most lines of a claim are of no family
            mine.append((line, by_code[code]))
            if code in encounter_primaries:
                ranked = True
        if code in _INITIAL_CODES:
            ranked = True
    if ranked:
        combined = combined_primaries(claim, book, line_minutes, conflicting_span)

        def minutes_of(line: ServiceLine) -> Decimal | None:
            together = combined.get(line.number)
            if together is None:
                return line_minutes(line)
            return encounter_minutes(together, line_minutes)

        recodes = rank_initial_services(claim, book, minutes_of)
        demoted = {r.line.number: r.suggested for r in recodes if r.initial is not None}
    else:  # the usual home-infusion claim: nothing to rank or combine
        combined, recodes, demoted = _NOTHING_COMBINED, (), {}
    found: dict[tuple[int, date, tuple[str, ...]], tuple[list[TimedLine], list[ServiceLine]]] = {}
    order = book.order
    for line, family in mine:
        if demoted and line.number in demoted:
            continue
        key = (order[family.name], line.service_from, _site(book, line) if line.modifiers else ())
        lines = found.get(key)
        if lines is None:
            lines = found[key] = ([], [])
        if line.code == family.primary:
            lines[0].append(_new(TimedLine, (line, _coding(family, line))))
        else:
            lines[1].append(line)
    keys = sorted(found) if len(found) > 1 else found  # one group: nothing to order
    groups = []
    for key in keys:
        index, on, site = key
        primaries, addons = found[key]
        family = book.families[index]
        partners = (
            tuple(
                ln
                for ln in claim.lines
                if ln.service_from == on
                and _site(book, ln) == site
                and demoted.get(ln.number, ln.code) in family.also_primary
            )
            if family.also_primary
            else ()
        )
        together = (
            tuple(t.line.number for t in primaries if t.line.number in combined) if combined else ()
        )
        groups.append(
            _new(DayGroup, (family, on, tuple(primaries), tuple(addons), partners, site, together))
        )
    return _new(ClaimPlan, (book, tuple(groups), recodes))


def _has_period(line: ServiceLine) -> bool:
    return line.start is not None and line.end is not None and line.end > line.start


def _site(book: Rulebook, line: ServiceLine) -> tuple[str, ...]:
    """The separate-site modifiers of *line* (empty for the date's main encounter)."""
    if not line.modifiers or book.separate_site_modifiers.isdisjoint(line.modifiers):
        return ()  # the usual line
    return tuple(sorted(m for m in set(line.modifiers) if m in book.separate_site_modifiers))


def _coding(family: TimedFamily, line: ServiceLine) -> TimeCoding | None:
    minutes = line_minutes(line)
    return None if minutes is None else code_time(family, minutes)


def primary_fix(group: DayGroup, timed: TimedLine) -> Fix | None:
    """The corrected coding of a timed primary line: one unit, plus the add-on units its time
    earns when the date has no add-on line yet (otherwise INF003 corrects the add-on lines).

    A line sent in minutes keeps its whole charge (a one-part split): ``SetUnits`` would
    prorate a 330-minute charge down to 1/330 of it."""
    coding = timed.coding
    if coding is None or coding.below_minimum:
        return None
    line = timed.line
    earned = 0 if group.addons else coding.addon_units
    if earned:
        return SplitLine(
            line=line.number,
            parts=(
                SplitPart(units=_ONE, unit_basis=UNIT),
                SplitPart(units=Decimal(earned), code=group.family.addon, unit_basis=UNIT),
            ),
        )
    if timed.sent_in_time:
        return SplitLine(line=line.number, parts=(SplitPart(units=_ONE, unit_basis=UNIT),))
    if line.units != _ONE:
        return SetUnits(line=line.number, units=_ONE, unit_basis=UNIT)
    return None


def describe_lines(numbers: Sequence[int]) -> str:
    """``line 3`` / ``lines 1, 2 and 4``."""
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    return "lines " + ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"


def timed_primaries(groups: Iterable[DayGroup]) -> Iterator[tuple[DayGroup, TimedLine, TimeCoding]]:
    """Every primary line with a time, with its group."""
    for group in groups:
        for timed in group.primaries:
            if timed.coding is not None:
                yield group, timed, timed.coding


def sent_as(line: ServiceLine, minutes: Decimal) -> str:
    """How a line gave its time, for messages: ``330 minutes (unit basis MJ)``."""
    if line.unit_basis != UNIT:
        return f"{format_minutes(minutes)} of time (unit basis {line.unit_basis})"
    return f"{line.code} {TIMES} {line.units.normalize():f} for {format_minutes(minutes)}"


def same_site_primaries(plan: ClaimPlan, group: DayGroup) -> tuple[list[TimedLine], Decimal]:
    """INF009's count: *group*'s primary lines without a separate-site modifier (the
    payer's) and not combined into one service, and the visits they and a combined service
    add up to. The primary is billed more than once on the date when there are such lines
    and the visits pass 1 (the edit and the screen both ask this)."""
    same_site = [
        t
        for t in group.primaries
        if not plan.book.separate_site(t.line) and t.line.number not in group.combined
    ]
    return same_site, sum((t.visits for t in same_site), _ONE if group.combined else _ZERO)
