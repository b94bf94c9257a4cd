"""The reader parses each charge, unit count and service date text once and reuses the value
for every later line that repeats it. A cached value must be the value a fresh parse gives,
and a text that a fresh parse refuses must be refused the same way however often it comes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber_x12 import values
from scrubber_x12.claims import ClaimContext, ClaimProblem, build_claim
from scrubber_x12.payloads import ClaimBlock
from scrubber_x12.tokenizer import Delimiters

DELIMITERS = Delimiters(element="*", repetition="^", component=":", segment="~")
NUMBERS = st.one_of(
    st.integers(0, 10**6).map(str),  # what most lines hold: 1, 250, 1500.00, 92.5
    st.builds("{}.{}".format, st.integers(0, 99_999), st.from_regex(r"\A[0-9]{0,3}\Z")),
    st.from_regex(r"\A-?[0-9]{0,20}(\.[0-9]{0,4})?\Z"),
    st.sampled_from(["0", "-0", "00", "1.", ".5", "1e3", "NaN", "Infinity", "1_0", " 1", "٣"]),
)
DATES = st.one_of(
    st.from_regex(r"\A[0-9]{8}\Z"),
    st.sampled_from(["20260701", "20240229", "20250229", "20261301", "2026070", "２０２６0701"]),
)


def _clear() -> None:
    for cache in (values.UNITS, values.CHARGES, values._DECIMALS, values._DATES):
        cache.clear()
    values.SERVICE_DATES.clear()


def _read(charge: str, units: str, service: str) -> object:
    text = (
        f"CLM*C1*10***11:B:1*Y*A*Y*Y~HI*ABK:M545~LX*1~SV1*HC:99213*{charge}*UN*{units}***1~"
        f"DTP*472*{service}~REF*6R*L1~"
    )
    raw = text.encode("utf-8")
    try:
        claim = build_claim(ClaimBlock(raw, 7, raw.count(b"~"), DELIMITERS), ClaimContext())
    except ClaimProblem as problem:
        return f"problem: {problem}"
    (line,) = claim.lines
    return (str(line.charge), str(line.units), line.service_from, line.service_to)


def _fresh(charge: str, units: str, service: str) -> object:
    """What the line should hold, from the texts alone (no reader code, no cache)."""
    try:
        first, _, last = service.partition("*")[2].partition("-")
        start = date(int(first[:4]), int(first[4:6]), int(first[6:]))
        end = date(int(last[:4]), int(last[4:6]), int(last[6:])) if last else None
    except ValueError:
        return None
    return (str(Decimal(charge)), str(Decimal(units)), start, end)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    charge=NUMBERS,
    units=NUMBERS,
    day=DATES,
    last=st.one_of(st.none(), DATES),
    warm_first=st.booleans(),
)
def test_a_cached_value_is_the_value_a_fresh_parse_gives(
    charge: str, units: str, day: str, last: str | None, warm_first: bool
) -> None:
    service = f"D8*{day}" if last is None else f"RD8*{day}-{last}"
    if not warm_first:
        _clear()
    cold = _read(charge, units, service)
    assert _read(charge, units, service) == cold  # the second read takes the cached values
    _clear()
    assert _read(charge, units, service) == cold  # and so does a read with every cache empty
    if not isinstance(cold, str):
        assert cold == _fresh(charge, units, service)


def test_a_refused_value_is_never_cached() -> None:
    _clear()
    for _ in range(2):
        assert _read("-5", "1", "D8*20260701") == (
            "problem: ServiceLine.charge must not be negative (line 1) (loop 2400 at segment 9)"
        )
        assert _read("5", "1", "RD8*20260702-20260701") == (
            "problem: ServiceLine.service_to is before service_from (line 1) "
            "(loop 2400 at segment 9)"
        )
    assert "-5" not in values.CHARGES
