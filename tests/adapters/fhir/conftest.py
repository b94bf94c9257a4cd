"""Builders for synthetic FHIR Claims (no real people) shared by the FHIR adapter tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from scrubber._formats import ClaimPiece, Piece
from scrubber._models import Claim
from scrubber_fhir.reader import read
from scrubber_fhir.writer import write

CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
NPI = "http://hl7.org/fhir/sid/us-npi"


def make_item(sequence: int = 1, code: str = "99601", **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "sequence": sequence,
        "productOrService": {"coding": [{"system": CPT, "code": code}]},
        "servicedDate": "2026-01-15",
        "quantity": {"value": 1},
        "net": {"value": Decimal("100.00"), "currency": "USD"},
    }
    item.update(fields)
    return {k: v for k, v in item.items() if v is not None}


def make_claim(items: Iterable[Mapping[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    """An R4-valid professional Claim; ``total`` is the sum of the items' net."""
    claim_items = [dict(i) for i in (items if items is not None else [make_item()])]
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "id": "c1",
        "identifier": [{"system": "https://claims.example.org/id", "value": "CLM-1"}],
        "status": "active",
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                    "code": "professional",
                }
            ]
        },
        "use": "claim",
        "patient": {"reference": "Patient/synthetic-1"},
        "created": "2026-01-16",
        "provider": {"identifier": {"system": NPI, "value": "1234567893"}},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "Synthetic plan"}}],
        "item": claim_items,
    }
    nets = [i["net"]["value"] for i in claim_items if "net" in i]
    claim["total"] = {"value": sum(nets, Decimal("0.00")), "currency": "USD"}
    claim.update(fields)
    return {k: v for k, v in claim.items() if v is not None}


def to_json(value: Any, indent: int | None = 2) -> bytes:
    """JSON text with Decimal written exactly as given (trailing zeros kept)."""
    marked = json.loads(json.dumps(value, default=lambda d: f"@@{format(d, 'f')}@@"))
    text = json.dumps(marked, indent=indent)
    return text.replace('"@@', "").replace('@@"', "").encode()


def read_all(data: bytes, **options: str) -> list[Piece]:
    return list(read([data], options))


def claims_of(pieces: Iterable[Piece]) -> list[Claim]:
    return [p.claim for p in pieces if isinstance(p, ClaimPiece) and p.claim is not None]


def write_all(
    pieces: Iterable[Piece], fixed: Callable[[Claim], Claim | None] | None = None, **options: str
) -> bytes:
    pairs: list[tuple[Piece, Claim | None]] = []
    for piece in pieces:
        if isinstance(piece, ClaimPiece) and piece.claim is not None and fixed is not None:
            pairs.append((piece, fixed(piece.claim)))
        else:
            pairs.append((piece, None))
    return b"".join(write(pairs, options))


@dataclass(frozen=True)
class Kit:
    item: Callable[..., dict[str, Any]] = make_item
    claim: Callable[..., dict[str, Any]] = make_claim
    to_json: Callable[..., bytes] = to_json
    read: Callable[..., list[Piece]] = read_all
    claims: Callable[[Iterable[Piece]], list[Claim]] = claims_of
    write: Callable[..., bytes] = write_all


@pytest.fixture(scope="session")
def fhir() -> Kit:
    """Builders and read/write shortcuts (session-scoped so hypothesis tests may use it)."""
    return Kit()
