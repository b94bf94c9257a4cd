"""Minutes to units through the engine: the fixes are applied and the resulting lines checked.

Every way the model carries a visit's time (SV103 MJ with minutes, MJ units alone, UN with
minutes from a period, start/end datetimes) must give 99601 x 1 UN + 99602 x n UN with the
charges summing to what was sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from scrubber._findings import Severity
from scrubber._fixes import SetUnits, SplitLine, SplitPart
from scrubber.testing import make_claim, make_line, run_edit

HOW = ["MJ", "MJ-units", "period", "start-end"]


@pytest.mark.parametrize("how", HOW)
def test_five_and_a_half_hour_visit_becomes_99601_and_three_99602(kit, how: str) -> None:
    claim = make_claim(lines=[kit.visit(330, how=how, charge="400.00")])
    result = kit.scrub(claim)
    assert kit.coded(result) == [("99601", "1", "UN", "100.00"), ("99602", "3", "UN", "300.00")]
    assert result.claim.total_charge == claim.total_charge == Decimal("400.00")
    [finding] = result.findings
    assert (finding.code, finding.severity, finding.line) == ("INF001", Severity.WARNING, 1)
    assert "5 h 30 min visit = 99601 × 1 (first 2 hours) + 99602 × 3 (hours 3, 4 and 5" in (
        finding.message
    )
    assert [ln.control_number for ln in result.claim.lines] == ["CLAIM1-1-1", "CLAIM1-1-2"]
    assert [ln.origin for ln in result.claim.lines] == [1, 1]


def test_the_fix_is_the_split_the_writers_render(kit) -> None:
    claim = make_claim(lines=[kit.visit(330)])
    [finding] = run_edit(kit.edits["INF001"], claim, sections=kit.sections)
    assert finding.fixes == (
        SplitLine(
            line=1,
            parts=(
                SplitPart(units=Decimal(1), unit_basis="UN"),
                SplitPart(units=Decimal(3), code="99602", unit_basis="UN"),
            ),
        ),
    )


# visit length in minutes -> the lines billed (code, units) for 99601 sent in minutes
BOUNDARY_LINES = [
    (120, [("99601", "1")]),
    (150, [("99601", "1")]),
    (151, [("99601", "1"), ("99602", "1")]),
    (210, [("99601", "1"), ("99602", "1")]),
    (211, [("99601", "1"), ("99602", "2")]),
    (270, [("99601", "1"), ("99602", "2")]),
    (271, [("99601", "1"), ("99602", "3")]),
    (330, [("99601", "1"), ("99602", "3")]),
]


@pytest.mark.parametrize(("minutes", "lines"), BOUNDARY_LINES)
def test_99601_boundaries_through_the_engine(kit, minutes: int, lines: list) -> None:
    result = kit.scrub(make_claim(lines=[kit.visit(minutes)]))
    assert [(code, units) for code, units, _, _ in kit.coded(result)] == lines
    assert sum(ln.charge for ln in result.claim.lines) == Decimal("400.00")


@pytest.mark.parametrize(
    ("primary", "addon", "minutes", "addon_units"),
    [("96365", "96366", 90, None), ("96365", "96366", 91, "1"), ("96365", "96366", 151, "2"),
     ("96413", "96415", 150, "1"), ("96413", "96415", 151, "2"),
     ("96360", "96361", 60, None), ("96360", "96361", 91, "1")],
)  # fmt: skip
def test_other_families_through_the_engine(
    kit, primary: str, addon: str, minutes: int, addon_units: str | None
) -> None:
    result = kit.scrub(make_claim(lines=[kit.visit(minutes, code=primary)]))
    expected = [(primary, "1")] + ([(addon, addon_units)] if addon_units else [])
    assert [(code, units) for code, units, _, _ in kit.coded(result)] == expected


def test_a_visit_sent_in_minutes_without_an_add_on_keeps_its_charge(kit) -> None:
    """SetUnits would prorate a 90-minute charge down to 1/90; the one-part split keeps it."""
    result = kit.scrub(make_claim(lines=[kit.visit(90, charge="250.00")]))
    assert kit.coded(result) == [("99601", "1", "UN", "250.00")]
    assert result.claim.lines[0].control_number is None  # one part: the line keeps its REF*6R


def test_a_correct_visit_is_left_alone(kit) -> None:
    claim = make_claim(lines=[kit.visit(150, how="period")])
    result = kit.scrub(claim)
    assert result.findings == ()
    assert result.claim is claim


def test_unrelated_claims_are_left_alone(kit) -> None:
    claim = make_claim(lines=[make_line(code="99213"), make_line(code="J1100", units=4)])
    result = kit.scrub(claim)
    assert (result.findings, result.claim) == ((), claim)


@pytest.mark.parametrize("how", ["period", "start-end"])
def test_primary_billed_in_hours_is_an_error_with_the_corrected_coding(kit, how: str) -> None:
    claim = make_claim(lines=[kit.visit(360, how=how, units=3, charge="300.00")])
    result = kit.scrub(claim)
    [finding] = result.findings
    assert (finding.code, finding.severity) == ("INF004", Severity.ERROR)
    assert finding.message.startswith("99601 × 3 for one visit of 6 h: 99601 is one unit per visit")
    assert kit.coded(result) == [("99601", "1", "UN", "60.00"), ("99602", "4", "UN", "240.00")]
    assert result.claim.total_charge == Decimal("300.00")


def test_primary_billed_twice_for_one_visit_without_add_on_time(kit) -> None:
    claim = make_claim(lines=[kit.visit(150, how="period", units=2, charge="400.00")])
    [finding] = run_edit(kit.edits["INF004"], claim, sections=kit.sections)
    assert finding.fixes == (SetUnits(line=1, units=Decimal(1), unit_basis="UN"),)
    assert kit.coded(kit.scrub(claim)) == [("99601", "1", "UN", "200.00")]


def test_primary_in_hours_with_a_correct_add_on_line(kit) -> None:
    claim = make_claim(lines=[kit.visit(360, how="period", units=3, charge="300.00"), kit.addon(4)])
    result = kit.scrub(claim)
    assert [f.code for f in result.findings] == ["INF004"]
    assert kit.coded(result) == [("99601", "1", "UN", "100.00"), ("99602", "4", "UN", "100.00")]


def test_several_visits_on_one_date_are_each_normalized_and_summarised(kit) -> None:
    claim = make_claim(
        lines=[
            kit.visit(90, charge="200.00"),
            kit.visit(165, how="period", charge="200.00", starts=13),
            kit.visit(how="none", charge="200.00"),
        ]
    )
    result = kit.scrub(claim)
    assert [(f.code, f.line) for f in result.findings] == [
        ("INF001", 1),
        ("INF005", 1),
        ("INF001", 2),
    ]
    summary = next(f for f in result.findings if f.code == "INF005")
    assert summary.severity is Severity.INFO
    assert summary.message == (
        "3 visits of 99601 on one date of service (lines 1, 2 and 3): "
        "time documented for 2 of them; billed 99601 × 3"
    )
    assert kit.coded(result) == [
        ("99601", "1", "UN", "200.00"),
        ("99601", "1", "UN", "100.00"),
        ("99602", "1", "UN", "100.00"),
        ("99601", "1", "UN", "200.00"),
    ]


def test_summary_of_a_day_with_every_visit_timed(kit) -> None:
    claim = make_claim(lines=[kit.visit(150), kit.visit(200, starts=14)])
    [summary] = run_edit(kit.edits["INF005"], claim, sections=kit.sections)
    assert summary.message == (
        "2 visits of 99601 on one date of service (lines 1 and 2): 5 h 50 min of documented "
        "time; the time earns 99601 × 2 + 99602 × 1"
    )
    assert dict(summary.details) == {
        "visits": "2",
        "minutes": "350",
        "minutes_documented": "true",
        "primary_units": "2",
        "addon_units": "1",
    }


def test_visits_on_one_line_count_in_the_summary(kit) -> None:
    claim = make_claim(lines=[kit.visit(how="none", units=2), kit.addon(1)])
    [summary] = run_edit(kit.edits["INF005"], claim, sections=kit.sections)
    assert summary.message.endswith("no times documented; billed 99601 × 2 + 99602 × 1")


@pytest.mark.parametrize(
    ("units", "addon_units", "visits_text", "addon_text"),
    [("2", "1", "2", "1"), ("2.0", "1.00", "2", "1"), ("2E+0", "1E+1", "2", "10")],
)
def test_summary_figures_are_written_the_same_however_the_units_were_sent(
    kit, units: str, addon_units: str, visits_text: str, addon_text: str
) -> None:
    """Units sent as 2.0 or 1E+1 (a FHIR decimal, an 837P SV104 with decimals) are the
    same visits and hours: the summary and its details print them as whole numbers."""
    claim = make_claim(lines=[kit.visit(how="none", units=units), kit.addon(addon_units)])
    [summary] = run_edit(kit.edits["INF005"], claim, sections=kit.sections)
    assert summary.message.endswith(
        f"no times documented; billed 99601 × {visits_text} + 99602 × {addon_text}"
    )
    assert dict(summary.details)["visits"] == dict(summary.details)["primary_units"]
    assert dict(summary.details)["visits"] == visits_text
    assert dict(summary.details)["addon_units"] == addon_text


def test_one_visit_has_no_summary(kit) -> None:
    claim = make_claim(lines=[kit.visit(330)])
    assert run_edit(kit.edits["INF005"], claim, sections=kit.sections) == []


def test_visits_on_different_dates_are_separate_days(kit) -> None:
    from datetime import date

    claim = make_claim(lines=[kit.visit(330), kit.visit(330, on=date(2026, 1, 16))])
    result = kit.scrub(claim)
    assert [f.code for f in result.findings] == ["INF001", "INF001"]
    assert [ln.code for ln in result.claim.lines] == ["99601", "99602", "99601", "99602"]


def test_primary_below_its_minimum_is_flagged_and_not_converted(kit) -> None:
    claim = make_claim(lines=[kit.visit(20, code="96360")])
    result = kit.scrub(claim)
    [finding] = result.findings
    assert (finding.code, finding.severity) == ("INF008", Severity.WARNING)
    assert "under the 31 min 96360 needs" in finding.message
    assert finding.fixes == ()
    assert result.claim is claim


def test_once_per_encounter_primaries_with_their_times_are_one_service(kit) -> None:
    """CPT: 96365 once per encounter, further time as 96366 (CMS Pub. 100-04 ch. 12 §30.5):
    1 h + 45 min on one date is one 1 h 45 min infusion, 96365 x 1 + 96366 x 1."""
    claim = make_claim(lines=[kit.visit(60, code="96365"), kit.visit(45, code="96365", starts=13)])
    result = kit.scrub(claim)
    [finding] = result.findings
    assert finding.code == "INF009" and finding.line == 1
    assert finding.message.startswith(
        "96365 billed on lines 1 and 2 of one encounter (1 h and 45 min; no separate-site"
    )
    assert "1 h 45 min infusion = 96365 × 1 (first hour) + 96366 × 1" in finding.message
    assert "lines combined, line 1 stays 96365 × 1; line 2 becomes 96366 × 1" in finding.message
    assert kit.coded(result) == [("96365", "1", "UN", "400.00"), ("96366", "1", "UN", "400.00")]
    assert result.claim.total_charge == claim.total_charge  # every line keeps its charge


def test_a_repeated_primary_without_time_is_flagged_not_combined(kit) -> None:
    claim = make_claim(
        lines=[kit.visit(60, code="96365"), kit.visit(None, code="96365", how="none")]
    )
    result = kit.scrub(claim)
    warning = next(f for f in result.findings if f.code == "INF009")
    assert warning.message.startswith("96365 billed 2 times on one date of service (lines 1 and 2)")
    assert warning.fixes == ()
    assert [ln.code for ln in result.claim.lines] == ["96365", "96365"]


def test_a_separate_site_primary_is_not_combined(kit) -> None:
    claim = make_claim(
        lines=[kit.visit(60, code="96365"), kit.visit(45, code="96365", modifiers=("XS",))]
    )
    result = kit.scrub(claim)
    assert "INF009" not in {f.code for f in result.findings}
    assert [ln.code for ln in result.claim.lines] == ["96365", "96365"]


def test_home_visits_are_not_once_per_encounter(kit) -> None:
    claim = make_claim(lines=[kit.visit(60), kit.visit(45, starts=13)])
    assert run_edit(kit.edits["INF009"], claim, sections=kit.sections) == []


def test_messages_name_no_patient(kit) -> None:
    claim = make_claim(
        lines=[kit.visit(330), kit.addon(2, code="96366")],
        patient_key="MEMBER-XYZ-123",
        subscriber_key="SUB-999",
    )
    result = kit.scrub(claim)
    assert result.findings
    for finding in result.findings:
        assert "MEMBER-XYZ" not in finding.message and "SUB-999" not in finding.message
        assert "2026" not in finding.message  # no dates either: lines are named instead


def test_an_addon_with_its_own_period_is_time_of_the_encounter(kit) -> None:
    """96365 09:00-10:00 and 96366 x 2 for 10:00-12:00: a 3-hour infusion, 96366 x 2."""
    start = datetime(2026, 1, 15, 10, 0)
    addon = kit.addon(2, code="96366", start=start, end=start + timedelta(hours=2))
    claim = make_claim(lines=[kit.visit(60, code="96365", how="period"), addon])
    result = kit.scrub(claim)
    assert "INF003" not in {f.code for f in result.findings}
    assert result.claim is claim


def test_periods_that_overlap_count_once(kit) -> None:
    """Two 96365 items 09:00-09:45 and 09:00-14:30 are 5 h 30 min of infusion, not 6 h 15."""
    claim = make_claim(
        lines=[
            kit.visit(45, code="96365", how="period"),
            kit.visit(330, code="96365", how="period"),
        ]
    )
    result = kit.scrub(claim)
    [finding] = [f for f in result.findings if f.code == "INF009"]
    assert "their periods overlap, and the minutes they share count once" in finding.message
    assert "5 h 30 min infusion = 96365 × 1 (first hour) + 96366 × 4" in finding.message
    assert kit.coded(result) == [("96365", "1", "UN", "400.00"), ("96366", "4", "UN", "400.00")]
    again = kit.scrub(result.claim)
    assert again.claim is result.claim
