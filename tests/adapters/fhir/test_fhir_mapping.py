"""FHIR Claim -> scrubber Claim: every mapped field, on hand-made synthetic Claims."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from scrubber._formats import ClaimPiece
from scrubber._models import Attachment, Claim

CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
NPI = "http://hl7.org/fhir/sid/us-npi"
EXT = "https://claim-scrubber.dev/fhir/StructureDefinition/"


def one(fhir: Any, tree: dict[str, Any], **options: str) -> Claim:
    claims: list[Claim] = fhir.claims(fhir.read(fhir.to_json(tree), **options))
    [claim] = claims
    return claim


def test_sample_resolves_to_medicaid_with_a_timed_period(samples_dir: Path, fhir: Any) -> None:
    [claim] = fhir.claims(
        fhir.read((samples_dir / "fhir/home-infusion-medicaid.r4.json").read_bytes())
    )
    assert (claim.id, claim.filing_indicator, claim.payer_id) == ("HI-MCD-0001", "MC", "SYNMCD01")
    assert claim.payer_name == "Synthetic State Medicaid"
    assert (claim.billing_npi, claim.rendering_npi) == ("1234567893", "1245319599")
    [line] = claim.lines
    assert (line.code, line.code_system, line.units, line.unit_basis) == ("99601", "CPT", 1, "UN")
    assert line.minutes == Decimal(330)  # 09:00 to 14:30
    est = timezone(timedelta(hours=-5))
    assert (line.start, line.end) == (
        datetime(2026, 1, 15, 9, 0, tzinfo=est),
        datetime(2026, 1, 15, 14, 30, tzinfo=est),
    )
    assert (line.service_from, line.service_to) == (date(2026, 1, 15), date(2026, 1, 15))
    assert line.charge == Decimal("500.00") and str(claim.total_charge) == "500.00"
    assert (line.place_of_service, line.diagnosis_pointers) == ("12", (1,))
    assert claim.diagnosis_codes == ("A41.9",)
    assert claim.source is not None and claim.source.locator == "/"
    assert line.source is not None and line.source.locator == "/item/0"


def test_claim_id_is_the_first_identifier_else_the_resource_id(fhir: Any) -> None:
    assert one(fhir, fhir.claim()).id == "CLM-1"
    assert one(fhir, fhir.claim(identifier=None, id="res-7")).id == "res-7"


def test_patient_key_is_an_opaque_hash(fhir: Any) -> None:
    first = one(fhir, fhir.claim())
    other = one(fhir, fhir.claim(patient={"reference": "Patient/synthetic-2"}))
    assert first.patient_key and "synthetic" not in first.patient_key
    assert first.patient_key != other.patient_key
    assert first.patient_key == one(fhir, fhir.claim(id="again")).patient_key
    assert "patient_key" not in repr(first)


@pytest.mark.parametrize(
    ("coverage_type", "expected"),
    [
        ({"system": "https://codesystem.x12.org/005010/1032", "code": "MC"}, "MC"),
        ({"code": "MB"}, "MB"),
        ({"system": "urn:oid:2.16.840.1.113883.3.221.5", "code": "2"}, "MC"),
        ({"system": "urn:oid:2.16.840.1.113883.3.221.5", "code": "11"}, "MB"),
        ({"system": "http://example.org/other", "code": "MC"}, None),
    ],
)
def test_filing_indicator_from_a_contained_coverage_type(
    fhir: Any, coverage_type: dict[str, str], expected: str | None
) -> None:
    coverage = {
        "resourceType": "Coverage",
        "id": "cov",
        "status": "active",
        "type": {"coding": [coverage_type]},
        "subscriberId": "SYNTH-1",
        "beneficiary": {"reference": "Patient/synthetic-1"},
        "payor": [{"identifier": {"value": "PAYER9"}, "display": "Synthetic payer"}],
    }
    claim = one(
        fhir,
        fhir.claim(
            contained=[coverage],
            insurance=[{"sequence": 1, "focal": True, "coverage": {"reference": "#cov"}}],
        ),
    )
    assert claim.filing_indicator == expected
    assert (claim.payer_id, claim.payer_name) == ("PAYER9", "Synthetic payer")
    assert claim.subscriber_key and "SYNTH" not in claim.subscriber_key


def test_filing_indicator_extension_on_claim_wins_then_on_insurance(fhir: Any) -> None:
    on_insurance = [
        {
            "sequence": 1,
            "focal": True,
            "coverage": {"display": "x"},
            "extension": [{"url": EXT + "claim-filing-indicator", "valueCode": "MC"}],
        }
    ]
    assert one(fhir, fhir.claim(insurance=on_insurance)).filing_indicator == "MC"
    on_claim = fhir.claim(
        insurance=on_insurance,
        extension=[{"url": EXT + "claim-filing-indicator", "valueCode": "mb"}],
    )
    assert one(fhir, on_claim).filing_indicator == "MB"


def test_payer_from_claim_insurer(fhir: Any) -> None:
    claim = one(fhir, fhir.claim(insurer={"identifier": {"value": "INS1"}, "display": "Ins One"}))
    assert (claim.payer_id, claim.payer_name) == ("INS1", "Ins One")


def test_bundle_resolves_coverage_and_provider_entries(fhir: Any) -> None:
    claim = fhir.claim(
        provider={"reference": "Organization/org1"},
        insurance=[{"sequence": 1, "focal": True, "coverage": {"reference": "urn:uuid:cov-1"}}],
    )
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:cov-1",
                "resource": {
                    "resourceType": "Coverage",
                    "status": "active",
                    "type": {"coding": [{"code": "MC"}]},
                    "beneficiary": {"reference": "Patient/synthetic-1"},
                    "payor": [{"reference": "Organization/payer1"}],
                },
            },
            {
                "resource": {
                    "resourceType": "Organization",
                    "id": "org1",
                    "identifier": [{"system": NPI, "value": "1999999984"}],
                }
            },
            {"resource": {"resourceType": "Organization", "id": "payer1", "name": "Payer by ref"}},
            {"resource": claim},
        ],
    }
    [piece] = [p for p in fhir.read(fhir.to_json(bundle)) if isinstance(p, ClaimPiece)]
    assert piece.locator == "/entry/3/resource" and piece.claim is not None
    assert (piece.claim.filing_indicator, piece.claim.billing_npi) == ("MC", "1999999984")
    assert piece.claim.payer_name == "Payer by ref"
    assert piece.claim.lines[0].source is not None
    assert piece.claim.lines[0].source.locator == "/entry/3/resource/item/0"


@pytest.mark.parametrize(
    ("system", "code", "code_system"),
    [
        ("http://www.ama-assn.org/go/cpt", "99601", "CPT"),
        ("https://www.ama-assn.org/go/cpt", "99601", "CPT"),
        ("urn:oid:2.16.840.1.113883.6.12", "99601", "CPT"),
        ("http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "J1100", "HCPCS"),
        ("https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "J1100", "HCPCS"),
        ("urn:oid:2.16.840.1.113883.6.285", "J1100", "HCPCS"),
    ],
)
def test_procedure_code_systems(fhir: Any, system: str, code: str, code_system: str) -> None:
    concept = {
        "coding": [
            {"system": "http://example.org/local", "code": "L1"},
            {"system": system, "code": code},
        ]
    }
    claim = one(fhir, fhir.claim([fhir.item(productOrService=concept)]))
    assert (claim.lines[0].code, claim.lines[0].code_system) == (code, code_system)


def test_modifiers_pointers_pos_and_rendering_provider(fhir: Any) -> None:
    item = fhir.item(
        modifier=[
            {"coding": [{"system": CPT, "code": "59"}]},
            {"coding": [{"system": HCPCS, "code": "GD"}]},
        ],
        diagnosisSequence=[3, 1],
        careTeamSequence=[2],
        locationCodeableConcept={"coding": [{"code": "12"}]},
    )
    diagnoses = [
        {"sequence": s, "diagnosisCodeableConcept": {"coding": [{"code": c}]}}
        for s, c in [(3, "E86.0"), (1, "A41.9")]
    ]
    team = [
        {"sequence": 1, "provider": {"identifier": {"system": NPI, "value": "1111111112"}}},
        {"sequence": 2, "provider": {"identifier": {"system": NPI, "value": "1245319599"}}},
    ]
    claim = one(fhir, fhir.claim([item], diagnosis=diagnoses, careTeam=team))
    [line] = claim.lines
    assert claim.diagnosis_codes == ("A41.9", "E86.0")  # in sequence order
    assert line.diagnosis_pointers == (2, 1)  # positions in diagnosis_codes
    assert line.modifiers == ("59", "GD")
    assert (line.place_of_service, claim.place_of_service) == ("12", "12")
    assert line.rendering_npi == "1245319599"


@pytest.mark.parametrize(
    ("quantity", "units", "minutes"),
    [
        (
            {"value": 95, "unit": "min", "system": "http://unitsofmeasure.org", "code": "min"},
            95,
            95,
        ),
        (
            {"value": Decimal("1.5"), "system": "http://unitsofmeasure.org", "code": "h"},
            Decimal("1.5"),
            Decimal(90),
        ),
    ],
)
def test_time_quantity_is_unit_basis_mj(
    fhir: Any, quantity: dict[str, Any], units: Decimal, minutes: Decimal
) -> None:
    [line] = one(fhir, fhir.claim([fhir.item(quantity=quantity)])).lines
    assert (line.unit_basis, line.units, line.minutes) == ("MJ", units, minutes)


def test_count_quantity_and_missing_quantity(fhir: Any) -> None:
    [line] = one(fhir, fhir.claim([fhir.item(quantity={"value": 3})])).lines
    assert (line.unit_basis, line.units, line.minutes) == ("UN", Decimal(3), None)
    [line] = one(fhir, fhir.claim([fhir.item(quantity=None)])).lines
    assert line.units == 1


def test_serviced_period_of_dates(fhir: Any) -> None:
    item = fhir.item(servicedDate=None, servicedPeriod={"start": "2026-01-10", "end": "2026-01-12"})
    [line] = one(fhir, fhir.claim([item])).lines
    assert (line.service_from, line.service_to) == (date(2026, 1, 10), date(2026, 1, 12))
    assert (line.start, line.end, line.minutes) == (None, None, None)


def test_charge_is_net_else_unit_price_times_quantity(fhir: Any) -> None:
    priced = fhir.item(
        net=None, quantity={"value": 3}, unitPrice={"value": Decimal("12.50"), "currency": "USD"}
    )
    factored = fhir.item(
        net=None,
        quantity={"value": 2},
        unitPrice={"value": Decimal("10.00"), "currency": "USD"},
        factor=Decimal("0.5"),
    )
    both = fhir.item(
        quantity={"value": 3},
        unitPrice={"value": Decimal("12.50")},
        net={"value": Decimal("30.00")},
    )
    claim = one(fhir, fhir.claim([priced, factored, both]))
    assert [ln.charge for ln in claim.lines] == [
        Decimal("37.50"),
        Decimal("10.00"),
        Decimal("30.00"),
    ]
    assert all(
        isinstance(ln.charge, Decimal) and isinstance(ln.units, Decimal) for ln in claim.lines
    )
    assert [ln.number for ln in claim.lines] == [1, 2, 3]


def test_line_control_number_extension_and_r5_trace_number(fhir: Any) -> None:
    item = fhir.item(extension=[{"url": EXT + "line-control-number", "valueString": "LCN-9"}])
    assert one(fhir, fhir.claim([item])).lines[0].control_number == "LCN-9"
    traced = fhir.item(traceNumber=[{"value": "TRACE-3"}])
    assert one(fhir, fhir.claim([traced]), fhir_version="r5").lines[0].control_number == "TRACE-3"


def test_notes_and_attachments_from_supporting_info(fhir: Any) -> None:
    info_category = "http://terminology.hl7.org/CodeSystem/claiminformationcategory"
    infos = [
        {
            "sequence": 1,
            "category": {"coding": [{"system": info_category, "code": "info"}]},
            "valueString": "line note",
        },
        {
            "sequence": 2,
            "category": {"coding": [{"system": info_category, "code": "attachment"}]},
            "code": {
                "coding": [
                    {"system": "https://codesystem.x12.org/005010/755", "code": "09"},
                    {"system": "https://codesystem.x12.org/005010/756", "code": "FX"},
                ]
            },
            "valueReference": {
                "identifier": {
                    "system": "https://claim-scrubber.dev/fhir/sid/attachment-control-number",
                    "value": "ACN7",
                }
            },
        },
        {
            "sequence": 3,
            "category": {"coding": [{"system": info_category, "code": "info"}]},
            "valueString": "claim note",
        },
    ]
    item = fhir.item(informationSequence=[1, 2])
    claim = one(fhir, fhir.claim([item], supportingInfo=infos))
    assert claim.note == "claim note" and claim.attachments == ()
    assert claim.lines[0].note == "line note"
    assert claim.lines[0].attachments == (
        Attachment(report_type="09", transmission="FX", control_number="ACN7"),
    )


def test_r5_claim_without_provider_reads_in_r5(fhir: Any) -> None:
    claim = one(fhir, fhir.claim(provider=None, priority=None), fhir_version="r5")
    assert claim.billing_npi is None and claim.lines[0].code == "99601"


def test_total_defaults_to_the_sum_of_lines(fhir: Any) -> None:
    items = [fhir.item(1), fhir.item(2, net={"value": Decimal("50.25")})]
    assert one(fhir, fhir.claim(items, total=None)).total_charge == Decimal("150.25")
