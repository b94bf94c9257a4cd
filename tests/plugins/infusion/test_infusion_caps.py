"""Payer caps on hours per day and per week (BCBSM example: 4 h/day, 12 h/week)."""

from __future__ import annotations

from datetime import date

import pytest

from scrubber._findings import Severity
from scrubber._history import ClaimHistory
from scrubber.testing import make_claim, run_edit

BCBSM = """
[defaults.infusion]
family_overrides = ["99601.daily_cap_hours=4", "99601.weekly_cap_hours=12"]
"""


def test_no_cap_by_default(kit) -> None:
    claim = make_claim(lines=[kit.visit(600)])
    codes = {f.code for f in kit.scrub(claim).findings}
    assert codes.isdisjoint({"INF006", "INF007"})


@pytest.mark.parametrize(("minutes", "flagged"), [(240, False), (241, True), (330, True)])
def test_daily_cap_for_one_visit(kit, minutes: int, flagged: bool) -> None:
    prof = kit.profile("[defaults.infusion]\ndaily_cap_hours = 4\n")
    result = kit.scrub(make_claim(lines=[kit.visit(minutes)]), prof=prof)
    caps = [f for f in result.findings if f.code == "INF006"]
    assert bool(caps) is flagged
    if flagged:
        [cap] = caps
        assert cap.severity is Severity.WARNING
        assert cap.line == 1
        assert "over the payer's daily cap of 4 h" in cap.message
        assert "documented" in cap.message
        assert cap.fixes == ()


def test_daily_cap_counts_every_visit_of_the_date(kit) -> None:
    claim = make_claim(lines=[kit.visit(120), kit.visit(150, starts=14)])
    [cap] = run_edit(kit.edits["INF006"], claim, profile=kit.profile(BCBSM))
    assert cap.message == (
        "99601/99602 on one date of service (lines 1 and 2): 4 h 30 min documented, "
        "over the payer's daily cap of 4 h"
    )
    assert dict(cap.details) == {"cap_minutes": "240", "minutes": "270"}


def test_daily_cap_uses_coded_time_when_a_visit_has_no_time(kit) -> None:
    claim = make_claim(lines=[kit.visit(how="none", units=2)])  # two visits of up to 2 h
    assert run_edit(kit.edits["INF006"], claim, profile=kit.profile(BCBSM)) == []
    claim = make_claim(lines=[kit.visit(how="none", units=2), kit.addon(1)])
    [cap] = run_edit(kit.edits["INF006"], claim, profile=kit.profile(BCBSM))
    assert "5 h as coded" in cap.message


def test_daily_cap_counts_earlier_claims_of_the_run(kit) -> None:
    history = ClaimHistory()
    prof = kit.profile(BCBSM)
    kit.scrub(make_claim(id="A", lines=[kit.visit(how="none"), kit.addon(1)]), history=history)
    result = kit.scrub(make_claim(id="B", lines=[kit.visit(90)]), prof=prof, history=history)
    [cap] = [f for f in result.findings if f.code == "INF006"]
    assert "1 h 30 min documented + 3 h as coded on earlier claims" in cap.message


def test_a_cap_on_one_family_leaves_the_others_alone(kit) -> None:
    claim = make_claim(lines=[kit.visit(330, code="96365"), kit.visit(330, on=date(2026, 1, 16))])
    findings = run_edit(kit.edits["INF006"], claim, profile=kit.profile(BCBSM))
    assert [(f.line, f.message.split(" ")[0]) for f in findings] == [(2, "99601/99602")]


def test_a_cap_for_every_family(kit) -> None:
    prof = kit.profile("[defaults.infusion]\ndaily_cap_hours = 4.5\n")
    later = date(2026, 1, 16)  # one initial service per encounter: 96413 would outrank 96365
    claim = make_claim(lines=[kit.visit(300, code="96365"), kit.visit(300, code="96413", on=later)])
    findings = run_edit(kit.edits["INF006"], claim, profile=prof)
    assert [f.line for f in findings] == [1, 2]
    assert all("daily cap of 4 h 30 min" in f.message for f in findings)


def test_weekly_cap_over_several_days(kit) -> None:
    days = [date(2026, 1, d) for d in (12, 13, 14, 15)]  # Monday to Thursday
    claim = make_claim(lines=[kit.visit(210, on=d) for d in days])  # 4 x 3 h 30 min = 14 h
    [cap] = run_edit(kit.edits["INF007"], claim, profile=kit.profile(BCBSM))
    assert cap.severity is Severity.WARNING
    assert cap.line == 1
    assert cap.message == (
        "99601/99602 in one week (lines 1, 2, 3 and 4): 14 h documented, over the payer's "
        "weekly cap of 12 h"
    )


def test_weekly_cap_not_reached(kit) -> None:
    days = [date(2026, 1, d) for d in (12, 13, 14)]
    claim = make_claim(lines=[kit.visit(210, on=d) for d in days])  # 10 h 30 min
    assert run_edit(kit.edits["INF007"], claim, profile=kit.profile(BCBSM)) == []


@pytest.mark.parametrize(("week_start", "flagged"), [("sunday", False), ("monday", True)])
def test_the_week_starts_where_the_profile_says(kit, week_start: str, flagged: bool) -> None:
    weekend = [date(2026, 1, 17), date(2026, 1, 18)]  # Saturday and Sunday, 7 h each
    claim = make_claim(lines=[kit.visit(420, on=d) for d in weekend])
    prof = kit.profile(BCBSM + f'week_start = "{week_start}"\n')
    assert bool(run_edit(kit.edits["INF007"], claim, profile=prof)) is flagged


def test_weekly_cap_counts_earlier_claims_in_the_week(kit) -> None:
    history = ClaimHistory()
    prof = kit.profile(BCBSM)
    monday, tuesday = date(2026, 1, 12), date(2026, 1, 13)
    earlier = make_claim(
        id="A",
        lines=[
            kit.visit(how="none", units=2, on=monday),  # coded 2 x 2 h
            kit.visit(how="none", on=tuesday),  # coded 2 h
            kit.addon(2, service_from=tuesday),  # coded 2 x 1 h
        ],
    )
    kit.scrub(earlier, history=history)
    result = kit.scrub(make_claim(id="B", lines=[kit.visit(300)]), prof=prof, history=history)
    [cap] = [f for f in result.findings if f.code == "INF007"]
    assert "5 h documented + 8 h as coded on earlier claims" in cap.message
