"""The [infusion] profile section: thresholds, per-family overrides, disabled families, errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scrubber._errors import ProfileError
from scrubber.testing import make_claim
from scrubber_infusion.families import load_catalog
from scrubber_infusion.settings import DEFAULTS, HELP, rulebook


def addon_units(kit, result) -> list[str]:
    return [units for code, units, _, _ in kit.coded(result) if code in ("99602", "96366")]


def test_every_setting_has_a_default_and_help(kit) -> None:
    [section] = kit.sections
    assert section.name == "infusion"
    assert set(section.defaults) == set(section.help) == set(DEFAULTS) == set(HELP)
    assert section.defaults["threshold_minutes"] == 0  # 0 = each family's own (31)
    assert section.choices == {"week_start": ("sunday", "monday")}


def test_profile_show_lists_the_section(kit) -> None:
    shown = kit.profile().describe()
    assert "[defaults.infusion]" in shown
    assert 'week_start = "sunday"' in shown


@pytest.mark.parametrize(("minutes", "units"), [(165, []), (166, ["1"])])
def test_threshold_for_every_family(kit, minutes: int, units: list[str]) -> None:
    prof = kit.profile("[defaults.infusion]\nthreshold_minutes = 46\n")
    assert addon_units(kit, kit.scrub(make_claim(lines=[kit.visit(minutes)]), prof=prof)) == units
    one_hour = kit.scrub(make_claim(lines=[kit.visit(minutes - 60, code="96365")]), prof=prof)
    assert addon_units(kit, one_hour) == units


def test_threshold_for_one_family(kit) -> None:
    prof = kit.profile('[defaults.infusion]\nfamily_overrides = ["99601.threshold_minutes=46"]\n')
    home = kit.scrub(make_claim(lines=[kit.visit(165)]), prof=prof)
    office = kit.scrub(make_claim(lines=[kit.visit(105, code="96365")]), prof=prof)
    assert (addon_units(kit, home), addon_units(kit, office)) == ([], ["1"])


def test_per_family_override_beats_the_common_setting(kit) -> None:
    prof = kit.profile(
        "[defaults.infusion]\nthreshold_minutes = 46\n"
        'family_overrides = ["home-infusion-visit.threshold_minutes=31"]\n'
    )
    book = rulebook(load_catalog(), prof.default.settings("infusion"))
    thresholds = {f.primary: f.threshold_minutes for f in book.families}
    assert thresholds == {"99601": 31, "96365": 46, "96413": 46, "96360": 46}


def test_minimum_and_coverage_overrides(kit) -> None:
    prof = kit.profile(
        '[defaults.infusion]\nfamily_overrides = ["96413.minimum_minutes=20", '
        '"99601.primary_minutes=60"]\n'
    )
    short = kit.scrub(make_claim(lines=[kit.visit(18, code="96413")]), prof=prof)
    assert [f.code for f in short.findings] == ["INF008"]
    hourly = kit.scrub(make_claim(lines=[kit.visit(91)]), prof=prof)
    assert addon_units(kit, hourly) == ["1"]


def test_disabled_family_is_skipped(kit) -> None:
    for ref in ("99601", "home-infusion-visit"):
        prof = kit.profile(f'[defaults.infusion]\ndisabled_families = ["{ref}"]\n')
        claim = make_claim(lines=[kit.visit(330), kit.addon(1, code="99602")])
        assert kit.scrub(claim, prof=prof).findings == ()


def test_payer_profile_applies_to_its_claims_only(kit) -> None:
    prof = kit.profile(
        '[[payer]]\nname = "bcbsm"\npayer_ids = ["BCBSM1"]\n'
        "[payer.infusion]\nthreshold_minutes = 60\ndaily_cap_hours = 4\n"
    )
    visit = kit.visit(271)  # 4 h 31 min: 3 add-on hours at 31 min, 2 at 60 min
    theirs = kit.scrub(make_claim(lines=[visit], payer_id="BCBSM1"), prof=prof)
    others = kit.scrub(make_claim(lines=[visit], payer_id="OTHER"), prof=prof)
    assert (addon_units(kit, theirs), addon_units(kit, others)) == (["2"], ["3"])
    assert "INF006" in {f.code for f in theirs.findings}
    assert "INF006" not in {f.code for f in others.findings}


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('family_overrides = ["99601.threshold=46"]', "is not 'CODE.setting=value'"),
        ('family_overrides = ["99601.threshold_minutes"]', "is not 'CODE.setting=value'"),
        ('family_overrides = ["99601.threshold_minutes=abc"]', "'abc' is not a number"),
        ('family_overrides = ["99601.daily_cap_hours=-4"]', "must be 0 or more"),
        ('family_overrides = ["12345.threshold_minutes=31"]', "no infusion family '12345'"),
        ('family_overrides = ["99601.threshold_minutes=61"]', "at most addon_minutes"),
        ("threshold_minutes = 90", "at most addon_minutes"),
        ('disabled_families = ["99999"]', "no infusion family '99999'"),
    ],
)
def test_bad_settings_are_profile_errors_naming_them(kit, setting: str, message: str) -> None:
    with pytest.raises(ProfileError, match=message) as caught:
        kit.profile(f"[defaults.infusion]\n{setting}\n")  # fails at load, not on a claim
    assert (caught.value.position or "").startswith("defaults.infusion.")


def test_unknown_week_start_is_rejected_when_the_profile_loads(kit) -> None:
    with pytest.raises(ProfileError, match="week_start must be one of sunday, monday"):
        kit.profile('[defaults.infusion]\nweek_start = "friday"\n')


def test_settings_are_resolved_once(kit) -> None:
    settings = kit.profile().default.settings("infusion")
    catalog = load_catalog()
    assert rulebook(catalog, settings) is rulebook(catalog, settings)


def test_rules_without_the_section_fall_back_to_the_defaults() -> None:
    book = rulebook(load_catalog(), {})
    assert [f.threshold_minutes for f in book.families] == [Decimal(31)] * 4
    assert book.week_start == 6  # Sunday
