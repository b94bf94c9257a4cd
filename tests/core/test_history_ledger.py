"""The in-memory ledger: day totals per provider key from one mark per line, bounded memory,
and claims stored as slots (a persisted history) counting exactly as before."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber._history import (
    DAY_TOTAL_KEYS,
    ClaimHistory,
    ClaimUnits,
    PatientLedger,
    claim_slots,
    patient_entry,
)
from scrubber._models import Claim
from scrubber.testing import make_claim, make_line

DOS = date(2026, 7, 6)


def test_each_key_sees_its_own_provider_and_a_claim_never_counts_itself() -> None:
    history = ClaimHistory()
    lines = [
        make_line(code="97110", units=2, service_from=DOS, rendering_npi="1111111112"),
        make_line(code="97110", units=1, service_from=DOS),
    ]
    first = make_claim(id="A", lines=lines, billing_tin="TIN1", rendering_npi="2222222221")
    history.record(first)
    later = make_claim(id="B", lines=[make_line(code="97110", service_from=DOS)])
    prior = {key: history.prior_units(later, "97110", DOS, key=key) for key in DAY_TOTAL_KEYS}
    # billing NPI: both lines; rendering: B names none, so its billing NPI, which rendered none;
    # the TIN is not on B's claim
    assert prior == {"billing_npi": 3, "rendering_npi": 0, "billing_tin": 0}
    own = make_line(code="97110", service_from=DOS, rendering_npi="1111111112")
    assert history.prior_units(later, "97110", DOS, key="rendering_npi", line=own) == 2
    assert history.prior_units(first, "97110", DOS) == 0  # itself, seen before


def test_a_persisted_claim_made_of_slots_counts_as_it_was_stored() -> None:
    claim = make_claim(
        id="A",
        lines=[
            make_line(code="36415", units=4, service_from=DOS, service_to=DOS + timedelta(days=1))
        ],
        billing_tin="TIN1",
    )
    slots = dict(claim_slots(claim))
    stored = ClaimUnits("REF", slots)
    assert stored.units == slots  # the slots round-trip through marks
    fresh = ClaimHistory()
    fresh.record(claim)

    class Stored(ClaimHistory):  # as SqliteHistory reads a patient back
        def _load(self, patient: str) -> PatientLedger | None:
            return patient_entry([("A", stored)]) if patient == "patient-1" else None

    restored = Stored()
    later = make_claim(
        id="B", lines=[make_line(code="36415", service_from=DOS)], billing_tin="TIN1"
    )
    for key in DAY_TOTAL_KEYS:
        for day in (DOS, DOS + timedelta(days=1)):
            assert restored.prior_units(later, "36415", day, key=key) == fresh.prior_units(
                later, "36415", day, key=key
            )
    assert fresh.prior_units(later, "36415", DOS) == Decimal(2)  # 4 units over 2 days


def test_memory_holds_at_most_max_claims() -> None:
    history = ClaimHistory(max_claims=10)
    for n in range(100):
        patient = f"p{n % 7}"
        line = make_line(code="97110", service_from=DOS + timedelta(days=n % 3))
        history.record(make_claim(id=f"C{n}", lines=[line], patient_key=patient))
        held = sum(len(entry.claims) for entry in history._patients.values())
        assert held <= 10 and held == history._held
    # the most recent patient is kept whole: its claims still count for its next claim
    last = make_claim(id="N", lines=[make_line(code="97110", service_from=DOS)], patient_key="p1")
    assert history.prior_units(last, "97110", DOS) > 0


# A patient's claims as a batch brings them: originals, a claim sent again, replacements
# and voids naming an earlier claim, over a few codes and days.
_events = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "D"]),  # claim id
        st.sampled_from(["1", "1", "7", "8"]),  # CLM05-3: original, replacement, void
        st.sampled_from(["A", "B"]),  # the claim a replacement or void names
        st.lists(
            st.tuples(st.sampled_from(["97110", "36415"]), st.integers(0, 2), st.integers(1, 3)),
            min_size=1,
            max_size=3,
        ),
        st.booleans(),  # a lookup between this claim and the next
    ),
    min_size=1,
    max_size=8,
)


Event = tuple[str, str, str, list[tuple[str, int, int]], bool]


def _batch_claim(
    claim_id: str, frequency: str, ref: str, lines: list[tuple[str, int, int]]
) -> Claim:
    return make_claim(
        id=claim_id,
        frequency_code=frequency,
        original_ref=ref if frequency != "1" else None,
        lines=[
            make_line(code=code, service_from=DOS + timedelta(days=day), units=units)
            for code, day, units in lines
        ],
    )


@settings(max_examples=200, deadline=None)
@given(events=_events)
def test_day_totals_are_the_same_whenever_the_index_is_read(events: list[Event]) -> None:
    """The ledger indexes a patient's marks by day only when asked; asking after every
    claim, now and then, or only at the end gives the same totals and the same index."""
    read_often, read_never = ClaimHistory(), ClaimHistory()
    probe = make_claim(id="PROBE", lines=[make_line(service_from=DOS)])
    for claim_id, frequency, ref, lines, look in events:
        claim = _batch_claim(claim_id, frequency, ref, lines)
        read_often.record(claim)
        read_never.record(claim)
        if look:
            read_often.prior_units(probe, "97110", DOS)
    for code in ("97110", "36415"):
        for day in range(3):
            on = DOS + timedelta(days=day)
            for key in DAY_TOTAL_KEYS:
                often = read_often.prior_units(probe, code, on, key=key)
                assert often == read_never.prior_units(probe, code, on, key=key)
    [often_entry] = read_often._patients.values()
    [never_entry] = read_never._patients.values()
    assert often_entry.claims.keys() == never_entry.claims.keys()
    assert {day: sorted(held) for day, held in often_entry.days.items()} == {
        day: sorted(held) for day, held in never_entry.days.items()
    }
    expected: dict[tuple[str, date], list[tuple[str, object]]] = {}
    for claim_id, units in never_entry.claims.items():
        for mark in units.marks:
            expected.setdefault((mark[0], mark[1]), []).append((claim_id, mark))
    assert {day: sorted(held) for day, held in never_entry.days.items()} == {
        day: sorted(held) for day, held in expected.items()
    }
