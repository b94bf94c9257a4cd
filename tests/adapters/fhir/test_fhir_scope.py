"""Readable Claims no edit is for (SCR003), and Claims of other FHIR versions (SCR002 naming
the version), treated alike as a single Claim, in a Bundle, in NDJSON and as XML.

Every Claim here is hand-written and synthetic, in the shapes the HL7 specification's own
examples and synthetic-data generators use (dental, vision, pharmacy, institutional Claims;
professional Claims coded in SNOMED CT or in an example code system)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import scrubber._cli as cli
from scrubber._formats import ClaimPiece

CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
SNOMED = "http://snomed.info/sct"
NDC = "http://hl7.org/fhir/sid/ndc"
EXAMPLE_ORAL = "http://example.org/fhir/oralservicecodes"
EXAMPLE_SERVICE = "http://example.org/fhir/CodeSystem/ex-serviceproduct"


def typed(fhir: Any, kind: str, system: str, code: str, claim_id: str) -> dict[str, Any]:
    item = fhir.item(productOrService={"coding": [{"system": system, "code": code}]})
    return fhir.claim(
        [item],
        id=claim_id,
        identifier=[{"value": claim_id}],
        type={"coding": [{"system": CLAIM_TYPE, "code": kind}]},
    )


OUT_OF_SCOPE = {
    # name: (Claim.type, item code system, code, what the reason must name)
    "oral": (
        "oral",
        EXAMPLE_ORAL,
        "1200",
        "oral claim (Claim.type), items coded in " + EXAMPLE_ORAL,
    ),
    "vision": ("vision", EXAMPLE_SERVICE, "VX01", "vision claim"),
    "pharmacy": (
        "pharmacy",
        NDC,
        "0000-0000-00",
        "pharmacy claim (Claim.type), items coded in " + NDC,
    ),
    "institutional": (
        "institutional",
        "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
        "J1100",
        "institutional claim (Claim.type), items coded in HCPCS",
    ),
    "professional in SNOMED": (
        "professional",
        SNOMED,
        "0000001",
        "professional claim (Claim.type), items coded in " + SNOMED,
    ),
    "professional in an example system": (
        "professional",
        EXAMPLE_SERVICE,
        "VX01",
        "items coded in " + EXAMPLE_SERVICE,
    ),
}


def claim_pieces(pieces: list[Any]) -> list[ClaimPiece]:
    return [p for p in pieces if isinstance(p, ClaimPiece)]


@pytest.mark.parametrize("name", sorted(OUT_OF_SCOPE))
def test_out_of_scope_claims_are_read_and_passed_through(fhir: Any, name: str) -> None:
    kind, system, code, reason = OUT_OF_SCOPE[name]
    data = fhir.to_json(typed(fhir, kind, system, code, "OOS-1"))
    pieces = fhir.read(data)
    [piece] = claim_pieces(pieces)
    assert (piece.claim, piece.out_of_scope, piece.claim_id) == (None, True, "OOS-1")
    assert reason in (piece.problem or "")
    assert "professional claims coded in CPT/HCPCS" in (piece.problem or "")
    assert code not in (piece.problem or "")  # systems are named, values are not
    assert fhir.write(pieces) == data


def test_a_mixed_claim_names_every_code_system(fhir: Any) -> None:
    items = [
        fhir.item(1),
        fhir.item(2, productOrService={"coding": [{"system": SNOMED, "code": "0000002"}]}),
    ]
    [piece] = claim_pieces(fhir.read(fhir.to_json(fhir.claim(items))))
    assert piece.out_of_scope
    assert f"items coded in CPT, {SNOMED}" in (piece.problem or "")


def test_the_same_claim_is_out_of_scope_in_every_document_type(fhir: Any) -> None:
    oral = typed(fhir, "oral", EXAMPLE_ORAL, "1200", "ORAL-1")
    good = fhir.claim()
    documents = {
        "single": fhir.to_json(oral),
        "bundle": fhir.to_json(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": good}, {"resource": oral}],
            }
        ),
        "ndjson": fhir.to_json(good, indent=None) + b"\n" + fhir.to_json(oral, indent=None) + b"\n",
    }
    for kind, data in documents.items():
        pieces = fhir.read(data)
        oral_piece = next(p for p in claim_pieces(pieces) if p.claim_id == "ORAL-1")
        assert oral_piece.out_of_scope and oral_piece.claim is None, kind
        assert oral_piece.problem is not None and oral_piece.problem.startswith("oral claim"), kind
        assert fhir.write(pieces) == data, kind


def test_an_out_of_scope_xml_claim_is_passed_through(fhir: Any) -> None:
    document = (
        b'<Claim xmlns="http://hl7.org/fhir"><id value="x-oral"/><status value="active"/>'
        b'<type><coding><system value="' + CLAIM_TYPE.encode() + b'"/><code value="oral"/>'
        b'</coding></type><use value="claim"/><patient><reference value="Patient/p1"/>'
        b'</patient><created value="2026-01-16"/><provider><reference value="Organization/o1"/>'
        b'</provider><priority><coding><code value="normal"/></coding></priority><insurance>'
        b'<sequence value="1"/><focal value="true"/><coverage><display value="plan"/></coverage>'
        b'</insurance><item><sequence value="1"/><productOrService><coding><system value="'
        + EXAMPLE_ORAL.encode()
        + b'"/><code value="1200"/></coding></productOrService>'
        b'<servicedDate value="2026-01-15"/></item></Claim>'
    )
    pieces = fhir.read(document)
    [piece] = claim_pieces(pieces)
    assert (piece.claim_id, piece.out_of_scope) == ("x-oral", True)
    assert fhir.write(pieces) == document


def stu3_claim() -> dict[str, Any]:
    """A professional Claim in FHIR STU3 (3.0) shape: item.service, careTeamLinkId,
    information, organization."""
    return {
        "resourceType": "Claim",
        "id": "stu3-1",
        "status": "active",
        "type": {
            "coding": [{"system": "http://hl7.org/fhir/ex-claimtype", "code": "professional"}]
        },
        "use": "complete",
        "patient": {"reference": "Patient/p1"},
        "created": "2017-01-16",
        "organization": {"reference": "Organization/o1"},
        "information": [{"sequence": 1, "category": {"coding": [{"code": "info"}]}}],
        "careTeam": [{"sequence": 1, "provider": {"reference": "Practitioner/pr1"}}],
        "item": [
            {
                "sequence": 1,
                "careTeamLinkId": [1],
                "service": {
                    "coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "99213"}]
                },
                "servicedDate": "2017-01-15",
                "net": {"value": 75.0},
            }
        ],
    }


def dstu2_claim() -> dict[str, Any]:
    """A professional Claim in FHIR DSTU2 (1.0) shape: type as a code, target, coverage,
    item.service as a Coding."""
    return {
        "resourceType": "Claim",
        "id": "dstu2-1",
        "type": "professional",
        "created": "2015-01-16",
        "target": {"reference": "Organization/o2"},
        "patient": {"reference": "Patient/p1"},
        "coverage": [{"sequence": 1, "focal": True, "coverage": {"reference": "Coverage/c1"}}],
        "item": [
            {
                "sequence": 1,
                "type": {"code": "service"},
                "service": {"system": "http://www.ama-assn.org/go/cpt", "code": "99213"},
                "serviceDate": "2015-01-15",
            }
        ],
    }


READS = "FHIR R4/R4B (fhir_version r4, the default) and R5 (fhir_version r5)"


@pytest.mark.parametrize("fast", ["false", "true"])
def test_an_stu3_claim_says_it_looks_like_stu3(fhir: Any, fast: str) -> None:
    data = fhir.to_json(stu3_claim())
    pieces = fhir.read(data, fast=fast)
    [piece] = claim_pieces(pieces)
    assert (piece.claim, piece.out_of_scope) == (None, False)
    assert piece.problem == (
        "/: looks like a FHIR STU3 Claim (information, organization, item.service, "
        f"item.careTeamLinkId); this scrubber reads {READS}; convert it to R4 first"
    )
    assert fhir.write(pieces) == data


def test_a_dstu2_claim_in_a_bundle_says_it_looks_like_dstu2(fhir: Any) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": dstu2_claim()}],
    }
    [piece] = claim_pieces(fhir.read(fhir.to_json(bundle)))
    assert piece.problem is not None
    assert piece.problem.startswith(
        "/entry/0/resource: looks like a FHIR DSTU2 Claim (type as a code, target, coverage"
    )
    assert READS in piece.problem


def test_an_stu3_xml_claim_says_it_looks_like_stu3(fhir: Any) -> None:
    document = (
        b'<Claim xmlns="http://hl7.org/fhir"><id value="stu3-x"/><status value="active"/>'
        b'<organization><reference value="Organization/o1"/></organization>'
        b'<item><sequence value="1"/><service><coding><code value="99213"/></coding></service>'
        b"</item></Claim>"
    )
    [piece] = claim_pieces(fhir.read(document))
    assert piece.problem is not None and "looks like a FHIR STU3 Claim" in piece.problem


def test_an_r5_claim_read_as_r4_is_told_to_use_r5(fhir: Any) -> None:
    claim = fhir.claim(traceNumber=[{"value": "T-1"}])
    [piece] = claim_pieces(fhir.read(fhir.to_json(claim)))
    assert piece.problem == (
        "/: looks like a FHIR R5 Claim (traceNumber); read it with fhir_version r5"
    )
    [again] = claim_pieces(fhir.read(fhir.to_json(claim), fhir_version="r5"))
    assert again.claim is not None


def scrub(tmp_path: Path, tables: Path, data: bytes) -> tuple[int, bytes, dict[str, Any]]:
    source, out, report = tmp_path / "in.json", tmp_path / "out.json", tmp_path / "r.json"
    source.write_bytes(data)
    args = ["scrub", str(source), "-o", str(out), "--report", str(report), "-q"]
    code = cli.main([*args, "--tables", str(tables)])
    return code, out.read_bytes(), json.loads(report.read_text(encoding="utf-8"))


def test_cli_passes_a_single_oral_claim_through_with_scr003_info(
    fhir: Any, tmp_path: Path, sample_tables_db: Path
) -> None:
    data = fhir.to_json(typed(fhir, "oral", EXAMPLE_ORAL, "1200", "ORAL-2"))
    code, out, report = scrub(tmp_path, sample_tables_db, data)
    assert (code, out) == (0, data)  # info only: the run is clean
    [entry] = report["claims"]
    [finding] = entry["findings"]
    assert (entry["claim_id"], finding["code"], finding["severity"]) == ("ORAL-2", "SCR003", "info")
    assert finding["message"].startswith("no edit applies, passed through unchanged: oral claim")
    assert "45 CFR 162.1002" in finding["citation"]
    assert report["summary"]["claims_unreadable"] == 0


def test_cli_passes_a_single_stu3_claim_through_as_unreadable(
    fhir: Any, tmp_path: Path, sample_tables_db: Path
) -> None:
    data = fhir.to_json(stu3_claim())
    code, out, report = scrub(tmp_path, sample_tables_db, data)
    assert (code, out) == (1, data)  # exit 2 is kept for documents that cannot be read at all
    [finding] = report["claims"][0]["findings"]
    assert finding["code"] == "SCR002" and "looks like a FHIR STU3 Claim" in finding["message"]


def test_a_claim_with_subject_instead_of_patient_looks_like_the_r6_ballot(fhir: Any) -> None:
    claim = fhir.claim()
    claim["subject"] = claim.pop("patient")
    [piece] = claim_pieces(fhir.read(fhir.to_json(claim)))
    assert (
        piece.problem
        == f"/: looks like a FHIR R6 (draft) Claim (subject); this scrubber reads {READS}"
    )


def test_an_out_of_scope_claim_is_a_result_of_the_engine(fhir: Any) -> None:
    """SCR003 comes out of the engine like SCR002, so the API's findings are the report's."""
    from collections import Counter

    from scrubber import MemoryTables, UnreadableClaim, scrub_bytes

    oral = typed(fhir, "oral", EXAMPLE_ORAL, "1200", "ORAL-1")
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": fhir.claim()}, {"resource": oral}],
    }
    result = scrub_bytes(fhir.to_json(bundle), tables=MemoryTables())
    passed = result.results[1]
    assert isinstance(passed, UnreadableClaim) and passed.out_of_scope
    assert [f.code for f in passed.findings] == ["SCR003"]
    summary = result.report["summary"]
    assert Counter(f.code for f in result.findings) == Counter(summary["findings"]["by_code"])
    assert summary["claims_unreadable"] == 0  # read, only not for these edits
