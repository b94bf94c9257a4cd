"""Edits that share a screen run only on claims the screen passes; the screen runs once per
claim and phase, and a screen that raises never hides its edits' findings."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from scrubber._edits import EditContext, PhaseEdits, edit
from scrubber._engine import scrub
from scrubber._findings import Finding, Severity
from scrubber._models import Claim
from scrubber._profiles import load_profile
from scrubber._tables import MemoryTables
from scrubber.testing import make_claim, make_line

PROFILE = load_profile(None, [])
TABLES = MemoryTables()
CALLS: list[str] = []


def over_two(claim: Claim, ctx: EditContext) -> bool:
    CALLS.append(f"screen {claim.id}")
    return any(line.units > 2 for line in claim.lines)


def only_the_claim_level_one(claim: Claim, ctx: EditContext) -> frozenset[str]:
    return frozenset({"TST202"}) if claim.id == "OVER" else frozenset()


def broken(claim: Claim, ctx: EditContext) -> bool:
    raise RuntimeError("screen bug")


@edit("TST201", summary="units over 2", citation="test rule", screen=over_two)
def units_over_two(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    CALLS.append(f"TST201 {claim.id}")
    for line in claim.lines:
        if line.units > 2:
            yield ctx.finding(line, "over 2")


@edit("TST202", summary="same screen", citation="test rule", screen=over_two)
def also_over_two(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    CALLS.append(f"TST202 {claim.id}")
    yield ctx.finding(None, "claim has a line over 2")


@edit("TST203", summary="no screen", citation="test rule", severity=Severity.INFO)
def always(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    CALLS.append(f"TST203 {claim.id}")
    return iter(())


@edit("TST204", summary="broken screen", citation="test rule", screen=broken)
def behind_a_broken_screen(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    yield ctx.finding(None, "still checked")


def _claims() -> list[Claim]:
    return [
        make_claim(id="CLEAN", lines=[make_line(units=1), make_line(units=2)]),
        make_claim(id="OVER", lines=[make_line(units=1), make_line(units=3)]),
    ]


def test_edits_sharing_a_screen_are_skipped_together() -> None:
    CALLS.clear()
    edits = [units_over_two, also_over_two, always]
    clean, over = scrub(_claims(), edits=edits, tables=TABLES, profile=PROFILE)
    assert clean.findings == () and not clean.changed
    assert [(f.code, f.line) for f in over.findings] == [("TST202", None), ("TST201", 2)]
    assert CALLS == [
        "screen CLEAN",  # once for both edits
        "TST203 CLEAN",
        "screen OVER",
        "TST201 OVER",
        "TST202 OVER",
        "TST203 OVER",
    ]


def test_a_screen_that_raises_lets_its_edits_run() -> None:
    results = list(scrub(_claims(), edits=[behind_a_broken_screen], tables=TABLES, profile=PROFILE))
    assert [[f.message for f in r.findings] for r in results] == [["still checked"]] * 2
    with pytest.raises(RuntimeError, match="screen bug") as raised:
        list(
            scrub(
                _claims(),
                edits=[behind_a_broken_screen],
                tables=TABLES,
                profile=PROFILE,
                strict=True,
            )
        )
    assert "screen of edit TST204 on claim CLEAN" in raised.value.__notes__


def test_a_screen_may_name_the_edits_that_run() -> None:
    CALLS.clear()
    edits = [
        dataclasses.replace(e, screen=only_the_claim_level_one)
        for e in (units_over_two, also_over_two)
    ]
    clean, over = scrub(_claims(), edits=edits, tables=TABLES, profile=PROFILE)
    assert clean.findings == ()
    assert [f.code for f in over.findings] == ["TST202"]
    assert CALLS == ["TST202 OVER"]  # an empty set runs nothing, TST201 was not named


def test_a_phase_of_edits_sharing_one_screen_is_skipped_whole_on_a_claim_it_passes() -> None:
    CALLS.clear()
    edits = [units_over_two, also_over_two]
    assert PhaseEdits(edits).screen is over_two
    assert PhaseEdits([*edits, always]).screen is None  # TST203 has no screen
    clean, over = scrub(_claims(), edits=edits, tables=TABLES, profile=PROFILE)
    assert clean.findings == () and not clean.changed
    assert [(f.code, f.line) for f in over.findings] == [("TST202", None), ("TST201", 2)]
    assert CALLS == ["screen CLEAN", "screen OVER", "TST201 OVER", "TST202 OVER"]


def test_a_shared_screen_serves_the_edits_a_claim_selects() -> None:
    """When the watched codes a claim bills select only some of a phase's edits (all of which
    share one screen), the screen is still asked once and only the selected edits it passes
    run; a claim it passes runs none of them."""
    CALLS.clear()
    watching = [
        dataclasses.replace(units_over_two, codes=frozenset({"A"})),
        dataclasses.replace(also_over_two, codes=frozenset({"B"})),
    ]
    claims = [
        make_claim(id="CLEAN", lines=[make_line(code="A", units=1)]),
        make_claim(id="OVER", lines=[make_line(code="A", units=3)]),
    ]
    clean, over = scrub(claims, edits=watching, tables=TABLES, profile=PROFILE)
    assert clean.findings == ()
    assert [(f.code, f.line) for f in over.findings] == [("TST201", 1)]
    assert CALLS == ["screen CLEAN", "screen OVER", "TST201 OVER"]  # TST202 not selected


def test_the_edits_a_screen_names_are_the_same_whichever_way_they_are_picked() -> None:
    """``PhaseEdits.named`` keeps the edits per answer when a claim selects every edit of the
    phase (the same tuple again for the same answer) and filters otherwise: both give the
    edits of the selection the answer names, in code order."""
    watching = [
        dataclasses.replace(units_over_two, codes=frozenset({"A"})),
        dataclasses.replace(also_over_two, codes=frozenset({"B"})),
    ]
    phase = PhaseEdits(reversed(watching))
    both = make_claim(lines=[make_line(code="B"), make_line(code="A")])
    only_a = make_claim(lines=[make_line(code="A")])
    whole = phase.for_claim(both)
    assert whole == phase.edits  # every edit selected
    part = phase.for_claim(only_a)
    assert [e.code for e in part] == ["TST201"]
    for answer in (frozenset({"TST202", "TST201"}), frozenset({"TST202"}), frozenset()):
        for selected in (whole, part):
            plain = [e for e in selected if e.code in answer]
            assert list(phase.named(selected, answer)) == plain
            assert list(phase.named(selected, set(answer))) == plain  # not a frozenset
    assert phase.named(whole, frozenset({"TST202"})) is phase.named(whole, frozenset({"TST202"}))
