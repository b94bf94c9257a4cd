"""The infusion screen never hides a finding: scrubbing with it (the engine runs only the INF
edits it names) gives exactly what running every INF edit on every claim gives, and a claim
whose plan concerns no edit runs none of them."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import scrubber_infusion
from scrubber._edits import Edit
from scrubber._engine import scrub
from scrubber._history import ClaimHistory
from scrubber._models import Claim
from scrubber._profiles import Profile
from scrubber._tables import MemoryTables
from scrubber.testing import DEFAULT_DATE, make_claim

SCREENED = tuple(scrubber_infusion.scrubber_edits())
UNSCREENED = tuple(dataclasses.replace(e, screen=None) for e in SCREENED)
PROFILES = {
    "default": None,
    "caps": '[defaults.infusion]\nfamily_overrides = ["99601.daily_cap_hours=4", '
    '"99601.weekly_cap_hours=12", "96365.daily_cap_hours=3"]\n',
    "recode": "[defaults.infusion]\nrecode_initial_services = true\n",
    "hydration off": '[defaults.infusion]\ndisabled_families = ["96360"]\n',
}
# Primaries, add-ons and the initial services the hierarchy ranks, with an office code
CODES = (
    "99601",
    "99601",
    "99602",
    "96365",
    "96365",
    "96366",
    "96367",
    "96413",
    "96415",
    "96360",
    "96361",
    "96374",
    "96409",
    "99213",
)
lines = st.builds(
    dict,
    code=st.sampled_from(CODES),
    minutes=st.sampled_from([None, 5, 15, 16, 30, 31, 45, 90, 120, 151, 200, 330]),
    how=st.sampled_from(["MJ", "MJ-units", "period", "start-end", "none", "none"]),
    units=st.sampled_from([1, 1, 1, 2, 3]),
    modifiers=st.sampled_from([(), (), ("59",), ("XU",)]),
    day=st.sampled_from([0, 0, 0, 1, 6]),
    starts=st.sampled_from([9, 9, 10]),
)
claims = st.lists(
    st.builds(
        dict,
        lines=st.lists(lines, min_size=1, max_size=5),
        patient=st.sampled_from(["p1", "p2"]),
        indicator=st.sampled_from(["MB", "MC"]),
    ),
    min_size=1,
    max_size=3,
)


def _claim(kit: Any, n: int, spec: dict[str, Any]) -> Claim:
    made = []
    for item in spec["lines"]:
        how = "none" if item["minutes"] is None else item["how"]
        made.append(
            kit.visit(
                item["minutes"],
                code=item["code"],
                how=how,
                units=item["units"],
                on=DEFAULT_DATE + timedelta(days=item["day"]),
                starts=item["starts"],
                modifiers=item["modifiers"],
            )
        )
    return make_claim(
        id=f"C{n}", lines=made, patient_key=spec["patient"], filing_indicator=spec["indicator"]
    )


def _scrubbed(batch: list[Claim], edits: tuple[Edit, ...], profile: Profile) -> list[object]:
    results = scrub(
        batch,
        edits=edits,
        tables=MemoryTables(),
        profile=profile,
        history=ClaimHistory(),
        strict=True,
    )
    return [(r.claim, r.findings, r.applied) for r in results]


@settings(max_examples=300, deadline=None)
@given(specs=claims, name=st.sampled_from(sorted(PROFILES)))
def test_the_screen_changes_no_result(kit: Any, specs: list[dict[str, Any]], name: str) -> None:
    batch = [_claim(kit, n, spec) for n, spec in enumerate(specs)]
    profile = kit.profile(PROFILES[name])
    assert _scrubbed(batch, SCREENED, profile) == _scrubbed(batch, UNSCREENED, profile)


def _counting(calls: list[str]) -> tuple[Edit, ...]:
    def counted(item: Edit) -> Edit:
        def check(claim: Claim, ctx: Any) -> Any:
            calls.append(item.code)
            return item.check(claim, ctx)

        return dataclasses.replace(item, check=check)

    return tuple(counted(e) for e in SCREENED)


def test_a_claim_its_plan_does_not_concern_runs_no_inf_edit(kit: Any) -> None:
    """One 99601 visit billed as one unit without its time: nothing for any INF edit."""
    calls: list[str] = []
    claim = make_claim(lines=[kit.visit(None, how="none")])
    [(scrubbed, findings, applied)] = _scrubbed([claim], _counting(calls), kit.profile())
    assert calls == [] and (scrubbed, findings, applied) == (claim, (), ())


def test_a_claim_runs_only_the_edits_its_plan_concerns(kit: Any) -> None:
    """Four visits on one date (INF005's summary) and a 330-minute visit sent in minutes
    (INF001's conversion): those two edits run, the other nine do not."""
    calls: list[str] = []
    day = make_claim(lines=[kit.visit(None, how="none", units=4)])
    minutes = make_claim(id="C2", lines=[kit.visit(330)])
    [(_, findings, _)] = _scrubbed([day], _counting(calls), kit.profile())
    assert [f.code for f in findings] == calls == ["INF005"]
    calls.clear()
    [(_, findings, _)] = _scrubbed([minutes], _counting(calls), kit.profile())
    assert [f.code for f in findings] == ["INF001"]
    assert set(calls) == {"INF001"}  # the second round finds the converted claim clean
