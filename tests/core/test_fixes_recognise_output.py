"""The fix algebra recognises its own earlier output and never empties a claim.

A claim scrubbed twice (the EHR's export, then the clearinghouse) must come out of the second
pass unchanged, so a fix whose result is already on the claim is not applied again; and a claim
always keeps a line (837P loop 2400 and FHIR ``Claim.item`` are required).
"""

from __future__ import annotations

from decimal import Decimal

from scrubber._fixes import (
    LAST_LINE,
    AddNote,
    RemoveLine,
    RequestAttachment,
    SetModifiers,
    SetUnits,
    apply_fixes,
)
from scrubber._models import Attachment
from scrubber.testing import make_claim, make_line

RECORDS = Attachment(report_type="M1", transmission="FX", control_number="C1-MUE-1")


def test_an_attachment_already_on_the_line_is_not_requested_again() -> None:
    claim = make_claim(lines=[make_line(attachments=(RECORDS,))])
    request = RequestAttachment(
        line=1, report_type="M1", transmission="FX", control_number="C1-MUE-1"
    )
    outcome = apply_fixes(claim, [("MUE003", request)])
    assert outcome.claim is claim
    assert outcome.applied == () and outcome.rejected == ()


def test_a_different_attachment_is_still_added() -> None:
    claim = make_claim(lines=[make_line(attachments=(RECORDS,))])
    request = RequestAttachment(line=1, report_type="M1", transmission="FX", control_number="OTHER")
    outcome = apply_fixes(claim, [("MUE003", request)])
    assert [a.control_number for a in outcome.claim.lines[0].attachments] == ["C1-MUE-1", "OTHER"]


def test_a_claim_attachment_already_there_is_not_added_again() -> None:
    claim = make_claim(lines=[make_line()], attachments=(RECORDS,))
    request = RequestAttachment(
        line=None, report_type="M1", transmission="FX", control_number="C1-MUE-1"
    )
    assert apply_fixes(claim, [("X001", request)]).claim is claim


def test_notes_modifiers_and_units_already_there_are_no_fix() -> None:
    line = make_line(units=2, modifiers=("GD",), note="UNITS OVER MUE 2; REVIEW REQUESTED")
    claim = make_claim(lines=[line], note="CHECKED")
    outcome = apply_fixes(
        claim,
        [
            ("MUE004", AddNote(line=1, text="UNITS OVER MUE 2")),
            ("MUE004", SetModifiers(line=1, modifiers=("GD",))),
            ("X001", AddNote(line=None, text="CHECKED")),
        ],
    )
    assert outcome.claim is claim and outcome.applied == ()
    again = apply_fixes(claim, [("MUE002", SetUnits(line=1, units=Decimal(2)))])
    assert again.claim is claim and again.applied == ()


def test_the_last_line_of_a_claim_is_never_removed() -> None:
    claim = make_claim(lines=[make_line(code="99602", units=1)])
    outcome = apply_fixes(
        claim, [("INF003", RemoveLine(line=1)), ("INF003", AddNote(line=None, text="CHECK 99602"))]
    )
    assert [ln.code for ln in outcome.claim.lines] == ["99602"]
    assert [r.reason for r in outcome.rejected] == [LAST_LINE]
    assert outcome.claim.note == "CHECK 99602"  # the other fixes still apply


def test_every_line_removed_keeps_all_of_them() -> None:
    claim = make_claim(lines=[make_line(number=1), make_line(number=2, code="J1100")])
    outcome = apply_fixes(claim, [("X", RemoveLine(line=1)), ("X", RemoveLine(line=2))])
    assert outcome.claim is claim
    assert len(outcome.rejected) == 2


def test_removing_one_of_two_lines_still_works() -> None:
    claim = make_claim(lines=[make_line(number=1), make_line(number=2, code="J1100")])
    outcome = apply_fixes(claim, [("X", RemoveLine(line=1))])
    assert [ln.code for ln in outcome.claim.lines] == ["J1100"]
