"""ClaimHistory: whose units a day total sums (the ``key``) and how a date span is spread."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from scrubber._history import ClaimHistory, provider_for
from scrubber.testing import make_claim, make_line

DOS = date(2026, 10, 5)


def test_prior_units_are_kept_per_key_kind_and_provider() -> None:
    history = ClaimHistory()
    first = make_claim(
        lines=[make_line(code="99213", units=2, service_from=DOS, rendering_npi="1111111111")],
        billing_npi="2222222222",
        billing_tin="990000001",
    )
    history.record(first)
    other_clinician = make_claim(
        id="B",
        lines=[make_line(code="99213", units=1, service_from=DOS)],
        billing_npi="2222222222",
        rendering_npi="3333333333",
        billing_tin="990000001",
    )
    line = other_clinician.lines[0]
    assert history.prior_units(other_clinician, "99213", DOS, key="billing_npi") == 2
    assert history.prior_units(other_clinician, "99213", DOS, key="billing_tin") == 2
    assert history.prior_units(other_clinician, "99213", DOS, key="rendering_npi", line=line) == 0


def test_rendering_provider_falls_back_to_the_claim_then_the_billing_provider() -> None:
    claim = make_claim(lines=[make_line()], billing_npi="2222222222")
    assert provider_for(claim, claim.lines[0], "rendering_npi") == "2222222222"
    with pytest.raises(ValueError, match="unknown day-total key"):
        provider_for(claim, None, "member_id")


def test_a_date_span_is_recorded_as_its_units_per_day_and_minutes_as_one_service() -> None:
    history = ClaimHistory()
    span = make_line(code="36415", units=3, service_from=DOS, service_to=date(2026, 10, 7))
    minutes = make_line(code="00100", units=60, unit_basis="MJ", service_from=DOS)
    history.record(make_claim(lines=[span, minutes]))
    later = make_claim(id="LATER", lines=[make_line(service_from=DOS)])  # a claim's own units
    for day in (5, 6, 7):  # never count against it, so ask as a later claim
        assert history.prior_units(later, "36415", date(2026, 10, day)) == Decimal(1)
    assert history.prior_units(later, "36415", date(2026, 10, 8)) == 0
    assert history.prior_units(later, "00100", DOS) == 1
