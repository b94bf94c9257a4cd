"""Unreadable input raises AdapterError with a position; one bad Claim among good ones is a
piece with claim=None that is written back unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from scrubber._errors import AdapterError
from scrubber._formats import ClaimPiece


def error_of(fhir: Any, data: bytes, **options: str) -> AdapterError:
    with pytest.raises(AdapterError) as caught:
        fhir.read(data, **options)
    return caught.value


@pytest.mark.parametrize(
    ("data", "position"),
    [
        (b"", "byte 0"),
        (b"ISA*00*", "byte 0"),
        (b'{"resourceType": "Claim",', "line 1 column 26"),
        (b'{"resourceType": "Patient", "id": "x"}', "/resourceType"),
        (b'{"resourceType": "Bundle", "type": "collection", "entry": []}', "/entry"),
        (b'["not", "an", "object"]', "byte 0"),
        (b'{"resourceType": "Claim"} trailing', "byte 25"),
        (b'{"resourceType": "Claim", "id": "\xff"}', "byte 33"),
    ],
)
def test_unusable_input_names_a_position(fhir: Any, data: bytes, position: str) -> None:
    assert error_of(fhir, data).position == position


def test_unknown_options_are_refused(fhir: Any) -> None:
    assert error_of(fhir, b"{}", fhir_version="r6").position == "option fhir_version"
    assert error_of(fhir, b"{}", fast="maybe").position == "option fast"


def only_claim(fhir: Any, data: bytes, **options: str) -> ClaimPiece:
    [piece] = [p for p in fhir.read(data, **options) if isinstance(p, ClaimPiece)]
    return piece


def test_single_claim_without_product_or_service_in_r4(fhir: Any) -> None:
    """Not valid R4: passed through as unreadable (SCR002), as it would be in a Bundle."""
    item = fhir.item()
    del item["productOrService"]
    data = fhir.to_json(fhir.claim([item]))
    piece = only_claim(fhir, data)
    assert (piece.claim, piece.out_of_scope, piece.claim_id) == (None, False, "CLM-1")
    assert piece.problem == "/item/0/productOrService: Field required"
    assert fhir.write(fhir.read(data)) == data
    # R5 relaxed productOrService to 0..1: valid FHIR, but no code an edit can use (SCR003)
    piece = only_claim(fhir, data, fhir_version="r5")
    assert (piece.claim, piece.out_of_scope) == (None, True)
    assert "items coded in (no code)" in (piece.problem or "")


def test_bad_claim_in_a_bundle_is_passed_through(fhir: Any) -> None:
    bad = fhir.claim(identifier=[{"value": "BAD-1"}], unexpected="vendor key")
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": fhir.claim()}, {"resource": bad}],
    }
    data = fhir.to_json(bundle)
    pieces = fhir.read(data)
    good, broken = [p for p in pieces if isinstance(p, ClaimPiece)]
    assert good.claim is not None and broken.claim is None
    assert broken.claim_id == "BAD-1"
    assert broken.problem == "/entry/1/resource/unexpected: Extra inputs are not permitted"
    assert fhir.write(pieces, lambda c: c) == data  # "fixed" good claim equal; bad one as sent


def test_fast_mode_skips_validation_but_still_needs_a_code(fhir: Any) -> None:
    bad = fhir.claim(unexpected="vendor key")
    assert only_claim(fhir, fhir.to_json(bad), fast="true").claim is not None
    item = fhir.item(productOrService={"coding": [{"system": "http://example.org", "code": "X"}]})
    piece = only_claim(fhir, fhir.to_json(fhir.claim([item])), fast="true")
    assert (piece.claim, piece.out_of_scope) == (None, True)
    assert "items coded in http://example.org" in (piece.problem or "")


def test_bad_ndjson_lines_become_unreadable_pieces(fhir: Any) -> None:
    good = fhir.to_json(fhir.claim(), indent=None)
    item = fhir.item(servicedDate=None)
    undated = fhir.to_json(fhir.claim([item], identifier=[{"value": "NODATE"}]), indent=None)
    data = b"\n".join([good, b"{not json", undated, good]) + b"\n"
    pieces = fhir.read(data)
    problems = [(p.locator, p.problem) for p in pieces if isinstance(p, ClaimPiece) and p.problem]
    assert problems == [
        (
            "line 2",
            "line 2: not JSON (Expecting property name enclosed in double quotes at column 2)",
        ),
        ("line 3", "line 3 /item/0: no servicedDate or servicedPeriod"),
    ]
    assert fhir.write(pieces) == data


@pytest.mark.parametrize(
    "document",
    [
        b'<?xml version="1.0"?>\n<!DOCTYPE Claim [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<Claim xmlns="http://hl7.org/fhir"><id value="&xxe;"/></Claim>',
        b'<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">]><Claim xmlns="http://hl7.org/fhir"/>',
    ],
)
def test_xml_with_entities_or_doctype_is_refused(fhir: Any, document: bytes) -> None:
    error = error_of(fhir, document)
    assert "DOCTYPE" in error.message and error.position is not None
    assert error.position.startswith("byte ")


def test_xml_that_is_not_fhir_or_not_well_formed(fhir: Any) -> None:
    assert error_of(fhir, b"<Claim><id value='x'/></Claim>").position == "/"
    assert error_of(fhir, b'<Claim xmlns="http://hl7.org/fhir"><id>').position == "line 1"
    patient = b'<Patient xmlns="http://hl7.org/fhir"><id value="p"/></Patient>'
    assert "Patient" in error_of(fhir, patient).message


def test_invalid_xml_claim_names_the_pointer(fhir: Any) -> None:
    document = (
        b'<Claim xmlns="http://hl7.org/fhir"><id value="x1"/><status value="active"/>'
        b"<bogus/></Claim>"
    )
    piece = only_claim(fhir, document)
    assert (piece.claim, piece.claim_id, piece.out_of_scope) == (None, "x1", False)
    assert fhir.write(fhir.read(document)) == document
