"""The one line delta both writers render: what the fix algebra changed on a line."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from decimal import Decimal

import pytest

from scrubber import Attachment, LineDelta, SetUnits, SplitLine, SplitPart, apply_fixes, line_delta
from scrubber.testing import make_claim, make_line


def test_an_untouched_line_has_no_delta() -> None:
    line = make_line(attachments=(Attachment(report_type="M1", transmission="AA"),))
    assert not line_delta(line, line).changed


def test_a_split_part_names_what_moved() -> None:
    claim = make_claim(lines=[make_line(code="99601", units=3, charge="300.00")])
    split = SplitLine(
        line=1,
        parts=(
            SplitPart(units=Decimal(1)),
            SplitPart(
                units=Decimal(2),
                code="99602",
                attachment=Attachment(report_type="M1", transmission="FX", control_number="A1"),
            ),
        ),
    )
    fixed = apply_fixes(claim, [("TST001", split)]).claim
    first, second = (line_delta(ln, claim.line(ln.origin)) for ln in fixed.lines)
    assert (first.code, first.units, first.charge, first.control_number) == (
        False,
        True,
        True,
        True,
    )
    assert second.code and second.units and len(second.attachments) == 1
    assert not first.attachments and not first.note and not first.modifiers


def test_unit_basis_and_code_system_count_as_changes() -> None:
    line = make_line(units=60, unit_basis="MJ")
    fixed = apply_fixes(
        make_claim(lines=[line]), [("TST001", SetUnits(line=1, units=Decimal(60), unit_basis="UN"))]
    ).claim.lines[0]
    assert line_delta(fixed, line).units and not line_delta(fixed, line).charge
    assert line_delta(replace(line, code_system="WK"), line).code


def test_a_delta_is_the_record_its_constructor_makes() -> None:
    """``line_delta`` builds without the frozen constructor: the result must be the very
    record the constructor gives (equal, hashable, frozen, copied by ``replace``)."""
    sent = make_line(attachments=(Attachment(report_type="M1", transmission="AA"),))
    added = Attachment(report_type="09", transmission="FX", control_number="C1")
    line = replace(sent, units=Decimal(2), note="N", attachments=(*sent.attachments, added))
    delta = line_delta(line, sent)
    made = LineDelta(
        code=False,
        modifiers=False,
        units=True,
        charge=False,
        control_number=False,
        note=True,
        attachments=(added,),
    )
    assert type(delta) is LineDelta and delta == made and hash(delta) == hash(made)
    assert replace(delta, note=False) == replace(made, note=False)
    with pytest.raises(FrozenInstanceError):
        delta.note = False  # type: ignore[misc]
