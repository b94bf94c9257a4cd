"""The engine scrubs a claim again when a later phase changed lines an earlier phase judged.

Scrubbing the output again must change nothing; when the limit phase removes a line the
normalize phase had judged with it, the normalize edits would judge what is left differently
on the next scrub, so the engine does that scrub itself (every phase), until a round proposes
nothing, at most ``MAX_ROUNDS`` rounds.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from scrubber._edits import edit
from scrubber._engine import MAX_ROUNDS, UNSETTLED_CODE, scrub, scrub_claim
from scrubber._findings import Phase, Severity
from scrubber._fixes import AddNote, RemoveLine, SetUnits, SplitLine, SplitPart
from scrubber._profiles import load_profile
from scrubber._rounds import Round, _trusted_maker
from scrubber._tables import MemoryTables
from scrubber.testing import make_claim, make_line

D = Decimal
PROFILE = load_profile(None, [])
TABLES = MemoryTables()
CALLS: Counter[str] = Counter()


@edit("TSN001", summary="minutes of a lone A", citation="test rule", phase=Phase.NORMALIZE)
def lone_minutes(claim, ctx):
    """Converts A's minutes only when A is alone on the claim (like an add-on judged by the
    lines beside it); two A lines are left for a correction by hand."""
    CALLS["TSN001"] += 1
    timed = [ln for ln in claim.lines if ln.code == "A" and ln.unit_basis == "MJ"]
    if len([ln for ln in claim.lines if ln.code == "A"]) > 1:
        for line in timed:
            yield ctx.finding(line, "several A lines: correct them by hand")
        return
    for line in timed:
        part = SplitPart(units=D(1), unit_basis="UN")
        yield ctx.finding(
            line, "A minutes to one unit", fixes=[SplitLine(line=line.number, parts=(part,))]
        )


@edit("TSL001", summary="A at most once", citation="test rule", phase=Phase.LIMIT)
def cap_a(claim, ctx):
    CALLS["TSL001"] += 1
    lines = [ln for ln in claim.lines if ln.code == "A"]
    for line in lines[1:]:
        yield ctx.finding(line, "A over its limit", fixes=[RemoveLine(line=line.number)])


@edit("TSN002", summary="B up by one", citation="test rule", phase=Phase.NORMALIZE, codes=("B",))
def b_up(claim, ctx):
    for line in claim.lines:
        if line.code == "B":
            units = line.units + 1
            yield ctx.finding(line, "B up", fixes=[SetUnits(line=line.number, units=units)])


@edit("TSN004", summary="B to 3", citation="test rule", phase=Phase.NORMALIZE, codes=("B",))
def b_three(claim, ctx):
    for line in claim.lines:
        if line.code == "B" and line.units != 3:
            yield ctx.finding(line, "B to 3", fixes=[SetUnits(line=line.number, units=D(3))])


@edit("TSL002", summary="no Z beside B", citation="test rule", phase=Phase.LIMIT)
def drop_z(claim, ctx):
    if any(ln.code == "B" for ln in claim.lines):
        for line in claim.lines:
            if line.code == "Z":
                yield ctx.finding(line, "Z dropped", fixes=[RemoveLine(line=line.number)])


@edit("TSL004", summary="B down", citation="test rule", phase=Phase.LIMIT)
def b_down(claim, ctx):
    for line in claim.lines:
        if line.code == "B" and line.units > 1:
            yield ctx.finding(line, "B down", fixes=[SetUnits(line=line.number, units=D(1))])


@edit("TSL005", summary="A to 2", citation="test rule", phase=Phase.LIMIT)
def cap_two_a(claim, ctx):
    for line in claim.lines:
        if line.code == "A" and line.units > 2:
            yield ctx.finding(line, "A capped", fixes=[SetUnits(line=line.number, units=D(2))])


@edit("TSN003", summary="only C", citation="test rule", phase=Phase.NORMALIZE, codes=("C",))
def only_c(claim, ctx):
    CALLS["TSN003"] += 1
    return ()


@edit("TSL003", summary="cap Z", citation="test rule", phase=Phase.LIMIT)
def cap_z(claim, ctx):
    for line in claim.lines:
        if line.code == "Z" and line.units > 1:
            yield ctx.finding(line, "Z capped", fixes=[SetUnits(line=line.number, units=D(1))])


@edit("TSA001", summary="note", citation="test rule", phase=Phase.ANNOTATE, severity=Severity.INFO)
def note_every_line(claim, ctx):
    for line in claim.lines:
        yield ctx.finding(line, "noted", fixes=[AddNote(line=line.number, text="SEEN")])


def _two_a(**kw):
    return make_claim(
        lines=[
            make_line(code="Z", units=1),
            make_line(code="A", units=45, unit_basis="MJ", minutes=D(45)),
            make_line(code="A", units=330, unit_basis="MJ", minutes=D(330)),
        ],
        **kw,
    )


def test_a_claim_a_later_phase_changed_is_scrubbed_again_until_it_settles() -> None:
    edits = [lone_minutes, cap_a]
    result = scrub_claim(_two_a(), edits=edits, tables=TABLES, profile=PROFILE)
    assert [(ln.code, ln.units, ln.unit_basis) for ln in result.claim.lines] == [
        ("Z", D(1), "UN"),
        ("A", D(1), "UN"),
    ]
    again = scrub_claim(result.claim, edits=edits, tables=TABLES, profile=PROFILE)
    assert again.claim is result.claim  # scrubbing the output changes nothing
    # input line numbers throughout; output lines followed through the later rounds
    placed = [(f.code, f.line, f.output_lines, f.message) for f in result.findings]
    assert placed == [
        ("TSN001", 2, (2,), "A minutes to one unit"),
        ("TSN001", 2, (2,), "several A lines: correct them by hand"),
        ("TSL001", 3, (), "A over its limit"),
        ("TSN001", 3, (), "several A lines: correct them by hand"),
    ]
    assert [a.by for a in result.applied] == ["TSL001", "TSN001"]
    assert UNSETTLED_CODE not in {f.code for f in result.findings}


def test_findings_repeated_by_a_later_round_are_kept_once() -> None:
    result = scrub_claim(_two_a(), edits=[lone_minutes, cap_a], tables=TABLES, profile=PROFILE)
    keys = [(f.code, f.line, f.message) for f in result.findings]
    assert len(keys) == len(set(keys))


def _b_and_z():
    return make_claim(lines=[make_line(code="B", units=1), make_line(code="Z", units=1)])


def test_a_claim_that_does_not_settle_keeps_its_last_form_with_a_warning() -> None:
    result = scrub_claim(_b_and_z(), edits=[b_up, drop_z], tables=TABLES, profile=PROFILE)
    assert [(ln.code, ln.units) for ln in result.claim.lines] == [("B", D(1 + MAX_ROUNDS))]
    [unsettled] = [f for f in result.findings if f.code == UNSETTLED_CODE]
    assert unsettled.severity is Severity.WARNING and unsettled.line is None
    assert f"did not settle in {MAX_ROUNDS} rounds" in unsettled.message


def test_a_round_that_undoes_and_redoes_the_same_fixes_has_settled() -> None:
    """The time rules set 3 units, the cap 1 again: the claim comes out of the second round
    as it went in, which is what a second scrub would find (no SCR004, and the fixes of that
    round are not counted as applied)."""
    edits = [b_three, b_down, drop_z]
    result = scrub_claim(_b_and_z(), edits=edits, tables=TABLES, profile=PROFILE)
    assert [(ln.code, ln.units) for ln in result.claim.lines] == [("B", D(1))]
    assert UNSETTLED_CODE not in {f.code for f in result.findings}
    assert [a.by for a in result.applied] == ["TSN004", "TSL004", "TSL002"]  # round 1 only
    again = scrub_claim(result.claim, edits=edits, tables=TABLES, profile=PROFILE)
    assert again.claim == result.claim


def test_only_claims_a_later_phase_removed_a_line_of_pay_for_a_round() -> None:
    CALLS.clear()
    untouched = make_claim(lines=[make_line(code="A", units=1)])
    scrub_claim(untouched, edits=[lone_minutes, cap_a], tables=TABLES, profile=PROFILE)
    assert CALLS["TSN001"] == 1
    # a note from a later phase is recognised by the note itself: no second round
    noted = make_claim(lines=[make_line(code="A", units=45, unit_basis="MJ", minutes=D(45))])
    scrub_claim(noted, edits=[lone_minutes, note_every_line], tables=TABLES, profile=PROFILE)
    assert CALLS["TSN001"] == 2
    # units a later phase reduced are recognised by the edits on a later scrub
    CALLS.clear()
    reduced = make_claim(lines=[make_line(code="A", units=3)])
    scrub_claim(reduced, edits=[lone_minutes, cap_two_a], tables=TABLES, profile=PROFILE)
    assert CALLS["TSN001"] == 1
    # no edit of an earlier phase looked at the claim: nothing to judge again
    capped = make_claim(lines=[make_line(code="Z", units=4)])
    result = scrub_claim(capped, edits=[only_c, cap_z], tables=TABLES, profile=PROFILE)
    assert result.claim.lines[0].units == D(1) and CALLS["TSN003"] == 0


def test_history_counts_a_claim_scrubbed_in_rounds_once() -> None:
    @edit("TSI001", summary="prior A", citation="test rule", severity=Severity.INFO)
    def prior_a(claim, ctx):
        line = claim.lines[0]
        yield ctx.finding(None, f"prior A {ctx.prior_units('A', line.service_date)}")

    claims = [_two_a(id="C1"), _two_a(id="C2")]
    results = list(
        scrub(claims, edits=[lone_minutes, cap_a, prior_a], tables=TABLES, profile=PROFILE)
    )
    messages = [f.message for f in results[1].findings if f.code == "TSI001"]
    assert messages == ["prior A 1"]  # the first claim's one A unit, counted once


def test_results_are_made_field_by_field_only_while_the_fields_are_those_expected() -> None:
    """The engine builds each result and round without the dataclass __init__; a field
    added to or moved in either must stop it at import, never fill the wrong slot."""
    with pytest.raises(TypeError, match="Round fields are"):
        _trusted_maker(Round, ("findings", "claim", "applied", "failures", "line_maps", "revisit"))
    make = _trusted_maker(
        Round, ("claim", "findings", "applied", "failures", "line_maps", "revisit")
    )
    claim = make_claim()
    made = make(claim, [], (), (), [()], False)
    expected = Round(
        claim=claim, findings=[], applied=(), failures=(), line_maps=[()], revisit=False
    )
    assert made == expected and type(made) is Round
