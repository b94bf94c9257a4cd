"""Properties of the time rules over every visit length (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given, settings
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


# A 96361 recoded from a second 96360 belongs to the date's 96413, not to the 96360-59 of a
# separate IV site; judged by that line's 1 minute, a second scrub removed it.
SEPARATE_SITE_EXAMPLE = [("96413", None, ()), ("96360", None, ()), ("96360", 1, ("59",))]


@settings(deadline=None, max_examples=80)
@given(lines=initial_lines)
@example(lines=SEPARATE_SITE_EXAMPLE)
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


def test_an_addon_is_not_paired_with_a_separate_site_primary(kit) -> None:
    """The recoded 96361 (no modifier) follows the date's 96413; the 96360-59 line is an
    encounter of its own, so a second scrub neither pairs them nor removes the 96361."""
    prof = kit.profile("[defaults.infusion]\nrecode_initial_services = true\n")
    claim = make_claim(
        lines=[
            kit.visit(minutes, code=code, how="none" if minutes is None else "MJ", modifiers=mods)
            for code, minutes, mods in SEPARATE_SITE_EXAMPLE
        ]
    )
    first = kit.scrub(claim, prof=prof)
    assert [ln.code for ln in first.claim.lines] == ["96413", "96361", "96360"]
    again = kit.scrub(first.claim, prof=prof)
    assert again.claim == first.claim
    assert [f for f in again.findings if f.fixes] == []
