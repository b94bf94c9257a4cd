"""The ``[infusion]`` payer-profile section and how it changes the family rules.

Everything in the time rules that is not CMS-official is payer policy, where the payer's own
rule wins: the 31-minute threshold is CPT's mid-point time rule (CPT Introduction, "Time"),
which a payer may replace; the 4 h/day and 12 h/week caps are BCBSM's. So each is a setting
whose default is the documented rule, and a payer profile can change it for all families or
for one::

    [payer.infusion]
    daily_cap_hours = 4
    weekly_cap_hours = 12
    family_overrides = ["99601.threshold_minutes=46", "96413.minimum_minutes=16"]
    disabled_families = ["chemotherapy-infusion"]

Settings are resolved once per distinct settings value (cached), not once per claim.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from types import MappingProxyType
from typing import final

from scrubber import ProfileError, ServiceLine, Setting, SettingsSection
from scrubber_infusion.families import FamilyCatalog, TimedFamily

__all__ = ["OVERRIDABLE", "SECTION", "Rulebook", "rulebook", "settings_section"]

SECTION = "infusion"
WEEK_STARTS = {"sunday": 6, "monday": 0}  # date.weekday() of the first day of a week
OVERRIDABLE = (
    "threshold_minutes",
    "primary_minutes",
    "addon_minutes",
    "minimum_minutes",
    "daily_cap_hours",
    "weekly_cap_hours",
)

DEFAULTS: Mapping[str, Setting] = MappingProxyType(
    {
        "threshold_minutes": 0,
        "daily_cap_hours": 0.0,
        "weekly_cap_hours": 0.0,
        "week_start": "sunday",
        "disabled_families": (),
        "family_overrides": (),
        "recode_initial_services": False,
        "separate_site_modifiers": ("59", "XE", "XS", "XP", "XU"),
    }
)

HELP: Mapping[str, str] = MappingProxyType(
    {
        "threshold_minutes": (
            "minutes past the last full hour that earn one more add-on unit, for every family; "
            "0 = each family's own value from families.toml (31 for all built-in families: "
            "CPT's time rule, a unit of time is attained when the mid-point is passed)"
        ),
        "daily_cap_hours": (
            "hours of one family per patient and date of service before a warning, for every "
            "family; 0 = none (BCBSM example: 4 for 99601/99602)"
        ),
        "weekly_cap_hours": (
            "hours of one family per patient and week before a warning, for every family; "
            "0 = none (BCBSM example: 12 for 99601/99602)"
        ),
        "week_start": (
            "first day of the week the weekly cap counts (BCBSM does not say which; a choice)"
        ),
        "disabled_families": (
            "families to skip, by name (home-infusion-visit) or primary code (99601)"
        ),
        "family_overrides": (
            "per-family rules as 'CODE.setting=value' (CODE = primary code or family name; "
            f"settings: {', '.join(OVERRIDABLE)}), e.g. '99601.threshold_minutes=46'"
        ),
        "recode_initial_services": (
            "INF010/INF011: rewrite a second initial IV service to the code the finding names "
            "(96365 -> 96367, 96360 -> 96361 ...) and an infusion of 15 minutes or less to its "
            "push code; false = report only, the coder decides"
        ),
        "separate_site_modifiers": (
            "modifiers that mark a second initial IV service at a separate IV site, exempt from "
            "the one-initial-service rule (CMS Recovery Audit topic 0071: 59, XE, XS, XP, XU)"
        ),
    }
)


def settings_section(
    validate: Callable[[Mapping[str, Setting]], object] | None = None,
) -> SettingsSection:
    """The section this plugin contributes to every payer profile; *validate* resolves the
    families so a bad override fails when the profile loads."""
    return SettingsSection(
        name=SECTION,
        defaults=DEFAULTS,
        help=HELP,
        choices={"week_start": tuple(WEEK_STARTS)},
        validate=validate,
    )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Rulebook:
    """The families in force for one payer, after the profile's settings."""

    families: tuple[TimedFamily, ...]
    disabled: tuple[TimedFamily, ...]
    week_start: int
    by_code: Mapping[str, TimedFamily]
    recode_initial_services: bool = False
    separate_site_modifiers: frozenset[str] = frozenset()
    # family name -> its place in ``families`` (the order a plan lists its day groups in)
    order: Mapping[str, int] = field(init=False, repr=False, compare=False)
    # the primaries of the enabled once-per-encounter families (96365, 96413, 96360): the only
    # codes besides the initial services that a plan combines (``combine.py``)
    encounter_primaries: frozenset[str] = field(init=False, repr=False, compare=False)
    # the codes of ``by_code`` as a set: a plan tests every line of a claim against it
    codes: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # frozen: derived once, here
        order = MappingProxyType({family.name: n for n, family in enumerate(self.families)})
        object.__setattr__(self, "order", order)
        primaries = frozenset(f.primary for f in self.families if not f.per_visit)
        object.__setattr__(self, "encounter_primaries", primaries)
        object.__setattr__(self, "codes", frozenset(self.by_code))

    def separate_site(self, line: ServiceLine) -> bool:
        """Whether *line* carries a modifier for a separate IV site (its own initial service)."""
        return any(m in self.separate_site_modifiers for m in line.modifiers)

    def family_of(self, code: str) -> TimedFamily | None:
        """The enabled family whose primary or add-on is *code*."""
        return self.by_code.get(code)

    def find(self, code: str) -> tuple[TimedFamily | None, bool]:
        """The family of *code* among all families, and whether the payer enabled it."""
        family = self.by_code.get(code)
        if family is not None:
            return family, True
        for off in self.disabled:
            if code in off.codes:
                return off, False
        return None, False


def _value(settings: Mapping[str, Setting], key: str) -> Setting:
    return settings.get(key, DEFAULTS[key])


def _number(where: str, raw: object) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ProfileError(f"{where}: {raw!r} is not a number", position=where) from None
    if not value.is_finite() or value < 0:
        raise ProfileError(f"{where}: {raw!r} must be 0 or more", position=where)
    return value


def _named(catalog: FamilyCatalog, ref: str, where: str) -> TimedFamily:
    for family in catalog.families:
        if ref in (family.name, family.primary):
            return family
    known = ", ".join(f"{f.primary} ({f.name})" for f in catalog.families)
    raise ProfileError(f"{where}: no infusion family {ref!r} (known: {known})", position=where)


def _apply(family: TimedFamily, changes: Mapping[str, Decimal], where: str) -> TimedFamily:
    try:
        return replace(family, **changes)  # type: ignore[arg-type]  # keys are OVERRIDABLE fields
    except ValueError as exc:
        raise ProfileError(f"{where}: {exc}", position=where) from None


def rulebook(catalog: FamilyCatalog, settings: Mapping[str, Setting]) -> Rulebook:
    """The rules for a payer's ``[infusion]`` settings; ``ProfileError`` names a bad one."""
    return _resolve(
        catalog,
        _value(settings, "threshold_minutes"),
        _value(settings, "daily_cap_hours"),
        _value(settings, "weekly_cap_hours"),
        _value(settings, "week_start"),
        _value(settings, "disabled_families"),
        _value(settings, "family_overrides"),
        _value(settings, "recode_initial_services"),
        _value(settings, "separate_site_modifiers"),
    )


@lru_cache(maxsize=64)
def _resolve(
    catalog: FamilyCatalog,
    threshold: Setting,
    daily: Setting,
    weekly: Setting,
    week_start: Setting,
    disabled: Setting,
    overrides: Setting,
    recode: Setting = False,
    separate_site: Setting = (),
) -> Rulebook:
    where = f"{SECTION}.week_start"
    if week_start not in WEEK_STARTS:
        raise ProfileError(f"{where} must be one of {', '.join(WEEK_STARTS)}", position=where)
    common: dict[str, Decimal] = {}
    for key, raw in (
        ("threshold_minutes", threshold),
        ("daily_cap_hours", daily),
        ("weekly_cap_hours", weekly),
    ):
        value = _number(f"{SECTION}.{key}", raw)
        if value:
            common[key] = value
    per_family: dict[str, dict[str, Decimal]] = {}
    where = f"{SECTION}.family_overrides"
    for entry in overrides if isinstance(overrides, tuple) else ():
        target, _, raw = entry.partition("=")
        ref, _, key = target.strip().rpartition(".")
        if not ref or not raw.strip() or key not in OVERRIDABLE:
            raise ProfileError(
                f"{where}: {entry!r} is not 'CODE.setting=value' with a setting among "
                f"{', '.join(OVERRIDABLE)}",
                position=where,
            )
        family = _named(catalog, ref, where)
        per_family.setdefault(family.name, {})[key] = _number(f"{where} {entry!r}", raw)
    off = {
        _named(catalog, ref, f"{SECTION}.disabled_families").name
        for ref in (disabled if isinstance(disabled, tuple) else ())
    }
    enabled: list[TimedFamily] = []
    skipped: list[TimedFamily] = []
    for family in catalog.families:
        resolved = family
        for key, value in common.items():
            resolved = _apply(resolved, {key: value}, f"{SECTION}.{key}")
        resolved = _apply(resolved, per_family.get(family.name, {}), where)
        (skipped if family.name in off else enabled).append(resolved)
    by_code = {code: f for f in enabled for code in f.codes}
    return Rulebook(
        families=tuple(enabled),
        disabled=tuple(skipped),
        week_start=WEEK_STARTS[str(week_start)],
        by_code=MappingProxyType(by_code),
        recode_initial_services=recode is True,
        separate_site_modifiers=frozenset(
            m.strip().upper() for m in (separate_site if isinstance(separate_site, tuple) else ())
        ),
    )
