"""Properties of the MUE fixes over many unit patterns: what a biller relies on whatever the
lines look like."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber._fixes import apply_fixes
from scrubber._models import Claim
from scrubber._profiles import load_profile
from scrubber.testing import make_claim, make_line, make_table, run_edit
from scrubber_mue.actions import plan_day
from scrubber_mue.edits import MUE_EDITS
from scrubber_mue.settings import ACTIONS, MUE_SECTION, MueSettings

MUE = MueSettings.from_mapping({})
DOS = date(2026, 7, 10)

units_lists = st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=6)


def day_claim(units: list[int], other_lines: int = 1) -> Claim:
    lines = [
        make_line(code="96413", units=u, charge=f"{17 * u}.33", service_from=DOS) for u in units
    ]
    lines += [make_line(code="97110", units=1, service_from=DOS) for _ in range(other_lines)]
    return make_claim(lines=lines, filing_indicator="MB")


@settings(max_examples=150, deadline=None)
@given(units=units_lists, value=st.integers(min_value=1, max_value=8), prior=st.integers(0, 5))
def test_cap_bills_exactly_what_the_mue_leaves(units: list[int], value: int, prior: int) -> None:
    c = day_claim(units)
    day = c.lines[: len(units)]
    allowed = Decimal(value - prior)
    plan = plan_day("cap", claim=c, lines=day, allowed=allowed, value=value, settings=MUE)
    fixed = apply_fixes(c, [("MUE002", fix) for fix in plan.fixes])
    assert fixed.rejected == ()
    billed = sum((ln.units for ln in fixed.claim.lines if ln.code == "96413"), Decimal(0))
    assert billed == min(Decimal(sum(units)), max(allowed, Decimal(0)))
    # kept units stay on the earliest lines: reduction runs from the last line back
    kept = [ln.units for ln in fixed.claim.lines if ln.code == "96413"]
    if kept:
        assert kept[:-1] == [Decimal(u) for u in units[: len(kept) - 1]]
        assert kept[-1] <= units[len(kept) - 1]
    assert fixed.claim.total_charge == fixed.claim.line_charge_total
    assert fixed.claim.lines[-1].code == "97110"


@settings(max_examples=150, deadline=None)
@given(units=units_lists, value=st.integers(min_value=1, max_value=8))
def test_split_keeps_every_unit_and_charge_and_marks_only_the_excess(
    units: list[int], value: int
) -> None:
    c = day_claim(units, other_lines=0)
    allowed = Decimal(value)
    plan = plan_day("split", claim=c, lines=c.lines, allowed=allowed, value=value, settings=MUE)
    fixed = apply_fixes(c, [("MUE004", fix) for fix in plan.fixes]).claim
    assert sum((ln.units for ln in fixed.lines), Decimal(0)) == sum(units)
    assert fixed.total_charge == c.total_charge == fixed.line_charge_total
    excess = sum((ln.units for ln in fixed.lines if "GD" in ln.modifiers), Decimal(0))
    assert excess == max(Decimal(sum(units)) - allowed, Decimal(0))
    for ln in fixed.lines:
        assert ("GD" in ln.modifiers) == bool(ln.attachments)


# --- date spans: the per-day comparison -------------------------------------------------------

SPAN_TABLES = (
    make_table(
        "mue",
        "medicare",
        "practitioner",
        date(2026, 1, 1),
        {
            "36415": {"value": "1", "mai": "2", "mai_text": "2", "rationale": "r"},
            "99213": {"value": "3", "mai": "3", "mai_text": "3", "rationale": "r"},
            "97110": {"value": "4", "mai": "1", "mai_text": "1", "rationale": "r"},
        },
    ),
    make_table(
        "mue",
        "medicaid",
        "practitioner",
        date(2026, 1, 1),
        {"36415": {"value": "2", "mai": "", "mai_text": "", "rationale": "r"}},
    ),
)
SPAN_VALUES = {("medicare", "36415"): 1, ("medicare", "99213"): 3, ("medicare", "97110"): 4}
SPAN_VALUES[("medicaid", "36415")] = 2
PROFILES = {
    action: load_profile(
        "[defaults.mue]\n"
        + "".join(
            f'{key} = "{action}"\n'
            for key in ("mai1_action", "mai2_action", "mai3_action", "medicaid_action")
        ),
        [MUE_SECTION],
    )
    for action in ACTIONS
}


@settings(max_examples=200, deadline=None)
@given(
    days=st.integers(min_value=1, max_value=60),
    units=st.integers(min_value=1, max_value=400),
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
    which=st.sampled_from(sorted(SPAN_VALUES)),
    action=st.sampled_from(ACTIONS),
)
def test_span_line_within_the_mue_per_day_is_never_fixed(
    days: int, units: int, start: date, which: tuple[str, str], action: str
) -> None:
    program, code = which
    line = make_line(
        code=code,
        units=units,
        charge=f"{units}.00",
        service_from=start,
        service_to=start + timedelta(days=days - 1),
    )
    claim = make_claim(lines=[line], filing_indicator="MB" if program == "medicare" else "MC")
    value = SPAN_VALUES[which]
    fixes = [
        fix
        for item in MUE_EDITS
        for finding in run_edit(item, claim, tables=SPAN_TABLES, profile=PROFILES[action])
        for fix in finding.fixes
    ]
    if units <= value * days:  # at most the MUE on every day of the span
        assert fixes == []
        return
    outcome = apply_fixes(claim, [("MUE", fix) for fix in fixes])
    billed = [ln.units for ln in outcome.claim.lines]
    assert sum(billed) == units or action == "cap"  # only cap drops units
    if action == "cap":
        assert billed == [value * days]  # lowered to exactly the MUE a day, never below
    if action in ("cap", "split"):  # no line left above the MUE a day, none below it kept
        assert billed[0] == value * days
