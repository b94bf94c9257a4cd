"""Add-on codes: without their primary (INF002) and against the documented time (INF003)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from scrubber._findings import Severity
from scrubber._fixes import RemoveLine, SetUnits, SplitLine, SplitPart
from scrubber._history import ClaimHistory
from scrubber.testing import make_claim, make_line, run_edit

PAIRS = [("99602", "99601"), ("96366", "96365"), ("96415", "96413"), ("96361", "96360")]


@pytest.mark.parametrize(("addon", "primary"), PAIRS)
def test_add_on_alone_is_an_error_without_a_fix(kit, addon: str, primary: str) -> None:
    claim = make_claim(lines=[make_line(code="99213"), kit.addon(1, code=addon)])
    result = kit.scrub(claim)
    [finding] = result.findings
    assert (finding.code, finding.severity, finding.line) == ("INF002", Severity.ERROR, 2)
    assert finding.fixes == ()
    assert f"but no {primary}" in finding.message
    assert finding.carc == "107"
    assert result.claim is claim


def test_add_on_alone_cites_ncci_for_medicare_and_payer_policy_for_medicaid(kit) -> None:
    medicare = make_claim(lines=[kit.addon(1)], filing_indicator="MB")
    medicaid = make_claim(lines=[kit.addon(1)], filing_indicator="MC")
    [for_medicare] = run_edit(kit.edits["INF002"], medicare, sections=kit.sections)
    [for_medicaid] = run_edit(kit.edits["INF002"], medicaid, sections=kit.sections)
    assert "NCCI add-on code edits (Medicare)" in (for_medicare.citation or "")
    assert "(NCCI add-on code edit)" in for_medicare.message
    assert "Medicaid NCCI has no add-on code methodology" in (for_medicaid.citation or "")
    assert "payer add-on policy" in for_medicaid.message


def test_add_on_with_its_primary_on_the_same_date_is_fine(kit) -> None:
    claim = make_claim(lines=[kit.visit(how="none"), kit.addon(1)])
    assert run_edit(kit.edits["INF002"], claim, sections=kit.sections) == []


def test_add_on_with_its_primary_on_another_date_is_alone(kit) -> None:
    claim = make_claim(lines=[kit.visit(how="none", on=date(2026, 1, 14)), kit.addon(1)])
    [finding] = run_edit(kit.edits["INF002"], claim, sections=kit.sections)
    assert finding.line == 2


def test_hydration_add_on_may_follow_another_initial_service(kit) -> None:
    claim = make_claim(
        lines=[kit.visit(60, code="96365", how="period"), kit.addon(1, code="96361")]
    )
    assert run_edit(kit.edits["INF002"], claim, sections=kit.sections) == []


def test_add_on_with_its_primary_on_an_earlier_claim_of_the_run(kit) -> None:
    history = ClaimHistory()
    earlier = make_claim(id="A", lines=[kit.visit(how="none")])
    later = make_claim(id="B", lines=[kit.addon(1)])
    kit.scrub(earlier, history=history)
    assert kit.scrub(later, history=history).findings == ()


def test_primary_on_an_earlier_claim_of_another_patient_does_not_count(kit) -> None:
    history = ClaimHistory()
    kit.scrub(make_claim(id="A", lines=[kit.visit(how="none")], patient_key="p1"), history=history)
    result = kit.scrub(make_claim(id="B", lines=[kit.addon(1)], patient_key="p2"), history=history)
    assert [f.code for f in result.findings] == ["INF002"]


def test_primary_on_an_earlier_claim_of_another_provider_does_not_count(kit) -> None:
    """The patient's earlier claims bill the primary on that date (so the edit asks for its
    units), but from another billing provider: the add-on still has no primary."""
    history = ClaimHistory()
    earlier = make_claim(id="A", lines=[kit.visit(how="none")], billing_npi="1245319599")
    kit.scrub(earlier, history=history)
    result = kit.scrub(make_claim(id="B", lines=[kit.addon(1)]), history=history)
    assert [f.code for f in result.findings] == ["INF002"]


def test_primary_produced_by_normalizing_an_earlier_claim_counts(kit) -> None:
    """The history holds what an earlier claim finally bills, after this plugin's fixes."""
    history = ClaimHistory()
    kit.scrub(make_claim(id="A", lines=[kit.visit(330)]), history=history)
    assert kit.scrub(make_claim(id="B", lines=[kit.addon(1)]), history=history).findings == ()


def test_too_few_add_on_units_for_the_time(kit) -> None:
    claim = make_claim(lines=[kit.visit(330, how="period"), kit.addon(2, charge="100.00")])
    result = kit.scrub(claim)
    [finding] = result.findings
    assert (finding.code, finding.severity, finding.line) == ("INF003", Severity.ERROR, 2)
    assert finding.fixes == (SetUnits(line=2, units=Decimal(3), unit_basis="UN"),)
    assert finding.message.startswith(
        "99602 × 2 billed (line 2) but the documented time earns 99602 × 3: 5 h 30 min visit ="
    )
    assert kit.coded(result) == [("99601", "1", "UN", "400.00"), ("99602", "3", "UN", "150.00")]


def test_add_on_the_time_does_not_earn_is_removed(kit) -> None:
    claim = make_claim(lines=[kit.visit(150, how="period"), kit.addon(1)])
    result = kit.scrub(claim)
    [finding] = result.findings
    assert finding.code == "INF003"
    assert finding.fixes == (RemoveLine(line=2),)
    assert kit.coded(result) == [("99601", "1", "UN", "400.00")]
    assert result.claim.total_charge == Decimal("400.00")


def test_time_of_several_visits_adds_up_against_one_add_on_line(kit) -> None:
    claim = make_claim(
        lines=[kit.visit(151, how="period"), kit.visit(211, how="period", starts=14), kit.addon(3)]
    )
    result = kit.scrub(claim)
    assert [f.code for f in result.findings] == ["INF005"]  # 1 + 2 add-on hours: as billed


def test_several_add_on_lines_in_error_are_left_to_the_biller(kit) -> None:
    claim = make_claim(lines=[kit.visit(330, how="period"), kit.addon(1), kit.addon(1)])
    [finding] = run_edit(kit.edits["INF003"], claim, sections=kit.sections)
    assert finding.fixes == ()
    assert "(lines 2 and 3)" in finding.message
    assert finding.message.endswith("correct the add-on lines by hand")


def test_add_on_sent_in_minutes_next_to_a_timed_visit_is_recoded(kit) -> None:
    claim = make_claim(
        lines=[
            kit.visit(330, how="period"),
            make_line(code="99602", units=210, unit_basis="MJ", minutes=Decimal(210)),
        ]
    )
    result = kit.scrub(claim)
    [finding] = result.findings
    assert finding.code == "INF003"
    assert finding.fixes == (
        SplitLine(line=2, parts=(SplitPart(units=Decimal(3), unit_basis="UN"),)),
    )
    assert kit.coded(result) == [("99601", "1", "UN", "400.00"), ("99602", "3", "UN", "100.00")]


@pytest.mark.parametrize(("extra", "units"), [(30, None), (31, "1"), (90, "1"), (91, "2")])
def test_add_on_sent_as_extra_minutes_next_to_an_untimed_visit(kit, extra: int, units) -> None:
    claim = make_claim(
        lines=[
            kit.visit(how="none"),
            make_line(code="99602", units=extra, unit_basis="MJ", minutes=Decimal(extra)),
        ]
    )
    result = kit.scrub(claim)
    if units is None:
        assert [(f.code, f.fixes) for f in result.findings] == [("INF003", (RemoveLine(line=2),))]
        assert kit.coded(result) == [("99601", "1", "UN", "400.00")]
    else:
        assert [f.code for f in result.findings] == ["INF001"]
        assert kit.coded(result) == [
            ("99601", "1", "UN", "400.00"),
            ("99602", units, "UN", "100.00"),
        ]


def test_add_on_lines_are_not_checked_when_a_visit_has_no_time(kit) -> None:
    claim = make_claim(lines=[kit.visit(330, how="period"), kit.visit(how="none"), kit.addon(1)])
    assert run_edit(kit.edits["INF003"], claim, sections=kit.sections) == []


def test_a_visit_in_minutes_next_to_add_on_lines_only_becomes_one_unit(kit) -> None:
    """The add-on lines already there are corrected by INF003, never duplicated by INF001."""
    claim = make_claim(lines=[kit.visit(330), kit.addon(3)])
    result = kit.scrub(claim)
    [finding] = result.findings
    assert finding.code == "INF001"
    assert "checked by INF003" in finding.message
    assert kit.coded(result) == [("99601", "1", "UN", "400.00"), ("99602", "3", "UN", "100.00")]
