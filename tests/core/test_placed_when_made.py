"""A line finding ``ctx.finding`` makes in the engine comes placed on its input line; one an
edit builds by hand is placed after the round; both end up the same.

The engine makes a finding once: ``ctx.finding`` already names the input line (the line's
``origin``) with the line as the phase saw it in ``output_lines``, and the engine only follows
that through the fixes applied after it, copying the finding only when they moved the line.
An edit may also build a ``Finding`` itself with the line as its phase saw it (no output
lines): that one is placed after the round. A copy of a placed finding
(``dataclasses.replace``) is still placed. The report cannot tell them apart.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from scrubber._edits import PhaseEdits, edit
from scrubber._engine import scrub_claim
from scrubber._findings import Finding, Phase, Severity
from scrubber._fixes import RemoveLine, SplitLine, SplitPart
from scrubber._profiles import load_profile
from scrubber._tables import MemoryTables
from scrubber.testing import make_claim, make_line, run_edit

D = Decimal
PROFILE = load_profile(None, [])
TABLES = MemoryTables()


@edit("TSP001", summary="split A in two", citation="test rule", phase=Phase.NORMALIZE)
def split_a(claim, ctx):
    for line in claim.lines:
        if line.code == "A" and line.units == 2:  # split once: the output is left alone
            parts = (SplitPart(units=D(1)), SplitPart(units=D(1)))
            yield ctx.finding(line, "A split", fixes=[SplitLine(line=line.number, parts=parts)])


@edit("TSP002", summary="B seen", citation="test rule", phase=Phase.LIMIT)
def see_b(claim, ctx):
    for line in claim.lines:
        if line.code == "B":
            yield ctx.finding(line, "B by the context")
            made = ctx.finding(line, "B to be copied")
            yield replace(made, message="B by a copy", severity=Severity.WARNING)
            yield Finding(
                code="TSP002",
                severity=Severity.INFO,
                message="B by hand",
                claim_id=claim.id,
                line=line.number,
            )


@edit("TSP003", summary="C removed", citation="test rule", phase=Phase.LIMIT)
def drop_c(claim, ctx):
    for line in claim.lines:
        if line.code == "C":
            yield ctx.finding(line, "C removed", fixes=[RemoveLine(line=line.number)])


@edit("TSP004", summary="B noted last", citation="test rule", phase=Phase.ANNOTATE)
def note_b(claim, ctx):
    for line in claim.lines:
        if line.code == "B":
            yield ctx.finding(line.number, "B at the end")
    yield ctx.finding(99, "a line the claim does not have")


def _claim():
    return make_claim(
        lines=[
            make_line(code="A", units=2),
            make_line(code="C"),
            make_line(code="B"),
        ]
    )


def test_findings_made_by_the_context_and_by_hand_name_the_same_lines() -> None:
    result = scrub_claim(
        _claim(), edits=[split_a, see_b, drop_c, note_b], tables=TABLES, profile=PROFILE
    )
    # input: A(1) C(2) B(3); normalize splits A: A A C B; limit removes C: A A B
    assert [ln.code for ln in result.claim.lines] == ["A", "A", "B"]
    placed = {(f.code, f.message): (f.line, f.output_lines) for f in result.findings}
    assert placed == {
        ("TSP001", "A split"): (1, (1, 2)),
        ("TSP002", "B by the context"): (3, (3,)),
        ("TSP002", "B by hand"): (3, (3,)),
        ("TSP002", "B by a copy"): (3, (3,)),
        ("TSP003", "C removed"): (2, ()),
        ("TSP004", "B at the end"): (3, (3,)),
        ("TSP004", "a line the claim does not have"): (99, ()),
    }


def test_outside_the_engine_a_finding_names_the_line_as_given() -> None:
    split = make_claim(
        lines=[make_line(code="A"), make_line(code="A", origin=1), make_line(code="B", origin=2)]
    )
    (by_context, by_copy, by_hand) = run_edit(see_b, split, tables=TABLES)
    assert (by_context.line, by_context.output_lines) == (3, ())
    assert (by_copy.line, by_copy.output_lines) == (3, ())
    assert (by_hand.line, by_hand.output_lines) == (3, ())


@edit("TSP005", summary="watches A", citation="test rule", codes=("A",))
def watch_a(claim, ctx):
    return ()


@edit("TSP006", summary="watches A too", citation="test rule", codes=("A", "B"))
def watch_ab(claim, ctx):
    return ()


def test_a_phase_remembers_the_edits_each_set_of_watched_codes_selects() -> None:
    """The choice of edits is made once per set of watched codes billed, and is the same
    choice the codes would make afresh."""
    phase = PhaseEdits([watch_a, watch_ab])
    billing_a = make_claim(lines=[make_line(code="A")])
    assert phase.for_claim(billing_a) == phase.edits
    assert phase.for_claim(billing_a) is phase.for_claim(billing_a)  # remembered
    billing_b = make_claim(lines=[make_line(code="B")])
    assert phase.for_claim(billing_b) == (watch_ab,)
    assert phase.for_claim(make_claim(lines=[make_line(code="Z")])) == ()
