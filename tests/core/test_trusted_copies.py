"""The engine copies lines, claims and findings without their constructors (a fraction of the
cost on a batch where most claims need a fix). What it makes must be what the constructor
would have made: equal, frozen, and passing every check the constructor runs."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrubber import Claim, ClaimPiece, EditContext, Finding, Severity, TableRowRef, edit
from scrubber._fixes import (
    AddNote,
    Fix,
    RemoveLine,
    RequestAttachment,
    SetModifiers,
    SetUnits,
    SplitLine,
    SplitPart,
    apply_fixes,
)
from scrubber.testing import make_claim, make_line, run_edit

D = Decimal

units = st.decimals(min_value=D("0.25"), max_value=D("40"), places=2)
line_numbers = st.integers(1, 3)
fixes: st.SearchStrategy[Fix] = st.one_of(
    st.builds(SetUnits, line=line_numbers, units=units, unit_basis=st.none() | st.just("MJ")),
    st.builds(
        SplitLine,
        line=line_numbers,
        parts=st.lists(
            st.builds(
                SplitPart,
                units=units,
                code=st.none() | st.just("99602"),
                add_modifiers=st.just(("GD",)),
                note=st.none() | st.just("EXCESS"),
            ),
            min_size=1,
            max_size=3,
        ).map(tuple),
    ),
    st.builds(AddNote, line=st.none() | line_numbers, text=st.just("NOTE")),
    st.builds(
        RequestAttachment,
        line=st.none() | line_numbers,
        report_type=st.just("09"),
        transmission=st.just("AA"),
    ),
    st.builds(RemoveLine, line=line_numbers),
    st.builds(SetModifiers, line=line_numbers, modifiers=st.just(("59",))),
)


def _claim() -> Claim:
    return make_claim(
        lines=[
            make_line(code="99601", units=4, charge="400.00", minutes=D(240), unit_basis="MJ"),
            make_line(code="J1100", units=3, charge="10.01", modifiers=("RT",)),
            make_line(code="97110", units=2, charge="0.00", control_number="L3"),
        ]
    )


def _rebuilt(record: object) -> object:
    """*record* made again by its constructor (every check of ``__post_init__`` runs)."""
    return dataclasses.replace(record)  # type: ignore[type-var]


@given(st.lists(st.tuples(st.sampled_from(["AAA001", "BBB002"]), fixes), max_size=6))
def test_what_fixes_make_of_a_valid_claim_passes_the_constructors_checks(
    proposed: list[tuple[str, Fix]],
) -> None:
    fixed = apply_fixes(_claim(), proposed).claim
    assert _rebuilt(fixed) == fixed
    for line in fixed.lines:
        assert _rebuilt(line) == line
        assert hash(line) == hash(_rebuilt(line))
        with pytest.raises(dataclasses.FrozenInstanceError):
            line.units = D(1)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        fixed.total_charge = D(0)  # type: ignore[misc]


ROW = TableRowRef(
    table="mue/medicare/practitioner",
    key="J1100",
    values=(("value", "1"),),
    effective=make_line().service_from,
    source_file="MCR.csv",
)


@edit("TST001", summary="a test edit", citation="test rule", severity=Severity.WARNING)
def _every_kind(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    yield ctx.finding(None, "claim level")
    yield ctx.finding(
        claim.lines[1],
        "line two",
        fixes=iter([SetUnits(line=2, units=D(1))]),
        appealable=False,
        carc="B5",
        rarc="N362",
        table_row=ROW,
        field="units",
        details={"mue": "1", "action": "cap"},
        severity=Severity.ERROR,
        code="TST002",
    )


def test_ctx_finding_is_the_finding_the_constructor_makes() -> None:
    claim = _claim()
    plain, full = run_edit(_every_kind, claim)
    assert plain == Finding(
        code="TST001",
        severity=Severity.WARNING,
        message="claim level",
        claim_id=claim.id,
        citation="test rule",
    )
    assert full == Finding(
        code="TST002",
        severity=Severity.ERROR,
        message="line two",
        claim_id=claim.id,
        line=2,
        appealable=False,
        carc="B5",
        rarc="N362",
        citation="test rule",
        table_row=ROW,
        fixes=(SetUnits(line=2, units=D(1)),),
        field="units",
        details=(("action", "cap"), ("mue", "1")),
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        full.line = 3  # type: ignore[misc]


def test_a_placed_finding_differs_from_its_source_only_in_where() -> None:
    [_, finding] = run_edit(_every_kind, _claim())
    placed = finding.placed(3, (3, 4))
    assert placed == dataclasses.replace(finding, line=3, output_lines=(3, 4))
    assert type(placed) is Finding and placed is not finding
    assert finding.line == 2 and finding.output_lines == ()  # the source is left as it was


def test_a_piece_given_findings_is_the_copy_replace_makes() -> None:
    claim = _claim()
    piece = ClaimPiece(
        claim=claim, payload=b"CLM*1~", locator="segment 7", claim_id=claim.id, problem="x"
    )
    findings = tuple(run_edit(_every_kind, claim))
    carried = piece.with_findings(findings)
    assert carried == dataclasses.replace(piece, findings=findings)
    assert type(carried) is ClaimPiece and carried is not piece
    assert piece.findings == ()  # the piece read is left as it was
    with pytest.raises(dataclasses.FrozenInstanceError):
        carried.findings = ()  # type: ignore[misc]
