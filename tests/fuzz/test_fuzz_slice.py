"""A short, deterministic slice of each fuzz target (the long runs are ``fuzz/run.py``).

Hypothesis draws the seed of each case; the case is a generated claim or a structured
mutation of a sample or corpus file, checked by every oracle: only documented errors, the
``--check`` round trip is identity, scrubbing twice equals scrubbing once, balanced claims stay
balanced, and (on a few cases) pyx12 accepts the output of an input it accepts.
"""

from __future__ import annotations

import random

import mutate
import oracles
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SLICE = settings(
    max_examples=300,
    derandomize=True,  # CI runs the same cases every time; long runs explore
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILES = sorted(oracles.PROFILE_TEXTS)


@pytest.mark.parametrize("kind", ["x12", "fhir"])
@SLICE
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    profile=st.sampled_from(PROFILES),
    fast=st.booleans(),
)
def test_claim_inputs_keep_every_law(kind: str, seed: int, profile: str, fast: bool) -> None:
    data = mutate.case(kind, oracles.seeds(kind), random.Random(seed))
    outcome = oracles.check_claims(data, profile, fast=fast and kind == "fhir")
    assert outcome in ("refused", "unchanged", "fixed")


@SLICE
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_mue_importers_raise_only_table_errors(seed: int) -> None:
    data = mutate.case("mue", oracles.seeds("mue"), random.Random(seed))
    assert oracles.check_importers(data) in ("refused", "parsed")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_claims_pass_pyx12_before_and_after(seed: int) -> None:
    rng = random.Random(seed)
    data = mutate.generated_x12(rng)
    assert oracles.check_claims(data, "split-per_line", pyx12=True) in ("unchanged", "fixed")


def test_the_pyx12_oracle_can_fail() -> None:
    """The harness must be able to fail: output pyx12 rejects, from a clean input, is caught."""
    data = mutate.generated_x12(random.Random(7))
    with pytest.raises(oracles.OracleFailure):
        oracles.check_pyx12(data, data.replace(b"CLM*", b"CLM**", 1))
