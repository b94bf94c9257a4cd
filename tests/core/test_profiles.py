"""Payer profiles: TOML loading, plugin defaults, resolution of a claim to its payer."""

from __future__ import annotations

import pytest

from scrubber._errors import ProfileError
from scrubber._profiles import SettingsSection, load_profile
from scrubber.testing import make_claim, make_line

SECTIONS = [
    SettingsSection(
        name="mue",
        defaults={
            "medicaid_mode": "per_line",
            "excess_modifier": "GD",
            "carc": "151",
            "strict": False,
            "modifiers": ("59",),
            "factor": 1.5,
        },
        help={"medicaid_mode": "per_line or per_date_of_service"},
        choices={"medicaid_mode": ("per_line", "per_date_of_service")},
    )
]

PROFILE = """
[defaults]
program = "medicare"
[defaults.mue]
carc = "B5"

[[payer]]
name = "ct-medicaid"
payer_ids = ["CTMCD"]
filing_indicators = ["MC"]
program = "medicaid"
state = "CT"
[payer.mue]
medicaid_mode = "per_date_of_service"

[[payer]]
name = "acme"
payer_ids = ["ACME1"]
"""


def claim(**kw):
    return make_claim(lines=[make_line()], **kw)


def test_plugin_defaults_apply_without_a_profile() -> None:
    profile = load_profile(None, SECTIONS)
    payer = profile.for_claim(claim())
    assert payer.settings("mue")["medicaid_mode"] == "per_line"
    assert profile.program_for(claim(filing_indicator="MC")) == "medicaid"
    assert profile.program_for(claim(filing_indicator="MB")) == "medicare"
    assert profile.program_for(claim(filing_indicator="CI")) == "medicare"


def test_payer_resolution_by_id_then_filing_indicator() -> None:
    profile = load_profile(PROFILE, SECTIONS)
    by_id = profile.for_claim(claim(payer_id="CTMCD", filing_indicator="CI"))
    assert by_id.name == "ct-medicaid" and by_id.state == "CT"
    assert by_id.settings("mue")["medicaid_mode"] == "per_date_of_service"
    assert by_id.settings("mue")["carc"] == "B5"  # inherited from [defaults.mue]
    assert profile.for_claim(claim(filing_indicator="mc")).name == "ct-medicaid"
    assert profile.for_claim(claim(payer_id="ACME1")).name == "acme"
    assert profile.for_claim(claim(payer_id="OTHER")).name == "defaults"
    assert profile.program_for(claim(payer_id="CTMCD", filing_indicator="MB")) == "medicaid"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[defaults.mue]\nnope = 1\n", "defaults.mue.nope"),
        ("[defaults.xyz]\na = 1\n", "defaults.xyz"),
        ("[defaults.mue]\ncarc = 35\n", "defaults.mue.carc"),
        ('[defaults.mue]\nmedicaid_mode = "sometimes"\n', "defaults.mue.medicaid_mode"),
        ('[defaults]\nprogram = "tricare"\n', "defaults.program"),
        ('[[payer]]\nname = "x"\ncolour = "red"\n', "payer[0].colour"),
        ('[[payer]]\npayer_ids = "X"\n', "payer[0].payer_ids"),
        ("bogus = 1\n", "bogus"),
        ('[defaults.mue]\nstrict = "yes"\n', "defaults.mue.strict"),
        ("[defaults.mue]\nmodifiers = [1]\n", "defaults.mue.modifiers"),
    ],
)
def test_bad_profiles_name_the_key(text: str, where: str) -> None:
    with pytest.raises(ProfileError) as info:
        load_profile(text, SECTIONS, source="p.toml")
    assert info.value.position == where
    assert info.value.located().startswith("p.toml, ")


def test_invalid_toml_is_a_profile_error() -> None:
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile("[defaults\n", SECTIONS, source="p.toml")


def test_int_accepted_for_float_setting_and_list_for_tuple() -> None:
    profile = load_profile('[defaults.mue]\nfactor = 2\nmodifiers = ["59", "XU"]\n', SECTIONS)
    settings = profile.default.settings("mue")
    assert settings["factor"] == 2.0 and settings["modifiers"] == ("59", "XU")


def test_describe_round_trips_through_load() -> None:
    profile = load_profile(PROFILE, SECTIONS)
    again = load_profile(profile.describe(), SECTIONS)
    assert again.describe().splitlines()[1:] == profile.describe().splitlines()[1:]
    assert 'medicaid_mode = "per_date_of_service"' in profile.describe()


def test_section_validator_runs_at_load_and_names_the_payer() -> None:
    def no_zero(settings) -> None:
        if settings["limit"] == 0:
            raise ProfileError("limit must not be 0", position="acme.limit")

    sections = [SettingsSection(name="acme", defaults={"limit": 3}, validate=no_zero)]
    assert (
        load_profile("[defaults.acme]\nlimit = 2\n", sections).default.settings("acme")["limit"]
        == 2
    )
    with pytest.raises(ProfileError) as info:
        load_profile('[[payer]]\nname = "x"\n[payer.acme]\nlimit = 0\n', sections)
    assert info.value.position == "payer[0].acme.limit"


def test_bad_infusion_override_fails_when_the_profile_loads() -> None:
    from scrubber._api import Plugins

    plugins = Plugins.load()
    with pytest.raises(ProfileError) as info:
        plugins.profile('[defaults.infusion]\nfamily_overrides = ["99999.threshold_minutes=5"]\n')
    assert info.value.position == "defaults.infusion.family_overrides"


def test_profile_show_prints_each_settings_help() -> None:
    for text in (None, PROFILE):
        shown = load_profile(text, SECTIONS).describe()
        assert 'medicaid_mode = "per_line"  # per_line or per_date_of_service' in shown
