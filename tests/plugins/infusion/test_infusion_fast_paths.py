"""The plugin's shortcuts give what the long way gives: INF005's wording looked up once
written, a group's visits summed without asking each line, the plan's named tuples."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from scrubber import Claim, Finding
from scrubber.testing import make_claim, run_edit
from scrubber_infusion import daily
from scrubber_infusion.families import load_catalog
from scrubber_infusion.plan import ClaimPlan, plan_claim
from scrubber_infusion.settings import rulebook

BOOK = rulebook(load_catalog(), {})


@pytest.fixture
def no_wording() -> Iterator[None]:
    """Each test starts with no INF005 wording written (and leaves none behind)."""
    daily._SUMMARIES.clear()
    yield
    daily._SUMMARIES.clear()


def _summary(kit, claim: Claim) -> Finding:
    [finding] = run_edit(kit.edits["INF005"], claim, sections=kit.sections)
    return finding


@pytest.mark.usefixtures("no_wording")
def test_summary_looked_up_is_the_summary_written(kit) -> None:
    claims = [
        make_claim(id="A", lines=[kit.visit(how="none", units=2), kit.addon(1)]),
        make_claim(id="B", lines=[kit.visit(150), kit.visit(200, starts=14)]),
        make_claim(id="C", lines=[kit.visit(150), kit.visit(how="none"), kit.addon(2)]),
    ]
    written = [_summary(kit, claim) for claim in claims]
    assert len(daily._SUMMARIES) == 3
    looked_up = [_summary(kit, claim) for claim in claims]
    assert looked_up == written
    daily._SUMMARIES.clear()
    assert [_summary(kit, claim) for claim in claims] == written


@pytest.mark.usefixtures("no_wording")
def test_summary_differs_where_its_wording_does(kit) -> None:
    """Same counts on other lines, or of other visits, are other entries."""
    first = _summary(kit, make_claim(lines=[kit.visit(how="none", units=2)]))
    moved = _summary(
        kit, make_claim(lines=[kit.addon(1, code="99213"), kit.visit(how="none", units=2)])
    )
    more = _summary(kit, make_claim(lines=[kit.visit(how="none", units=3)]))
    assert "(line 1)" in first.message and "(line 2)" in moved.message
    assert dict(more.details)["visits"] == "3" and dict(first.details)["visits"] == "2"
    assert len(daily._SUMMARIES) == 3


@pytest.mark.usefixtures("no_wording")
def test_summary_wording_stays_bounded(kit, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(daily, "_MAX_SUMMARIES", 2)
    for units in (2, 3, 4, 5):
        finding = _summary(kit, make_claim(lines=[kit.visit(how="none", units=units)]))
        assert dict(finding.details)["visits"] == str(units)
        assert len(daily._SUMMARIES) <= 2


@pytest.mark.parametrize(
    "lines",
    [
        ("none 3", "none 1"),
        ("150", "none 2", "MJ-units 200"),
        ("period 2 330", "start-end 1 45"),
        ("none 1.0", "none 2E+0"),
    ],
)
def test_group_visits_are_the_sum_of_its_lines(kit, lines: tuple[str, ...]) -> None:
    made = []
    for spec in lines:
        how, *rest = spec.split()
        if how.isdigit():
            made.append(kit.visit(int(how)))
        elif how == "none":
            made.append(kit.visit(how="none", units=rest[0]))
        elif how == "MJ-units":
            made.append(kit.visit(int(rest[0]), how="MJ-units"))
        else:
            made.append(kit.visit(int(rest[1]), how=how, units=int(rest[0])))
    plan = plan_claim(make_claim(lines=made), BOOK)
    [group] = plan.groups
    assert group.visits == sum((t.visits for t in group.primaries), Decimal(0))


def test_a_plan_is_true_only_when_it_has_a_group_or_a_recode(kit) -> None:
    """A named tuple of three fields is always true; the plan's own truth is kept."""
    office = make_claim(lines=[kit.addon(1, code="99213")])
    assert not plan_claim(office, BOOK)
    assert plan_claim(make_claim(lines=[kit.visit(330)]), BOOK)
    assert not ClaimPlan(BOOK, ())
