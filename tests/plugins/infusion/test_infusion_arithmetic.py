"""The time arithmetic of every shipped family at every threshold boundary (domain.md §4).

Expected units are written out by hand from the domain tables, not computed, so a change in
the arithmetic or in families.toml shows up here.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from scrubber_infusion.families import (
    TimedFamily,
    code_time,
    describe_coding,
    format_minutes,
    load_catalog,
    parse_catalog,
)

CATALOG = load_catalog()
FAMILIES = {f.primary: f for f in CATALOG.families}


def hm(text: str) -> Decimal:
    hours, minutes = text.split(":")
    return Decimal(int(hours) * 60 + int(minutes))


def test_shipped_families_and_their_primary_coverage() -> None:
    coverage = {
        f.primary: (f.addon, f.primary_minutes, f.addon_minutes, f.minimum_minutes, f.per_visit)
        for f in CATALOG.families
    }
    assert coverage == {
        "99601": ("99602", 120, 60, 0, True),
        "96365": ("96366", 60, 60, 16, False),
        "96413": ("96415", 60, 60, 16, False),
        "96360": ("96361", 60, 60, 31, False),
    }
    assert all(f.threshold_minutes == 31 for f in CATALOG.families)
    assert all(f.citation and f.notes for f in CATALOG.families)
    assert all(not f.daily_cap_hours and not f.weekly_cap_hours for f in CATALOG.families)


# visit length -> add-on units; 99601 covers 2 hours, the others 1 hour
BOUNDARIES = ("2:00", "2:30", "2:31", "3:30", "3:31", "4:30", "4:31", "5:30")
EXPECTED = {
    "99601": (0, 0, 1, 1, 2, 2, 3, 3),
    "96365": (1, 1, 2, 2, 3, 3, 4, 4),
    "96413": (1, 1, 2, 2, 3, 3, 4, 4),
    "96360": (1, 1, 2, 2, 3, 3, 4, 4),
}
CASES = [
    pytest.param(primary, length, units, id=f"{primary}-{length}")
    for primary, expected in EXPECTED.items()
    for length, units in zip(BOUNDARIES, expected, strict=True)
]


@pytest.mark.parametrize(("primary", "length", "addon_units"), CASES)
def test_threshold_boundaries(primary: str, length: str, addon_units: int) -> None:
    coding = code_time(FAMILIES[primary], hm(length))
    assert coding.addon_units == addon_units
    assert not coding.below_minimum


@pytest.mark.parametrize(
    ("length", "addon_units"),
    [("0:45", 0), ("1:00", 0), ("1:30", 0), ("1:31", 1), ("2:30", 1), ("2:31", 2)],
)
def test_one_hour_primaries_at_their_own_boundaries(length: str, addon_units: int) -> None:
    """1:31-2:30 -> 96365 + 96366 x 1 (31 minutes beyond the last completed hour)."""
    for primary in ("96365", "96413", "96360"):
        assert code_time(FAMILIES[primary], hm(length)).addon_units == addon_units, primary


def test_fractional_minutes_do_not_round_up_to_the_threshold() -> None:
    assert code_time(FAMILIES["99601"], Decimal("150.5")).addon_units == 0
    assert code_time(FAMILIES["99601"], Decimal("151.0")).addon_units == 1


@pytest.mark.parametrize(
    ("primary", "minutes", "below"),
    [("96360", 30, True), ("96360", 31, False), ("96365", 15, True), ("96365", 16, False),
     ("99601", 5, False), ("96413", 15, True), ("96413", 16, False)],
)  # fmt: skip
def test_minimum_time_for_the_primary(primary: str, minutes: int, below: bool) -> None:
    assert code_time(FAMILIES[primary], Decimal(minutes)).below_minimum is below


@pytest.mark.parametrize(
    ("minutes", "sentence"),
    [
        (90, "1 h 30 min visit = 99601 × 1 (one visit of up to 2 hours)"),
        (
            150,
            "2 h 30 min visit = 99601 × 1 (first 2 hours; the 30 min beyond do not reach the "
            "31 min an additional hour needs)",
        ),
        (
            151,
            "2 h 31 min visit = 99601 × 1 (first 2 hours) + 99602 × 1 (hour 3 for its 31 min, "
            "at least the 31 min it needs)",
        ),
        (
            330,
            "5 h 30 min visit = 99601 × 1 (first 2 hours) + 99602 × 3 (hours 3, 4 and 5; the "
            "last 30 min do not reach the 31 min an additional hour needs)",
        ),
        (360, "6 h visit = 99601 × 1 (first 2 hours) + 99602 × 4 (hours 3, 4, 5 and 6)"),
        (
            600,
            "10 h visit = 99601 × 1 (first 2 hours) + 99602 × 8 (hours 3 to 10)",
        ),
    ],
)
def test_visit_described_in_a_billers_words(minutes: int, sentence: str) -> None:
    family = FAMILIES["99601"]
    assert describe_coding(family, code_time(family, Decimal(minutes))) == sentence


def test_below_minimum_is_described() -> None:
    family = FAMILIES["96360"]
    text = describe_coding(family, code_time(family, Decimal(20)))
    assert text == "20 min hydration infusion is under the 31 min 96360 needs"


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        ("0", "0 min"),
        ("45", "45 min"),
        ("60", "1 h"),
        ("330", "5 h 30 min"),
        ("90.5", "1 h 30.5 min"),
    ],
)
def test_format_minutes(minutes: str, text: str) -> None:
    assert format_minutes(Decimal(minutes)) == text


FAMILY_TOML = """
schema = 1
[[family]]
name = "test-visit"
primary = "T0001"
addon = "T0002"
service = "session"
primary_unit = "one session of up to 30 minutes"
addon_unit = "each additional 15 minutes"
primary_minutes = 30
addon_minutes = 15
threshold_minutes = 8
citation = "synthetic test family"
"""


def test_a_new_family_is_a_data_change() -> None:
    catalog = parse_catalog(FAMILY_TOML)
    [family] = catalog.families
    assert [code_time(family, Decimal(m)).addon_units for m in (30, 37, 38, 45, 53)] == [
        0,
        0,
        1,
        1,
        2,
    ]
    text = describe_coding(family, code_time(family, Decimal(53)))
    assert text.startswith("53 min session = T0001 × 1 (first 30 min) + T0002 × 2 (")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("threshold_minutes = 8", None),
        ("threshold_minutes = 16", "threshold_minutes must be above 0 and at most addon_minutes"),
        ("threshold_minutes = 0", "threshold_minutes must be above 0"),
        ('addon = "T0001"', "a different addon code"),
        ("per_visit = 1", "per_visit must be true or false"),
        ('colour = "red"', "unknown field 'colour'"),
        ('primary_minutes = "30"', "primary_minutes must be a number"),
    ],
)
def test_bad_family_data_is_rejected_naming_the_field(change: str, message: str | None) -> None:
    key = change.split(" = ")[0]
    lines = [ln for ln in FAMILY_TOML.splitlines() if not ln.startswith(f"{key} =")]
    text = "\n".join([*lines, change])
    if message is None:
        assert parse_catalog(text).families[0].threshold_minutes == 8
        return
    with pytest.raises(ValueError, match=message):
        parse_catalog(text)


def test_a_code_in_two_families_is_rejected() -> None:
    doubled = FAMILY_TOML + FAMILY_TOML.replace('"test-visit"', '"other"').replace("schema = 1", "")
    with pytest.raises(ValueError, match="appears in families"):
        parse_catalog(doubled)


def test_wrong_schema_is_rejected() -> None:
    with pytest.raises(ValueError, match="schema must be 1"):
        parse_catalog(FAMILY_TOML.replace("schema = 1", "schema = 2"))


def test_family_validates_directly() -> None:
    with pytest.raises(ValueError, match="caps must not be negative"):
        TimedFamily(
            name="x", primary="A", addon="B", service="visit", primary_unit="a", addon_unit="b",
            primary_minutes=Decimal(60), addon_minutes=Decimal(60),
            threshold_minutes=Decimal(31), daily_cap_hours=Decimal(-1),
        )  # fmt: skip
