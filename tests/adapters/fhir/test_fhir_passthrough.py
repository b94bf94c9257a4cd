"""With no fixes, every input comes out byte for byte: JSON, Bundle, NDJSON and XML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scrubber._formats import ClaimPiece, Verbatim
from scrubber_fhir.reader import read
from scrubber_fhir.sniff import sniff
from scrubber_fhir.writer import write

SAMPLES = [
    "home-infusion-medicaid.r4.json",
    "home-infusion-medicaid.r4.xml",
    "bundle-two-claims.r4.json",
    "batch.r4.ndjson",
]


def chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("name", SAMPLES)
@pytest.mark.parametrize("chunk_size", [7, 4096, 1 << 20])
def test_samples_are_written_back_unchanged(samples_dir: Path, name: str, chunk_size: int) -> None:
    data = (samples_dir / "fhir" / name).read_bytes()
    pieces = list(read(chunks(data, chunk_size), {}))
    claims = [p for p in pieces if isinstance(p, ClaimPiece)]
    assert claims and all(p.claim is not None for p in claims)
    assert b"".join(write([(p, None) for p in pieces], {})) == data


@pytest.mark.parametrize("name", SAMPLES)
def test_samples_are_sniffed_as_fhir(samples_dir: Path, name: str) -> None:
    assert sniff((samples_dir / "fhir" / name).read_bytes()[:4096])


def test_x12_corpus_is_never_sniffed_as_fhir(corpus_dir: Path) -> None:
    files = sorted((corpus_dir / "x12").glob("*.837"))
    assert files
    for path in files:
        with path.open("rb") as handle:
            assert not sniff(handle.read(4096)), path.name


def test_odd_formatting_survives(fhir: Any) -> None:
    """Tabs, CRLF, a BOM, compact separators, unicode and number spellings stay as sent."""
    body = fhir.to_json(fhir.claim(), indent=None).decode()
    body = body.replace('"value": 100.00', '"value":1.000E2').replace(", ", ",\t")
    data = ("\ufeff \r\n" + body + "\r\n\r\n").encode()
    pieces = list(read([data], {}))
    [claim] = [p.claim for p in pieces if isinstance(p, ClaimPiece)]
    assert claim is not None and claim.lines[0].charge == 100
    assert b"".join(write([(p, None) for p in pieces], {})) == data


def test_ndjson_keeps_other_resources_blank_lines_and_crlf(fhir: Any) -> None:
    claim_line = fhir.to_json(fhir.claim(), indent=None)
    other = b'{"resourceType": "Patient", "id": "synthetic-9"}'
    data = claim_line + b"\r\n\r\n" + other + b"\n" + claim_line  # no final newline
    pieces = list(read(chunks(data, 5), {}))
    kinds = [type(p).__name__ for p in pieces]
    assert kinds == ["ClaimPiece", "Verbatim", "Verbatim", "ClaimPiece"]
    assert [p.locator for p in pieces if isinstance(p, ClaimPiece)] == ["line 1", "line 4"]
    assert b"".join(write([(p, None) for p in pieces], {})) == data


def test_bundle_entries_that_are_not_claims_pass_through(fhir: Any) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "synthetic-1"}},
            {"fullUrl": "urn:uuid:1", "resource": fhir.claim()},
        ],
    }
    data = fhir.to_json(bundle, indent=4)
    pieces = list(read([data], {}))
    assert isinstance(pieces[0], Verbatim) and b'"Patient"' in str(pieces[0].payload).encode()
    assert [p.locator for p in pieces if isinstance(p, ClaimPiece)] == ["/entry/1/resource"]
    assert b"".join(write([(p, None) for p in pieces], {})) == data


def test_a_single_line_document_is_a_claim_not_ndjson(fhir: Any) -> None:
    data = fhir.to_json(fhir.claim(), indent=None) + b"\n"
    [piece] = [p for p in read([data], {}) if isinstance(p, ClaimPiece)]
    assert piece.locator == "/"


def test_r4_r5_and_fast_read_the_same_claim(fhir: Any) -> None:
    data = fhir.to_json(fhir.claim())
    found = []
    for options in ({}, {"fhir_version": "r5"}, {"fast": "true"}):
        [piece] = [p for p in read([data], options) if isinstance(p, ClaimPiece)]
        found.append(piece.claim)
    assert found[0] == found[1] == found[2]
