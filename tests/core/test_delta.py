"""The one line delta both writers render: what the fix algebra changed on a line."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from scrubber import Attachment, SetUnits, SplitLine, SplitPart, apply_fixes, line_delta
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
