"""Properties of the time rules over every visit length (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber.testing import make_claim
from scrubber_infusion.families import code_time, load_catalog

CATALOG = load_catalog()
minutes = st.integers(min_value=1, max_value=24 * 60)
families = st.sampled_from(CATALOG.families)


@given(family=families, length=minutes)
def test_coded_time_is_within_the_threshold_of_the_real_time(family, length: int) -> None:
    """Past the primary's time, what the codes stand for is at most 30 minutes short of the
    visit (a part hour under 31 minutes is dropped) and at most 29 minutes over it (a part
    hour of 31 minutes or more counts as a whole one)."""
    coding = code_time(family, Decimal(length))
    if length <= family.primary_minutes:
        assert coding.addon_units == 0
        return
    coded = family.primary_minutes + coding.addon_units * family.addon_minutes
    assert -30 <= coded - length <= 29


@given(family=families, length=minutes)
def test_more_time_never_earns_fewer_units(family, length: int) -> None:
    shorter = code_time(family, Decimal(length)).addon_units
    assert code_time(family, Decimal(length + 1)).addon_units >= shorter


@settings(deadline=None, max_examples=60)
@given(
    length=minutes,
    cents=st.integers(min_value=0, max_value=10_000_00),
    how=st.sampled_from(["MJ", "MJ-units", "period", "start-end"]),
)
def test_engine_keeps_the_charge_and_bills_one_visit(
    kit, length: int, cents: int, how: str
) -> None:
    charge = Decimal(cents) / 100
    claim = make_claim(lines=[kit.visit(length, how=how, charge=f"{charge:.2f}")])
    result = kit.scrub(claim)
    lines = result.claim.lines
    assert sum(ln.charge for ln in lines) == charge
    assert result.claim.total_charge == claim.total_charge
    assert (lines[0].code, lines[0].units, lines[0].unit_basis) == ("99601", 1, "UN")
    expected = code_time(CATALOG.families[0], Decimal(length)).addon_units
    assert [(ln.code, ln.units) for ln in lines[1:]] == ([("99602", expected)] if expected else [])


INITIAL_CODES = ("96413", "96409", "96365", "96374", "96360")
RANK = {code: n for n, code in enumerate(INITIAL_CODES)}
initial_lines = st.lists(
    st.tuples(
        st.sampled_from(INITIAL_CODES),
        st.one_of(st.none(), st.integers(min_value=1, max_value=8 * 60)),
        st.sampled_from([(), ("59",), ("XU",), ("25",)]),
    ),
    min_size=1,
    max_size=5,
)


@settings(deadline=None, max_examples=80)
@given(lines=initial_lines)
def test_one_initial_service_per_encounter_is_stable(kit, lines) -> None:
    """Whatever initial services one date holds: the best-ranked line (the hierarchy, not the
    order given) is never reported as a second one, the opt-in rewrite keeps the total, and
    scrubbing the rewritten claim again changes nothing."""
    prof = kit.profile("[defaults.infusion]\nrecode_initial_services = true\n")
    claim = make_claim(
        lines=[
            kit.visit(minutes, code=code, how="none" if minutes is None else "MJ", modifiers=mods)
            for code, minutes, mods in lines
        ]
    )
    result = kit.scrub(claim, prof=prof)
    inf010 = [f for f in result.findings if f.code == "INF010"]
    for finding in inf010:
        initial = claim.lines[int(dict(finding.details)["initial_line"]) - 1]
        assert finding.line != initial.number
        assert not {"59", "XU"} & set(claim.lines[finding.line - 1].modifiers)
    assert sum(ln.charge for ln in result.claim.lines) == claim.total_charge
    assert len(result.claim.lines) >= len(claim.lines)
    again = kit.scrub(result.claim, prof=prof)
    assert again.claim == result.claim
    assert [f for f in again.findings if f.fixes] == []
