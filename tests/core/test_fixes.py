"""The fix algebra: totals stay consistent, splits keep lineage, conflicts are rejected."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrubber._fixes import (
    AddNote,
    RemoveLine,
    RequestAttachment,
    SetModifiers,
    SetUnits,
    SplitLine,
    SplitPart,
    apply_fixes,
    merge_note,
    prorate,
)
from scrubber._models import Attachment
from scrubber.testing import make_claim, make_line

D = Decimal


def two_line_claim():
    return make_claim(
        lines=[
            make_line(code="99601", units=4, charge="400.00", control_number="L1"),
            make_line(code="J1100", units=3, charge="10.00", diagnosis_pointers=(1, 2)),
        ]
    )


def test_set_units_prorates_charge_and_total() -> None:
    claim = two_line_claim()
    out = apply_fixes(claim, [("T001", SetUnits(line=1, units=D(3)))])
    assert out.claim.lines[0].units == D(3)
    assert out.claim.lines[0].charge == D("300.00")
    assert out.claim.total_charge == D("310.00") == out.claim.line_charge_total


def test_set_units_rounds_half_up_to_cents() -> None:
    claim = make_claim(lines=[make_line(units=3, charge="100.00")])
    out = apply_fixes(claim, [("T001", SetUnits(line=1, units=D(2)))])
    assert out.claim.lines[0].charge == D("66.67")


def test_split_shares_charge_keeps_total_and_lineage() -> None:
    claim = make_claim(lines=[make_line(units=3, charge="100.00", control_number="ABC")])
    split = SplitLine(
        line=1, parts=(SplitPart(units=D(2)), SplitPart(units=D(1), add_modifiers=("GD",)))
    )
    out = apply_fixes(claim, [("T001", split)]).claim
    assert [ln.charge for ln in out.lines] == [D("66.67"), D("33.33")]
    assert out.total_charge == D("100.00")
    assert [ln.control_number for ln in out.lines] == ["ABC-1", "ABC-2"]
    assert [ln.number for ln in out.lines] == [1, 2]
    assert [ln.origin for ln in out.lines] == [1, 1]
    assert out.lines[1].modifiers == ("GD",)


def test_split_without_control_number_derives_one_from_claim_and_origin() -> None:
    claim = make_claim(id="C9", lines=[make_line(units=2)])
    split = SplitLine(line=1, parts=(SplitPart(units=D(1)), SplitPart(units=D(1))))
    out = apply_fixes(claim, [("T001", split)]).claim
    assert [ln.control_number for ln in out.lines] == ["C9-1-1", "C9-1-2"]


def test_split_with_new_code_and_basis_drops_minutes() -> None:
    claim = make_claim(lines=[make_line(code="99601", units=330, unit_basis="MJ", minutes=D(330))])
    split = SplitLine(
        line=1,
        parts=(
            SplitPart(units=D(1), unit_basis="UN"),
            SplitPart(units=D(3), code="99602", unit_basis="UN"),
        ),
    )
    lines = apply_fixes(claim, [("T001", split)]).claim.lines
    assert [(ln.code, ln.units, ln.unit_basis, ln.minutes) for ln in lines] == [
        ("99601", D(1), "UN", None),
        ("99602", D(3), "UN", None),
    ]


def test_split_part_copies_dates_pointers_and_adds_attachment() -> None:
    claim = two_line_claim()
    att = Attachment(report_type="M1", transmission="FX", control_number="C1-2")
    split = SplitLine(
        line=2,
        parts=(SplitPart(units=D(2)), SplitPart(units=D(1), attachment=att, note="OVER MUE")),
    )
    out = apply_fixes(claim, [("T001", split)]).claim
    assert len(out.lines) == 3
    assert out.lines[2].diagnosis_pointers == (1, 2)
    assert out.lines[2].service_from == claim.lines[1].service_from
    assert out.lines[2].attachments == (att,)
    assert out.lines[2].note == "OVER MUE"
    assert out.lines[1].attachments == ()


def test_explicit_part_charges_must_add_up() -> None:
    claim = make_claim(lines=[make_line(units=2, charge="100.00")])
    bad = SplitLine(
        line=1, parts=(SplitPart(units=D(1), charge=D(10)), SplitPart(units=D(1), charge=D(10)))
    )
    out = apply_fixes(claim, [("T001", bad)])
    assert out.claim is claim
    assert "add up" in out.rejected[0].reason


def test_notes_merge_once() -> None:
    assert merge_note(None, "A") == "A"
    assert merge_note("A", "B") == "A; B"
    assert merge_note("A; B", "B") == "A; B"
    claim = make_claim(lines=[make_line()])
    out = apply_fixes(
        claim,
        [
            ("T001", AddNote(line=1, text="UNITS CAPPED")),
            ("T002", AddNote(line=None, text="SEE PWK")),
            ("T003", AddNote(line=1, text="UNITS CAPPED")),
        ],
    ).claim
    assert out.lines[0].note == "UNITS CAPPED"
    assert out.note == "SEE PWK"


def test_attachment_on_claim_and_line() -> None:
    claim = make_claim(lines=[make_line()])
    out = apply_fixes(
        claim,
        [
            ("T001", RequestAttachment(line=None, report_type="09", transmission="AA")),
            (
                "T001",
                RequestAttachment(line=1, report_type="M1", transmission="FX", control_number="X"),
            ),
        ],
    ).claim
    assert out.attachments[0].transmission == "AA"
    assert out.lines[0].attachments[0].control_number == "X"


def test_attachment_control_number_not_allowed_with_aa() -> None:
    with pytest.raises(ValueError, match="AA"):
        RequestAttachment(line=1, report_type="M1", transmission="AA", control_number="X")


def test_remove_line_renumbers_and_moves_total() -> None:
    claim = two_line_claim()
    out = apply_fixes(claim, [("T001", RemoveLine(line=1))]).claim
    assert [(ln.number, ln.origin, ln.code) for ln in out.lines] == [(1, 2, "J1100")]
    assert out.total_charge == D("10.00")


def test_set_modifiers() -> None:
    claim = two_line_claim()
    out = apply_fixes(claim, [("T001", SetModifiers(line=2, modifiers=("59", "RT")))]).claim
    assert out.lines[1].modifiers == ("59", "RT")
    with pytest.raises(ValueError):
        SetModifiers(line=1, modifiers=("1", "2", "3", "4", "5"))


def test_conflicting_fixes_from_two_edits_first_by_code_wins() -> None:
    claim = two_line_claim()
    out = apply_fixes(
        claim, [("A001", SetUnits(line=1, units=D(2))), ("B001", SetUnits(line=1, units=D(1)))]
    )
    assert out.claim.lines[0].units == D(2)
    [rejected] = out.rejected
    assert rejected.by == "B001" and "A001" in rejected.reason


def test_same_edit_may_set_units_and_add_note_but_not_split_twice() -> None:
    claim = two_line_claim()
    split = SplitLine(line=1, parts=(SplitPart(units=D(1)), SplitPart(units=D(3))))
    out = apply_fixes(
        claim, [("A001", split), ("A001", split), ("A001", AddNote(line=1, text="N"))]
    )
    assert len(out.claim.lines) == 3
    assert len(out.rejected) == 1
    assert out.claim.lines[0].note == "N"


def test_fix_for_missing_line_is_rejected_not_raised() -> None:
    claim = two_line_claim()
    out = apply_fixes(claim, [("A001", SetUnits(line=7, units=D(1)))])
    assert out.claim is claim and "no line 7" in out.rejected[0].reason


def test_unbalanced_claim_is_not_made_worse() -> None:
    claim = make_claim(lines=[make_line(units=2, charge="50.00")], total_charge=D("60.00"))
    out = apply_fixes(claim, [("A001", SetUnits(line=1, units=D(1)))]).claim
    assert out.total_charge - out.line_charge_total == D("10.00")


def test_prorate_with_zero_units_keeps_charge() -> None:
    assert prorate(D("12.00"), D(1), D(0)) == D("12.00")


money = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)
units = st.integers(min_value=1, max_value=500)


@given(
    charges=st.lists(st.tuples(money, units), min_size=1, max_size=6),
    data=st.data(),
)
def test_any_fixes_keep_total_equal_to_line_sum(charges, data) -> None:
    lines = [make_line(units=u, charge=c, service_from=date(2026, 1, 2)) for c, u in charges]
    claim = make_claim(lines=lines)
    fixes = []
    for line in claim.lines:
        choice = data.draw(st.sampled_from(["none", "set", "split", "remove", "note"]))
        if choice == "set":
            fixes.append(("A001", SetUnits(line=line.number, units=D(data.draw(units)))))
        elif choice == "split":
            parts = data.draw(st.lists(units, min_size=2, max_size=4))
            fixes.append(
                (
                    "A001",
                    SplitLine(line=line.number, parts=tuple(SplitPart(units=D(p)) for p in parts)),
                )
            )
        elif choice == "remove":
            fixes.append(("A001", RemoveLine(line=line.number)))
        elif choice == "note":
            fixes.append(("A001", AddNote(line=line.number, text="N")))
    out = apply_fixes(claim, fixes).claim
    assert out.total_charge == out.line_charge_total
    assert [ln.number for ln in out.lines] == list(range(1, len(out.lines) + 1))
    assert all(ln.charge >= 0 for ln in out.lines)
