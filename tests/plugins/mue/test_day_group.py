"""A day group's figures, taken without dividing or multiplying by one day, are the very
Decimals the general formula gives (value and exponent: what the messages and fixes print),
and the day findings' provider-key sentence is the one worded afresh."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber._tables import MemoryTables
from scrubber.testing import make_line, make_table
from scrubber_mue.edits import KEY_WORDS, _counted_by
from scrubber_mue.resolve import DayGroup, MueRow, mue_row
from scrubber_mue.settings import DAY_TOTAL_KEYS

Q3 = date(2026, 7, 1)
# units as a biller or an earlier scrub writes them: whole, with decimals, with trailing zeros
amounts = st.decimals(min_value=0, max_value=999, places=3) | st.sampled_from(
    [Decimal("0"), Decimal("1"), Decimal("2.0"), Decimal("3.50"), Decimal("1E+1")]
)


def _row(value: int) -> MueRow:
    table = make_table("mue", "medicare", "practitioner", Q3, {"99213": {"value": str(value)}})
    hit = MemoryTables([table]).lookup("mue", "medicare", "practitioner", "99213", Q3)
    assert hit is not None
    return mue_row(hit)


@settings(max_examples=200, deadline=None)
@given(
    units=st.lists(amounts.filter(lambda d: d > 0), min_size=1, max_size=3),
    prior=amounts,
    value=st.integers(min_value=0, max_value=12),
    days=st.sampled_from([1, 1, 2, 3]),
)
def test_a_one_day_group_says_what_the_general_formula_says(
    units: list[Decimal], prior: Decimal, value: int, days: int
) -> None:
    row = _row(value)
    lines = tuple(make_line(code="99213", units=u, service_from=Q3) for u in units)
    group = DayGroup.of(code="99213", on=Q3, row=row, lines=lines, prior=prior, days=days)
    total = prior + group.claim_units / days
    allowed = (Decimal(value) - prior) * days
    assert (str(group.total), str(group.allowed)) == (str(total), str(allowed))
    assert group.over() == (group.claim_units > allowed)


def test_the_provider_key_sentence_is_the_one_worded_afresh() -> None:
    for key in (*DAY_TOTAL_KEYS, "an_unknown_key"):
        words = KEY_WORDS.get(key, key)
        assert _counted_by(key) == f" Day total counted per {words} (day_total_key = {key})."
