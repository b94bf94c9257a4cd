"""MUE008-MUE011 one edit at a time, at their boundaries (hand-made tables: test data)."""

from __future__ import annotations

from datetime import date

import pytest

from scrubber._findings import Severity
from scrubber._history import ClaimHistory
from scrubber._models import ServiceLine
from scrubber._profiles import load_profile
from scrubber.testing import make_claim, make_line, make_table, run_edit
from scrubber_mue.checks import (
    bilateral_needs_modifier_50,
    mue_program_not_stated,
    mue_table_out_of_date,
    mue_zero_units,
    next_quarter,
)
from scrubber_mue.edits import mai2_day_units_over_policy_mue, medicaid_day_total_over_mue
from scrubber_mue.settings import MUE_SECTION

DOS = date(2026, 10, 15)


def row(value: int, mai: str) -> dict[str, str]:
    return {"value": str(value), "mai": mai, "mai_text": mai, "rationale": "Anatomic Consideration"}


TABLES = (
    make_table(
        "mue",
        "medicare",
        "practitioner",
        date(2026, 10, 1),
        {"69210": row(1, "2"), "64450": row(1, "1"), "20610": row(2, "2")},
    ),
    make_table("mue", "medicaid", "practitioner", date(2026, 10, 1), {"69210": row(1, "")}),
)


def side(code: str, modifier: str, units: int = 1) -> ServiceLine:
    return make_line(code=code, units=units, service_from=DOS, modifiers=(modifier,))


@pytest.mark.parametrize(
    ("month", "expected"),
    [(1, date(2026, 4, 1)), (3, date(2026, 4, 1)), (7, date(2026, 10, 1)), (12, date(2027, 1, 1))],
)
def test_next_quarter(month: int, expected: date) -> None:
    assert next_quarter(date(2026, month, 17)) == expected


def test_last_day_of_the_quarter_is_not_stale_the_first_of_the_next_is() -> None:
    def stale(on: date) -> list[str]:
        c = make_claim(lines=[make_line(code="69210", service_from=on)], filing_indicator="MB")
        return [f.code for f in run_edit(mue_table_out_of_date, c, tables=TABLES)]

    assert stale(date(2026, 12, 31)) == []
    assert stale(date(2027, 1, 1)) == ["MUE009"]


def test_one_stale_warning_per_table_names_every_line() -> None:
    c = make_claim(
        lines=[
            make_line(code="69210", service_from=date(2027, 2, 1)),
            make_line(code="99999", service_from=date(2027, 6, 15)),
        ],
        filing_indicator="MB",
    )
    [finding] = run_edit(mue_table_out_of_date, c, tables=TABLES)
    assert finding.message.startswith("Lines 1, 2: the date of service (2027-06-15)")
    assert dict(finding.details) == {"needs": "2027 Q2", "table_effective": "2026-10-01"}


def test_zero_units_on_a_minutes_line_says_minutes() -> None:
    c = make_claim(lines=[make_line(code="00100", units=0, unit_basis="MJ")])
    [finding] = run_edit(mue_zero_units, c)
    assert "billed with 0 minutes;" in finding.message and finding.fixes == ()


def test_bilateral_pair_is_advised_and_the_day_edit_stays_silent() -> None:
    c = make_claim(lines=[side("69210", "RT"), side("69210", "LT")], filing_indicator="MB")
    [advice] = run_edit(bilateral_needs_modifier_50, c, tables=TABLES)
    assert advice.severity is Severity.ERROR and advice.fixes == ()
    assert run_edit(mai2_day_units_over_policy_mue, c, tables=TABLES) == []


@pytest.mark.parametrize(
    "lines",
    [
        [side("69210", "RT"), side("69210", "RT")],  # one side twice: not bilateral
        [side("69210", "RT", 2), side("69210", "LT")],  # 3 units: more than both sides
        [side("69210", "RT"), side("69210", "LT"), side("69210", "LT")],
        [side("20610", "RT"), side("20610", "LT")],  # MUE 2: within it
        [side("64450", "RT"), side("64450", "LT")],  # MAI 1: each line on its own
    ],
)
def test_not_a_bilateral_pair(lines: list[ServiceLine]) -> None:
    c = make_claim(lines=lines, filing_indicator="MB")
    assert run_edit(bilateral_needs_modifier_50, c, tables=TABLES) == []


def test_bilateral_pair_with_units_earlier_that_day_is_an_ordinary_day_total() -> None:
    history = ClaimHistory()
    history.record(make_claim(id="A", lines=[make_line(code="69210", service_from=DOS)]))
    c = make_claim(id="B", lines=[side("69210", "RT"), side("69210", "LT")], filing_indicator="MB")
    assert run_edit(bilateral_needs_modifier_50, c, tables=TABLES, history=history) == []
    [over] = run_edit(mai2_day_units_over_policy_mue, c, tables=TABLES, history=history)
    assert over.code == "MUE002"


def test_medicaid_per_line_bilateral_pair_is_a_warning_not_a_day_total_warning() -> None:
    c = make_claim(lines=[side("69210", "RT"), side("69210", "LT")], filing_indicator="MC")
    [advice] = run_edit(bilateral_needs_modifier_50, c, tables=TABLES)
    assert advice.severity is Severity.WARNING
    assert "a payer that sums the day would deny both" in advice.message
    assert run_edit(medicaid_day_total_over_mue, c, tables=TABLES) == []


def test_program_stated_by_profile_or_filing_indicator_is_not_reported() -> None:
    unstated = make_claim(lines=[make_line()], payer_id="P1")
    profile = load_profile('[[payer]]\npayer_ids = ["P1"]\nprogram = "medicaid"\n', [MUE_SECTION])
    assert run_edit(mue_program_not_stated, unstated, profile=profile) == []
    commercial = make_claim(lines=[make_line()], filing_indicator="CI")
    assert run_edit(mue_program_not_stated, commercial, sections=[MUE_SECTION]) == []
    [finding] = run_edit(mue_program_not_stated, unstated, sections=[MUE_SECTION])
    assert 'add a [[payer]] entry for payer id P1 with program = "medicaid"' in finding.message
    assert dict(finding.details) == {"program_assumed": "medicare"}
