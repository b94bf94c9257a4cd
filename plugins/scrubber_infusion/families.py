"""Timed code families (rules as data) and the arithmetic that turns a visit's time into units.

A family is a primary code that covers a stretch of time once per visit or encounter (99601:
one home-infusion visit of up to 2 hours) and an add-on code for each further hour (99602).
The families live in ``data/families.toml`` with their citations, so supporting another
timed code is a data change. The arithmetic is CPT's time rule ("a unit of time is attained
when the mid-point is passed", CPT Introduction), as BCBSM (The Record, May 2013) and AAPC
(on 96366) apply it to the infusion add-ons: an add-on unit is earned
by each full add-on unit of time past the primary's coverage, plus one when the time past the
last full unit reaches the threshold (31 minutes: past the mid-point of the hour)::

    99601:  <= 2:30 -> 99601 x 1;  2:31-3:30 -> + 99602 x 1;  3:31-4:30 -> + 99602 x 2
    96365:  <= 1:30 -> 96365 x 1;  1:31-2:30 -> + 96366 x 1

Times are compared as given (Decimal minutes): 30.5 minutes past the last hour do not reach a
31-minute threshold.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any, final

from scrubber import PluginError

__all__ = [
    "HOUR",
    "TIMES",
    "FamilyCatalog",
    "TimeCoding",
    "TimedFamily",
    "addon_units_for_extra_time",
    "code_time",
    "describe_coding",
    "format_minutes",
    "load_catalog",
    "parse_catalog",
]

SCHEMA = 1
HOUR = Decimal(60)
# The multiplication sign billers write ("99601 x 1" with U+00D7), escaped because ruff's
# RUF001 flags the literal character as ambiguous.
TIMES = "\u00d7"
_ZERO = Decimal(0)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class TimedFamily:
    """One primary/add-on pair with its time rules (see the header of families.toml)."""

    name: str
    primary: str
    addon: str
    service: str
    primary_unit: str
    addon_unit: str
    primary_minutes: Decimal
    addon_minutes: Decimal
    threshold_minutes: Decimal
    minimum_minutes: Decimal = _ZERO
    per_visit: bool = True
    daily_cap_hours: Decimal = _ZERO
    weekly_cap_hours: Decimal = _ZERO
    also_primary: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    citation: str = ""

    def __post_init__(self) -> None:
        where = f"family {self.name or self.primary!r}"
        if not (self.name and self.primary and self.addon) or self.primary == self.addon:
            raise ValueError(f"{where}: name, primary and a different addon code are required")
        if self.primary_minutes <= 0 or self.addon_minutes <= 0:
            raise ValueError(f"{where}: primary_minutes and addon_minutes must be above 0")
        if not _ZERO < self.threshold_minutes <= self.addon_minutes:
            raise ValueError(
                f"{where}: threshold_minutes must be above 0 and at most addon_minutes "
                f"({self.addon_minutes})"
            )
        if not _ZERO <= self.minimum_minutes <= self.primary_minutes:
            raise ValueError(f"{where}: minimum_minutes must be 0 to primary_minutes")
        if self.daily_cap_hours < 0 or self.weekly_cap_hours < 0:
            raise ValueError(f"{where}: caps must not be negative (0 = no cap)")

    @property
    def codes(self) -> tuple[str, str]:
        return (self.primary, self.addon)

    @property
    def label(self) -> str:
        return f"{self.primary}/{self.addon}"


@final
@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class FamilyCatalog:
    """Every family the plugin knows, in file order.

    Compared and hashed by identity (``eq=False``): the catalog is loaded once at start-up and
    is the key of the per-payer rule cache, which must not hash every family per claim."""

    families: tuple[TimedFamily, ...]
    source: str = "scrubber_infusion/data/families.toml"

    @property
    def codes(self) -> frozenset[str]:
        """Every primary and add-on code of every family (enabled or not)."""
        return frozenset(code for family in self.families for code in family.codes)

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for family in self.families:
            for code in (family.name, *family.codes):
                if code in seen:
                    raise ValueError(
                        f"{code!r} appears in families {seen[code]!r} and {family.name!r}"
                    )
                seen[code] = family.name


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class TimeCoding:
    """How one visit (or one encounter's infusion) of ``minutes`` is coded in a family."""

    minutes: Decimal
    addon_units: int
    full_addon_units: int  # add-on units earned by whole units of time
    remainder: Decimal  # minutes past the last whole add-on unit (0 within the primary's time)
    beyond: Decimal  # minutes past the primary's coverage (0 within it)
    below_minimum: bool

    @property
    def partial_counted(self) -> bool:
        return self.addon_units > self.full_addon_units


_INT_FIELDS = (
    "primary_minutes",
    "addon_minutes",
    "threshold_minutes",
    "minimum_minutes",
    "daily_cap_hours",
    "weekly_cap_hours",
)
_STR_FIELDS = ("name", "primary", "addon", "service", "primary_unit", "addon_unit", "citation")
_LIST_FIELDS = ("also_primary", "notes")


def _family(where: str, table: Mapping[str, Any]) -> TimedFamily:
    unknown = set(table) - {*_INT_FIELDS, *_STR_FIELDS, *_LIST_FIELDS, "per_visit"}
    if unknown:
        raise ValueError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    values: dict[str, Any] = {}
    for key in _STR_FIELDS:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{where}.{key} must be a non-empty string")
        values[key] = value.strip()
    for key in _INT_FIELDS:
        value = table.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{where}.{key} must be a number")
        values[key] = Decimal(str(value))
    for key in _LIST_FIELDS:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{where}.{key} must be a list of strings")
        values[key] = tuple(value)
    per_visit = table.get("per_visit", True)
    if not isinstance(per_visit, bool):
        raise ValueError(f"{where}.per_visit must be true or false")
    return TimedFamily(per_visit=per_visit, **values)


def parse_catalog(text: str, *, source: str = "families.toml") -> FamilyCatalog:
    """Parse a families file; ``ValueError`` names the family and field that is wrong."""
    data = tomllib.loads(text)
    if data.get("schema") != SCHEMA:
        raise ValueError(f"{source}: schema must be {SCHEMA}")
    tables = data.get("family", [])
    if not isinstance(tables, list) or not tables:
        raise ValueError(f"{source}: no [[family]] tables")
    families = tuple(_family(f"{source} family[{n}]", t) for n, t in enumerate(tables))
    return FamilyCatalog(families=families, source=source)


def load_catalog() -> FamilyCatalog:
    """The families shipped as package data. Called by the hookimpls at start-up, never by an
    edit (sans-IO: edits receive the catalog)."""
    path = resources.files("scrubber_infusion").joinpath("data", "families.toml")
    try:
        return parse_catalog(path.read_text(encoding="utf-8"), source=str(path))
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise PluginError(f"bad infusion family data: {exc}", plugin="scrubber_infusion") from exc


def code_time(family: TimedFamily, minutes: Decimal) -> TimeCoding:
    """The add-on units one visit of *minutes* earns (the primary is always one unit)."""
    beyond = max(minutes - family.primary_minutes, _ZERO)
    whole, remainder = divmod(beyond, family.addon_minutes)
    full = int(whole)
    units = full + (1 if remainder >= family.threshold_minutes else 0)
    return TimeCoding(
        minutes=minutes,
        addon_units=units,
        full_addon_units=full,
        remainder=remainder,
        beyond=beyond,
        below_minimum=minutes < family.minimum_minutes,
    )


def addon_units_for_extra_time(family: TimedFamily, extra_minutes: Decimal) -> int:
    """Add-on units for time sent on the add-on line itself (time past the primary's)."""
    whole, remainder = divmod(extra_minutes, family.addon_minutes)
    return int(whole) + (1 if remainder >= family.threshold_minutes else 0)


def format_minutes(minutes: Decimal) -> str:
    """``330`` -> ``5 h 30 min``; ``120`` -> ``2 h``; ``45`` -> ``45 min``."""
    hours, rest = divmod(minutes, HOUR)
    rest_text = f"{rest.normalize():f} min" if rest else ""
    if not hours:
        return rest_text or "0 min"
    return f"{int(hours)} h {rest_text}".strip()


def _covered(family: TimedFamily) -> str:
    if family.primary_minutes == HOUR:
        return "first hour"
    if family.primary_minutes % HOUR == 0:
        return f"first {int(family.primary_minutes / HOUR)} hours"
    return f"first {format_minutes(family.primary_minutes)}"


def _one_more(family: TimedFamily) -> str:
    return "an additional hour" if family.addon_minutes == HOUR else "an additional unit"


def _numbers(values: Sequence[int]) -> str:
    if len(values) == 1:
        return str(values[0])
    if len(values) > 4:
        return f"{values[0]} to {values[-1]}"
    return ", ".join(str(v) for v in values[:-1]) + f" and {values[-1]}"


def _addon_words(family: TimedFamily, coding: TimeCoding) -> str:
    """Which hours the add-on units stand for: ``hours 3, 4 and 5``."""
    threshold = format_minutes(family.threshold_minutes)
    by_hour = family.addon_minutes == HOUR and family.primary_minutes % HOUR == 0
    parts = []
    if coding.full_addon_units:
        if by_hour:
            first = int(family.primary_minutes / HOUR) + 1
            # a range, never a list: a visit sent as 10^9 minutes must not cost memory
            hours = range(first, first + coding.full_addon_units)
            parts.append(("hour " if len(hours) == 1 else "hours ") + _numbers(hours))
        else:
            parts.append(
                f"{coding.full_addon_units} whole units of {format_minutes(family.addon_minutes)}"
            )
    if coding.partial_counted:
        last = format_minutes(coding.remainder)
        if by_hour:
            number = int(family.primary_minutes / HOUR) + coding.full_addon_units + 1
            parts.append(f"hour {number} for its {last}, at least the {threshold} it needs")
        else:
            parts.append(f"one more for the last {last}, at least the {threshold} it needs")
    text = ", and ".join(parts)
    if coding.remainder and not coding.partial_counted:
        text += (
            f"; the last {format_minutes(coding.remainder)} do not reach the {threshold} "
            f"{_one_more(family)} needs"
        )
    return text


def describe_coding(family: TimedFamily, coding: TimeCoding) -> str:
    """A biller's sentence: ``5 h 30 min visit = 99601 x 1 (first 2 hours) + 99602 x 3 (...)``."""
    head = f"{format_minutes(coding.minutes)} {family.service} = {family.primary} {TIMES} 1"
    if coding.below_minimum:
        return (
            f"{format_minutes(coding.minutes)} {family.service} is under the "
            f"{format_minutes(family.minimum_minutes)} {family.primary} needs"
        )
    if not coding.beyond:
        return f"{head} ({family.primary_unit})"
    if not coding.addon_units:
        return (
            f"{head} ({_covered(family)}; the {format_minutes(coding.beyond)} beyond do not "
            f"reach the {format_minutes(family.threshold_minutes)} {_one_more(family)} needs)"
        )
    return (
        f"{head} ({_covered(family)}) + {family.addon} {TIMES} {coding.addon_units} "
        f"({_addon_words(family, coding)})"
    )
