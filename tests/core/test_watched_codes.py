"""Edits that declare the codes they watch run only for claims that bill one of them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scrubber._edits import Edit, PhaseEdits, edit
from scrubber._engine import scrub
from scrubber._findings import Phase, Severity
from scrubber._fixes import SetUnits, SplitLine, SplitPart
from scrubber._profiles import load_profile
from scrubber._tables import MemoryTables
from scrubber.testing import make_claim, make_line

D = Decimal
PROFILE = load_profile(None, [])
TABLES = MemoryTables()
CALLS: list[tuple[str, str]] = []


@edit(
    "TST101", summary="split minutes", citation="test rule", phase=Phase.NORMALIZE, codes={"99601"}
)
def split_minutes(claim, ctx):
    CALLS.append(("TST101", claim.id))
    for line in claim.lines:
        if line.code == "99601" and line.unit_basis == "MJ":
            parts = (SplitPart(units=D(1)), SplitPart(units=D(3), code="99602"))
            yield ctx.finding(line, "split", fixes=[SplitLine(line=line.number, parts=parts)])


@edit("TST102", summary="see add-on", citation="test rule", severity=Severity.INFO, codes={"99602"})
def see_addon(claim, ctx):
    CALLS.append(("TST102", claim.id))
    yield ctx.finding(None, "add-on billed")


@edit("TST103", summary="every claim", citation="test rule", severity=Severity.INFO)
def every_claim(claim, ctx):
    CALLS.append(("TST103", claim.id))
    return ()


@edit("TST104", summary="cap 99213 to 1", citation="test rule", codes=["99213"])
def cap_visit(claim, ctx):
    CALLS.append(("TST104", claim.id))
    for line in claim.lines:
        if line.code == "99213" and line.units > 1:
            yield ctx.finding(line, "cap", fixes=[SetUnits(line=line.number, units=D(1))])


@edit("TST105", summary="cap everything to 2", citation="test rule")
def cap_all(claim, ctx):
    for line in claim.lines:
        if line.units > 2:
            yield ctx.finding(line, "cap", fixes=[SetUnits(line=line.number, units=D(2))])


EDITS = [split_minutes, see_addon, every_claim, cap_visit]


def _claims():
    visit = make_claim(id="VISIT", lines=[make_line(code="97110", units=1)])
    infusion = make_claim(
        id="INF",
        lines=[make_line(code="99601", units=330, unit_basis="MJ", minutes=D(330), charge="400")],
    )
    return [visit, infusion]


def test_an_edit_runs_only_for_claims_billing_a_code_it_watches() -> None:
    CALLS.clear()
    results = list(scrub(_claims(), edits=EDITS, tables=TABLES, profile=PROFILE))
    assert ("TST101", "VISIT") not in CALLS and ("TST101", "INF") in CALLS
    assert ("TST104", "VISIT") not in CALLS and ("TST104", "INF") not in CALLS
    assert ("TST103", "VISIT") in CALLS and ("TST103", "INF") in CALLS
    assert results[0].findings == ()
    assert [ln.code for ln in results[1].claim.lines] == ["99601", "99602"]


def test_the_watched_codes_are_those_of_the_claim_as_the_phase_sees_it() -> None:
    # 99602 only exists after the NORMALIZE split: the LIMIT edit watching it must see it
    CALLS.clear()
    (result,) = scrub(_claims()[1:], edits=EDITS, tables=TABLES, profile=PROFILE)
    assert ("TST102", "INF") in CALLS
    assert [f.code for f in result.findings if f.code == "TST102"] == ["TST102"]


def test_skipping_keeps_the_code_order_that_decides_conflicts() -> None:
    claim = make_claim(lines=[make_line(code="99213", units=5)])
    (result,) = scrub([claim], edits=[cap_all, cap_visit], tables=TABLES, profile=PROFILE)
    assert result.claim.lines[0].units == D(1)  # TST104 sorts before TST105 and wins
    assert [f.code for f in result.findings if f.code == "SCR001"] == ["SCR001"]


def test_phase_edits_selection() -> None:
    phase = PhaseEdits([cap_visit, every_claim])
    assert [e.code for e in phase] == ["TST103", "TST104"]
    plain = make_claim(lines=[make_line(code="97110")])
    visit = make_claim(lines=[make_line(code="97110"), make_line(number=2, code="99213")])
    assert [e.code for e in phase.for_claim(plain)] == ["TST103"]
    assert [e.code for e in phase.for_claim(visit)] == ["TST103", "TST104"]
    assert PhaseEdits([every_claim]).for_claim(plain) == (every_claim,)


def test_codes_must_be_a_frozenset() -> None:
    with pytest.raises(ValueError, match="frozenset"):
        Edit(code="TST199", summary="s", check=lambda c, x: (), citation="r", codes={"1"})  # type: ignore[arg-type]


def test_the_infusion_edits_watch_their_families() -> None:
    from scrubber._api import Plugins

    edits = {e.code: e for e in Plugins.load().edits}
    infusion = [e for e in edits.values() if e.plugin == "scrubber_infusion"]
    assert infusion and all(e.codes and {"99601", "99602"} <= e.codes for e in infusion)
    assert all(e.codes is None for e in edits.values() if e.plugin == "scrubber_mue")
