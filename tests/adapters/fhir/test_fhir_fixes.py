"""Each fix kind is written into the Claim, validates with fhir.resources, and reads back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.claim import Claim as R5Claim
from fhir.resources.R4B.claim import Claim as R4Claim

from scrubber._fixes import (
    AddNote,
    Fix,
    RemoveLine,
    RequestAttachment,
    SetModifiers,
    SetUnits,
    SplitLine,
    SplitPart,
    apply_fixes,
)
from scrubber._formats import ClaimPiece
from scrubber._models import Attachment, Claim

SPLIT_FROM = "https://claim-scrubber.dev/fhir/StructureDefinition/split-from"
MODELS: dict[str, Any] = {"r4": R4Claim, "r5": R5Claim}


def rewrite(
    fhir: Any, data: bytes, fixes: Sequence[Fix], **options: str
) -> tuple[bytes, Claim, Claim]:
    """Apply *fixes* to the (only) Claim; return the output, the fixed and the re-read claim."""
    pieces = fhir.read(data, **options)
    fixed: list[Claim] = []

    def fix(claim: Claim) -> Claim:
        outcome = apply_fixes(claim, [("TST001", f) for f in fixes])
        assert not outcome.rejected, outcome.rejected
        fixed.append(outcome.claim)
        return outcome.claim

    out = fhir.write(pieces, fix, **options)
    [again] = fhir.claims(fhir.read(out, **options))
    return out, fixed[0], again


def same_billing(a: Claim, b: Claim) -> None:
    """What the writer renders is what the reader reads back."""
    assert a.total_charge == b.total_charge and a.note == b.note and a.attachments == b.attachments
    keep: tuple[str, ...] = ("number", "code", "modifiers", "units", "unit_basis", "charge")
    keep += ("control_number",)
    keep += ("note", "attachments", "service_from", "diagnosis_pointers", "place_of_service")
    for x, y in zip(a.lines, b.lines, strict=True):
        assert {k: getattr(x, k) for k in keep} == {k: getattr(y, k) for k in keep}


def two_items(fhir: Any) -> bytes:
    items = [
        fhir.item(
            1,
            diagnosisSequence=[1],
            careTeamSequence=[1],
            locationCodeableConcept={"coding": [{"code": "12"}]},
            quantity={"value": 6},
            unitPrice={"value": Decimal("50.00"), "currency": "USD"},
            net={"value": Decimal("300.00"), "currency": "USD"},
        ),
        fhir.item(2, code="99602", net={"value": Decimal("75.00"), "currency": "USD"}),
    ]
    claim = fhir.claim(
        items,
        diagnosis=[{"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"code": "A41.9"}]}}],
        careTeam=[{"sequence": 1, "provider": {"display": "Synthetic nurse"}}],
    )
    return bytes(fhir.to_json(claim))


@pytest.mark.parametrize("version", ["r4", "r5"])
def test_set_units_prorates_net_and_unit_price(fhir: Any, version: str) -> None:
    out, fixed, again = rewrite(
        fhir, two_items(fhir), [SetUnits(line=1, units=Decimal(4))], fhir_version=version
    )
    same_billing(fixed, again)
    tree = json.loads(out, parse_float=Decimal)
    MODELS[version].model_validate(tree)
    item = tree["item"][0]
    assert item["quantity"] == {"value": 4}
    assert (item["net"]["value"], item["unitPrice"]["value"]) == (
        Decimal("200.00"),
        Decimal("50.00"),
    )
    assert (
        tree["total"]["value"] == Decimal("275.00") == sum(i["net"]["value"] for i in tree["item"])
    )
    assert b'"value": 200.00' in out  # money keeps two decimals


def test_split_line_renumbers_copies_and_links_to_the_original(fhir: Any) -> None:
    split = SplitLine(
        line=1,
        parts=(
            SplitPart(units=Decimal(4)),
            SplitPart(units=Decimal(2), add_modifiers=("GD",), note="units over MUE"),
        ),
    )
    out, fixed, again = rewrite(fhir, two_items(fhir), [split])
    same_billing(fixed, again)
    tree = json.loads(out, parse_float=Decimal)
    R4Claim.model_validate(tree)
    first, second, third = tree["item"]
    assert [i["sequence"] for i in tree["item"]] == [1, 2, 3]
    for part in (first, second):
        assert {"url": SPLIT_FROM, "valueInteger": 1} in part["extension"]
        assert part["diagnosisSequence"] == [1] and part["careTeamSequence"] == [1]
        assert part["locationCodeableConcept"] == {"coding": [{"code": "12"}]}
        assert part["servicedDate"] == "2026-01-15"
    assert "extension" not in third and third["productOrService"]["coding"][0]["code"] == "99602"
    assert [ln.control_number for ln in again.lines] == ["CLM-1-1-1", "CLM-1-1-2", None]
    assert again.lines[1].modifiers == ("GD",) and again.lines[1].note == "units over MUE"
    assert [i["net"]["value"] for i in tree["item"]] == [Decimal("200.00"), Decimal("100.00"), 75]
    assert tree["total"]["value"] == Decimal("375.00")


def test_split_with_a_new_code_rewrites_the_coding(fhir: Any) -> None:
    data = fhir.to_json(
        fhir.claim(
            [
                fhir.item(
                    quantity={
                        "value": 330,
                        "unit": "min",
                        "system": "http://unitsofmeasure.org",
                        "code": "min",
                    },
                    net={"value": Decimal("500.00")},
                )
            ]
        )
    )
    split = SplitLine(
        line=1,
        parts=(
            SplitPart(units=Decimal(1), unit_basis="UN"),
            SplitPart(units=Decimal(3), code="99602", unit_basis="UN"),
        ),
    )
    out, fixed, again = rewrite(fhir, data, [split])
    same_billing(fixed, again)
    tree = json.loads(out, parse_float=Decimal)
    # MJ -> UN: the time unit no longer describes the quantity
    assert [i["quantity"] for i in tree["item"]] == [{"value": 1}, {"value": 3}]
    assert [ln.code for ln in again.lines] == ["99601", "99602"]
    assert sum(ln.charge for ln in again.lines) == again.total_charge == Decimal("500.00")


def test_set_units_to_minutes_adds_the_ucum_unit(fhir: Any) -> None:
    out, fixed, again = rewrite(
        fhir, fhir.to_json(fhir.claim()), [SetUnits(line=1, units=Decimal(90), unit_basis="MJ")]
    )
    same_billing(fixed, again)
    assert json.loads(out)["item"][0]["quantity"] == {
        "value": 90,
        "unit": "min",
        "system": "http://unitsofmeasure.org",
        "code": "min",
    }


def test_set_modifiers_keeps_existing_codings_and_adds_new(fhir: Any) -> None:
    hcpcs = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
    item = fhir.item(modifier=[{"coding": [{"system": hcpcs, "code": "GD", "display": "kept"}]}])
    out, fixed, again = rewrite(
        fhir, fhir.to_json(fhir.claim([item])), [SetModifiers(line=1, modifiers=("59", "GD"))]
    )
    same_billing(fixed, again)
    modifiers = json.loads(out)["item"][0]["modifier"]
    assert modifiers[0] == {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "59"}]}
    assert modifiers[1]["coding"][0]["display"] == "kept"
    _, _, cleared = rewrite(
        fhir, fhir.to_json(fhir.claim([item])), [SetModifiers(line=1, modifiers=())]
    )
    assert cleared.lines[0].modifiers == ()


def test_remove_line_drops_the_item_and_its_own_supporting_info(fhir: Any) -> None:
    data = two_items(fhir)
    first, _, noted = rewrite(fhir, data, [AddNote(line=2, text="duplicate of line 1")])
    assert noted.lines[1].note == "duplicate of line 1"
    out, fixed, again = rewrite(fhir, first, [RemoveLine(line=2)])
    same_billing(fixed, again)
    tree = json.loads(out, parse_float=Decimal)
    assert [i["sequence"] for i in tree["item"]] == [1]
    assert "supportingInfo" not in tree and again.note is None
    assert tree["total"]["value"] == Decimal("300.00")


def test_notes_on_line_and_claim_accumulate(fhir: Any) -> None:
    fixes = [AddNote(line=1, text="first"), AddNote(line=None, text="claim level")]
    once, fixed, again = rewrite(fhir, two_items(fhir), fixes)
    same_billing(fixed, again)
    twice, fixed2, again2 = rewrite(fhir, once, [AddNote(line=1, text="second")])
    same_billing(fixed2, again2)
    assert again2.lines[0].note == "first; second" and again2.note == "claim level"
    infos = json.loads(twice)["supportingInfo"]
    assert [i["valueString"] for i in infos] == ["first", "claim level", "second"]
    assert json.loads(twice)["item"][0]["informationSequence"] == [1, 3]


@pytest.mark.parametrize("version", ["r4", "r5"])
def test_request_attachment_on_line_and_claim(fhir: Any, version: str) -> None:
    fixes = [
        RequestAttachment(line=1, report_type="09", transmission="FX", control_number="ACN1"),
        RequestAttachment(line=None, report_type="OZ", transmission="AA", description="notes"),
    ]
    out, fixed, again = rewrite(fhir, two_items(fhir), fixes, fhir_version=version)
    same_billing(fixed, again)
    MODELS[version].model_validate(json.loads(out, parse_float=Decimal))
    assert again.lines[0].attachments == (
        Attachment(report_type="09", transmission="FX", control_number="ACN1"),
    )
    assert again.attachments == (
        Attachment(report_type="OZ", transmission="AA", description="notes"),
    )
    info = json.loads(out)["supportingInfo"][0]
    assert info["code"]["coding"][0] == {
        "system": "https://codesystem.x12.org/005010/755",
        "code": "09",
    }


def test_modified_claim_keeps_untouched_neighbours_byte_for_byte(
    samples_dir: Path, fhir: Any
) -> None:
    data = (samples_dir / "fhir/bundle-two-claims.r4.json").read_bytes()
    pieces = fhir.read(data)
    claims = [p for p in pieces if isinstance(p, ClaimPiece)]

    def only_second(claim: Claim) -> Claim | None:
        if claim.id != "BND-0002":
            return None
        return apply_fixes(claim, [("TST001", SetUnits(line=1, units=Decimal(60)))]).claim

    out = fhir.write(pieces, only_second)
    first = claims[0].payload.text.encode()  # type: ignore[attr-defined]
    assert first in out and out.startswith(data[: data.index(first) + len(first)])
    tree = json.loads(out, parse_float=Decimal)
    second = tree["entry"][3]["resource"]
    assert second["item"][0]["net"]["value"] == Decimal("120.00")
    assert second["item"][0]["unitPrice"]["value"] == Decimal("2.00")
    assert second["total"]["value"] == Decimal("120.00")
    assert b'\n        "item": [\n' in out  # the Bundle's indentation is continued


def test_ndjson_fixed_claims_stay_on_one_line(samples_dir: Path, fhir: Any) -> None:
    data = (samples_dir / "fhir/batch.r4.ndjson").read_bytes()
    out = fhir.write(
        fhir.read(data),
        lambda c: apply_fixes(c, [("TST001", AddNote(line=1, text="checked"))]).claim,
    )
    lines = out.decode().splitlines()
    assert len(lines) == 3
    assert all(json.loads(line)["supportingInfo"][0]["valueString"] == "checked" for line in lines)
    assert [c.lines[0].note for c in fhir.claims(fhir.read(out))] == ["checked"] * 3


def test_modified_xml_claim_validates_and_reads_back(samples_dir: Path, fhir: Any) -> None:
    data = (samples_dir / "fhir/home-infusion-medicaid.r4.xml").read_bytes()
    split = SplitLine(
        line=1, parts=(SplitPart(units=Decimal(1)), SplitPart(units=Decimal(3), code="99602"))
    )
    out, fixed, again = rewrite(fhir, data, [split, AddNote(line=None, text="time split")])
    same_billing(fixed, again)
    assert out.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<Claim")
    R4Claim.model_validate_xml(out.split(b"?>", 1)[1].strip())
    assert [ln.charge for ln in again.lines] == [Decimal(125), Decimal(375)]


def test_fast_option_writes_without_validation(fhir: Any) -> None:
    """A vendor key the models reject is kept as sent: fast mode works on the JSON tree."""
    data = fhir.to_json(fhir.claim(vendorBatch="B-17"))
    out, fixed, again = rewrite(fhir, data, [SetUnits(line=1, units=Decimal(2))], fast="true")
    same_billing(fixed, again)
    assert json.loads(out)["vendorBatch"] == "B-17"
    assert json.loads(out)["item"][0]["quantity"] == {"value": 2}


def test_fixed_ndjson_line_keeps_its_byte_order_mark_and_padding(fhir: Any) -> None:
    line = fhir.to_json(fhir.claim(), indent=None)
    data = "\ufeff".encode() + line + b"  \r\n" + line + b"\n"
    out = fhir.write(
        fhir.read(data),
        lambda c: apply_fixes(c, [("TST001", SetUnits(line=1, units=Decimal(2)))]).claim,
    )
    first, second = out.split(b"\n")[:2]
    assert first.startswith("\ufeff".encode()) and first.endswith(b"}  \r")
    assert json.loads(first.lstrip("\ufeff".encode()))["item"][0]["quantity"] == {"value": 2}
    assert json.loads(second)["item"][0]["net"]["value"] == 200


def test_xml_bundle_rewrites_only_the_fixed_claim(samples_dir: Path, fhir: Any) -> None:
    claim_xml = (samples_dir / "fhir/home-infusion-medicaid.r4.xml").read_text()
    claim_xml = claim_xml.split("?>", 1)[1].strip().replace(' xmlns="http://hl7.org/fhir"', "")
    second = claim_xml.replace("HI-MCD-0001", "HI-MCD-0002")
    bundle = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Bundle xmlns="http://hl7.org/fhir">\n'
        '  <type value="collection"/>\n'
        f"  <entry>\n    <resource>\n{claim_xml}\n    </resource>\n  </entry>\n"
        "  <!-- a comment that mentions <Claim> is not markup -->\n"
        f"  <entry>\n    <resource>\n{second}\n    </resource>\n  </entry>\n</Bundle>\n"
    ).encode()
    pieces = fhir.read(bundle)
    assert [p.locator for p in pieces if isinstance(p, ClaimPiece)] == [
        "/entry/0/resource",
        "/entry/1/resource",
    ]
    assert fhir.write(pieces) == bundle

    def second_only(claim: Claim) -> Claim | None:
        if claim.id != "HI-MCD-0002":
            return None
        return apply_fixes(claim, [("TST001", SetUnits(line=1, units=Decimal(2)))]).claim

    out = fhir.write(pieces, second_only)
    assert out.startswith(bundle[: bundle.index(b"<!-- a comment")])
    first, again = fhir.claims(fhir.read(out))
    assert (first.lines[0].units, again.lines[0].units) == (1, 2)
    assert again.lines[0].charge == again.total_charge == Decimal(1000)
