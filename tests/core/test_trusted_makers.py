"""``trusted_maker``: an adapter's positional way to make model objects it has validated."""

from __future__ import annotations

import dataclasses
import pickle
import random
from decimal import Decimal

import pytest
from model_fields import EVERY_LINE_FIELD

from scrubber import Claim, ServiceLine, SourceRef

LINE = EVERY_LINE_FIELD
REQUIRED = ("number", "code", "units", "charge", "service_from")


@pytest.mark.parametrize("seed", range(6))
def test_a_line_made_by_position_equals_the_constructed_one(seed: int) -> None:
    """Any order and any subset of the fields: the values land in the fields named, the rest
    hold the constructor's defaults."""
    chooser = random.Random(seed)
    optional = [name for name in LINE if name not in REQUIRED]
    names = [*REQUIRED, *chooser.sample(optional, chooser.randint(0, len(optional)))]
    chooser.shuffle(names)
    make = ServiceLine.trusted_maker(*names)
    made = make(*(LINE[name] for name in names))
    expected = ServiceLine(**{name: LINE[name] for name in names})  # type: ignore[arg-type]
    assert made == expected and repr(made) == repr(expected) and type(made) is ServiceLine
    assert dataclasses.replace(made, units=Decimal(1)).units == Decimal(1)
    assert pickle.loads(pickle.dumps(made)) == made
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.units = Decimal(1)  # type: ignore[misc]


def test_origin_defaults_to_the_line_number_as_in_the_constructor() -> None:
    without = ServiceLine.trusted_maker(*REQUIRED)
    assert without(*(LINE[name] for name in REQUIRED)).origin == 2
    taken = ServiceLine.trusted_maker(*REQUIRED, "origin")
    assert taken(*(LINE[name] for name in REQUIRED), 0).origin == 2
    assert taken(*(LINE[name] for name in REQUIRED), 1).origin == 1


def test_claims_and_references_made_by_position_equal_the_constructed_ones() -> None:
    line = ServiceLine(**{**LINE, "number": 1})  # type: ignore[arg-type]
    make_claim = Claim.trusted_maker("lines", "id", "total_charge", "payer_id", "note")
    claim = make_claim((line,), "C-1", Decimal("150.50"), "04412", "N")
    assert claim == Claim(
        id="C-1", lines=(line,), total_charge=Decimal("150.50"), payer_id="04412", note="N"
    )
    assert claim.frequency_code == "1" and claim.diagnosis_codes == ()
    make_source = SourceRef.trusted_maker("index", "locator")
    assert make_source(9, "segment 9") == SourceRef(locator="segment 9", index=9)


def test_a_maker_is_made_once_per_names() -> None:
    assert ServiceLine.trusted_maker(*REQUIRED) is ServiceLine.trusted_maker(*REQUIRED)
    assert ServiceLine.trusted_maker(*REQUIRED) is not ServiceLine.trusted_maker(*REQUIRED, "note")


@pytest.mark.parametrize(
    ("names", "problem"),
    [
        ((*REQUIRED, "colour"), "not distinct fields"),
        ((*REQUIRED, "code"), "not distinct fields"),
        (REQUIRED[1:], "number has no default"),
    ],
)
def test_names_that_cannot_make_a_line_are_refused_when_the_maker_is_made(
    names: tuple[str, ...], problem: str
) -> None:
    with pytest.raises(TypeError, match=problem):
        ServiceLine.trusted_maker(*names)
