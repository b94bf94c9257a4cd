"""The engine: phases see earlier fixes, failures are isolated, history spans claims."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scrubber._edits import edit
from scrubber._engine import CONFLICT_CODE, scrub, scrub_claim
from scrubber._findings import Phase, Severity
from scrubber._fixes import SetUnits, SplitLine, SplitPart
from scrubber._profiles import load_profile
from scrubber._tables import MemoryTables
from scrubber.testing import make_claim, make_line

D = Decimal
PROFILE = load_profile(None, [])
TABLES = MemoryTables()


@edit("TST001", summary="split 99601 minutes", citation="test rule", phase=Phase.NORMALIZE)
def split_minutes(claim, ctx):
    for line in claim.lines:
        if line.code == "99601" and line.unit_basis == "MJ":
            parts = (
                SplitPart(units=D(1), unit_basis="UN"),
                SplitPart(units=D(3), code="99602", unit_basis="UN"),
            )
            yield ctx.finding(
                line, "minutes to units", fixes=[SplitLine(line=line.number, parts=parts)]
            )


@edit("TST002", summary="count 99602 units", citation="test rule", severity=Severity.INFO)
def count_addon(claim, ctx):
    total = sum((ln.units for ln in claim.lines if ln.code == "99602"), D(0))
    yield ctx.finding(None, f"99602 units {total}")


@edit("TST003", summary="cap to 2", citation="test rule")
def cap_two(claim, ctx):
    for line in claim.lines:
        if line.units > 2:
            yield ctx.finding(line, "cap", fixes=[SetUnits(line=line.number, units=D(2))])


@edit("TST004", summary="cap to 1", citation="test rule")
def cap_one(claim, ctx):
    for line in claim.lines:
        if line.units > 1:
            yield ctx.finding(line, "cap", fixes=[SetUnits(line=line.number, units=D(1))])


@edit("BOOM001", summary="always raises", citation="test rule")
def always_raises(claim, ctx):
    raise RuntimeError("boom")


@edit("TST005", summary="prior units", citation="test rule", severity=Severity.INFO)
def prior(claim, ctx):
    line = claim.lines[0]
    yield ctx.finding(line, f"prior {ctx.prior_units(line.code, line.service_date)}")


def infusion_claim(**kw):
    return make_claim(
        lines=[
            make_line(code="99601", units=330, unit_basis="MJ", minutes=D(330), charge="400.00")
        ],
        **kw,
    )


def test_limit_phase_sees_lines_the_normalize_phase_produced() -> None:
    result = scrub_claim(
        infusion_claim(), edits=[count_addon, split_minutes], tables=TABLES, profile=PROFILE
    )
    messages = {f.code: f.message for f in result.findings}
    assert messages["TST002"] == "99602 units 3"
    assert [(ln.code, ln.units) for ln in result.claim.lines] == [("99601", D(1)), ("99602", D(3))]
    assert result.changed and result.original.lines[0].code == "99601"


def test_fixes_across_phases_compose() -> None:
    result = scrub_claim(
        infusion_claim(), edits=[split_minutes, cap_two], tables=TABLES, profile=PROFILE
    )
    assert [(ln.code, ln.units) for ln in result.claim.lines] == [("99601", D(1)), ("99602", D(2))]
    assert result.claim.total_charge == result.claim.line_charge_total == D("300.00")
    assert [a.by for a in result.applied] == ["TST001", "TST003"]


def test_conflicting_fixes_in_one_phase_are_reported() -> None:
    claim = make_claim(lines=[make_line(units=5)])
    result = scrub_claim(claim, edits=[cap_one, cap_two], tables=TABLES, profile=PROFILE)
    assert result.claim.lines[0].units == D(2)  # TST003 sorts before TST004
    conflict = [f for f in result.findings if f.code == CONFLICT_CODE]
    assert len(conflict) == 1 and "TST004" in conflict[0].message


def test_raising_edit_is_isolated_and_recorded() -> None:
    claim = make_claim(lines=[make_line(units=5)])
    result = scrub_claim(claim, edits=[always_raises, cap_two], tables=TABLES, profile=PROFILE)
    assert [(f.code, f.exc_type) for f in result.failures] == [("BOOM001", "RuntimeError")]
    assert result.claim.lines[0].units == D(2)


def test_strict_reraises() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        scrub_claim(
            make_claim(lines=[make_line()]),
            edits=[always_raises],
            tables=TABLES,
            profile=PROFILE,
            strict=True,
        )


def test_unchanged_claim_is_the_same_object() -> None:
    claim = make_claim(lines=[make_line(units=1)])
    result = scrub_claim(claim, edits=[cap_two], tables=TABLES, profile=PROFILE)
    assert result.claim is claim and not result.changed


def test_findings_sorted_by_line_then_code() -> None:
    claim = make_claim(lines=[make_line(units=5), make_line(units=5)])
    result = scrub_claim(claim, edits=[cap_two, count_addon], tables=TABLES, profile=PROFILE)
    assert [(f.line, f.code) for f in result.findings] == [
        (None, "TST002"),
        (1, "TST003"),
        (2, "TST003"),
    ]


def test_scrub_is_lazy_and_history_spans_claims_of_one_patient() -> None:
    consumed = []

    def claims():
        for n, patient in enumerate(["p1", "p1", "p2"]):
            consumed.append(n)
            yield make_claim(
                id=f"C{n}", lines=[make_line(code="97110", units=3)], patient_key=patient
            )

    results = scrub(claims(), edits=[prior], tables=TABLES, profile=PROFILE)
    first = next(results)
    assert consumed == [0]
    rest = list(results)
    assert [r.findings[0].message for r in [first, *rest]] == ["prior 0", "prior 3", "prior 0"]


def test_history_records_units_after_fixes() -> None:
    claims = [make_claim(id=f"C{n}", lines=[make_line(code="97110", units=5)]) for n in range(2)]
    results = list(scrub(claims, edits=[cap_two, prior], tables=TABLES, profile=PROFILE))
    assert [f.message for f in results[1].findings if f.code == "TST005"] == ["prior 2"]


def test_memo_is_shared_by_one_phase_and_fresh_for_the_next_claim() -> None:
    calls = []

    def expensive():
        calls.append(1)
        return D(7)

    @edit("TST006", summary="memo a", citation="test rule", severity=Severity.INFO)
    def memo_a(claim, ctx):
        yield ctx.finding(None, f"a {ctx.memo('shared', expensive)}")

    @edit("TST007", summary="memo b", citation="test rule", severity=Severity.INFO)
    def memo_b(claim, ctx):
        yield ctx.finding(None, f"b {ctx.memo('shared', expensive)}")

    claims = [make_claim(id=f"C{n}", lines=[make_line()]) for n in range(2)]
    results = list(scrub(claims, edits=[memo_a, memo_b], tables=TABLES, profile=PROFILE))
    assert [f.message for f in results[0].findings] == ["a 7", "b 7"]
    assert len(calls) == 2  # once per claim, not once per edit


def test_each_phase_sees_its_own_claim_and_a_fresh_memo() -> None:
    """One context serves a claim's phases: each phase gets the claim as the earlier phases
    left it and a memo of its own."""
    seen = []

    @edit("TST008", summary="memo in normalize", citation="test rule", phase=Phase.NORMALIZE)
    def normalize_memo(claim, ctx):
        seen.append(("normalize", ctx.memo("shared", lambda: "normalize"), ctx.claim.lines[0]))
        yield from cap_two.check(claim, ctx)

    @edit("TST009", summary="memo in limit", citation="test rule", severity=Severity.INFO)
    def limit_memo(claim, ctx):
        seen.append(("limit", ctx.memo("shared", lambda: "limit"), ctx.claim.lines[0]))
        return iter(())

    claim = make_claim(lines=[make_line(code="97110", units=5)])
    result = scrub_claim(claim, edits=[normalize_memo, limit_memo], tables=TABLES, profile=PROFILE)
    assert [(phase, memo, line.units) for phase, memo, line in seen] == [
        ("normalize", "normalize", D(5)),
        ("limit", "limit", D(2)),
    ]
    assert result.claim.lines[0].units == D(2)
