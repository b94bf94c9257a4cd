"""The reader builds lines without re-validating them, and still refuses what the model does."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from model_fields import EVERY_LINE_FIELD

from scrubber._formats import ClaimPiece
from scrubber._models import Claim, ServiceLine, SourceRef
from scrubber_x12.synthetic import SyntheticLine, synthetic_837

LINE_FIELDS = EVERY_LINE_FIELD


def test_trusted_line_equals_the_validated_one_field_for_field() -> None:
    assert {f.name for f in dataclasses.fields(ServiceLine)} == set(LINE_FIELDS)
    trusted = ServiceLine.trusted(**LINE_FIELDS)  # type: ignore[arg-type]
    assert trusted == ServiceLine(**LINE_FIELDS)  # type: ignore[arg-type]
    assert ServiceLine.trusted(**{**LINE_FIELDS, "origin": 0}).origin == 2  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        trusted.units = Decimal(1)  # type: ignore[misc]


def test_trusted_claim_equals_the_validated_one_field_for_field() -> None:
    line = ServiceLine(**{**LINE_FIELDS, "number": 1})  # type: ignore[arg-type]
    values = {
        "id": "C-1",
        "lines": (line,),
        "total_charge": Decimal("150.50"),
        "patient_key": "p",
        "subscriber_key": "s",
        "billing_npi": "1234567893",
        "billing_taxonomy": "207Q00000X",
        "rendering_npi": "1456789019",
        "billing_tin": "990000001",
        "payer_id": "04412",
        "payer_name": "PAYER",
        "filing_indicator": "MB",
        "frequency_code": "7",
        "original_ref": "ICN-0001",
        "place_of_service": "11",
        "diagnosis_codes": ("M545",),
        "note": "N",
        "attachments": (),
        "source": SourceRef(locator="segment 3", index=3, format="x12", max_lines=50),
    }
    assert {f.name for f in dataclasses.fields(Claim)} == set(values)
    assert Claim.trusted(**values) == Claim(**values)  # type: ignore[arg-type]


def test_trusted_source_equals_the_validated_one() -> None:
    assert SourceRef.trusted("segment 9", 9, "x12") == SourceRef(
        locator="segment 9", index=9, format="x12"
    )
    assert SourceRef.trusted("segment 9", 9, "x12", 50) == SourceRef(
        locator="segment 9", index=9, format="x12", max_lines=50
    )


def _pieces(data: bytes) -> list[ClaimPiece]:
    from scrubber_x12.reader import read_837

    return [p for p in read_837([data], {}) if isinstance(p, ClaimPiece)]


@pytest.mark.parametrize(
    ("before", "after", "problem"),
    [
        (b"*100.00*UN*1*", b"*100.00*UN*-1*", "units must not be negative"),
        (b"*100.00*UN*1*", b"*-100.00*UN*1*", "charge must not be negative"),
        (b"DTP*472*D8*20260715", b"DTP*472*RD8*20260715-20260701", "before service_from"),
    ],
)
def test_what_the_constructor_refuses_the_reader_refuses(
    before: bytes, after: bytes, problem: str
) -> None:
    data = synthetic_837(0, claim_lines=[[SyntheticLine()], [SyntheticLine()]])
    first = data.index(b"LX*1")
    broken = data[:first] + data[first:].replace(before, after, 1)
    pieces = _pieces(broken)
    assert pieces[0].claim is None and pieces[1].claim is not None
    assert problem in (pieces[0].problem or "") and "segment" in (pieces[0].problem or "")


def test_repeated_values_read_the_same_whatever_was_read_before() -> None:
    lines = [
        [SyntheticLine(units=Decimal(u), date=f"202607{d:02d}")] for u in (1, 2) for d in (1, 2)
    ]
    claims = [p.claim for p in _pieces(synthetic_837(0, claim_lines=lines * 2))]
    read = [(c.lines[0].units, c.lines[0].service_from) for c in claims if c]
    expected = [(Decimal(u), date(2026, 7, d)) for u in (1, 2) for d in (1, 2)] * 2
    assert read == expected


def test_a_claim_without_any_loop_2400_is_a_problem_not_a_crash() -> None:
    import re

    data = synthetic_837(0, claim_lines=[[SyntheticLine()], [SyntheticLine()]])
    first, second = data.index(b"LX*1"), data.index(b"HL*3")
    broken = data[:first] + data[second:]
    removed = data[first:second].count(b"~")
    broken = re.sub(
        rb"SE\*(\d+)\*", lambda m: b"SE*" + str(int(m[1]) - removed).encode() + b"*", broken
    )
    pieces = _pieces(broken)
    assert pieces[0].claim is None and "no service line" in (pieces[0].problem or "")
    assert pieces[1].claim is not None


def test_trusted_piece_equals_the_constructed_one_field_for_field() -> None:
    import pickle

    from scrubber._findings import Finding, Severity

    finding = Finding(code="MUE001", severity=Severity.ERROR, message="m", claim_id="C-1")
    values: dict[str, object] = {
        "claim": None,
        "payload": b"CLM*C-1~",
        "locator": "segment 3",
        "problem": "claim has no service line (loop 2300 at segment 3)",
        "claim_id": "C-1",
        "findings": (finding,),
        "out_of_scope": True,
    }
    assert {f.name for f in dataclasses.fields(ClaimPiece)} == set(values)
    trusted = ClaimPiece.trusted(**values)  # type: ignore[arg-type]
    assert trusted == ClaimPiece(**values) and type(trusted) is ClaimPiece  # type: ignore[arg-type]
    assert ClaimPiece.trusted(claim=None, payload=1, locator="x") == ClaimPiece(
        claim=None, payload=1, locator="x"
    )
    assert dataclasses.replace(trusted, findings=()).findings == ()
    assert pickle.loads(pickle.dumps(trusted)) == trusted
    with pytest.raises(dataclasses.FrozenInstanceError):
        trusted.locator = "segment 4"  # type: ignore[misc]
