"""Property tests: any valid Claim round-trips unchanged without fixes, and any mix of fixes
is written so that it reads back as the fixed claim with total = sum of item.net."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.claim import Claim as R4Claim
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from scrubber._models import Claim

CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

cents = st.integers(min_value=0, max_value=500_000).map(lambda n: Decimal(n).scaleb(-2))


@st.composite
def items(draw: st.DrawFn, sequence: int) -> dict[str, Any]:
    code, system = draw(
        st.sampled_from(
            [
                ("99601", CPT),
                ("99602", CPT),
                ("96365", "urn:oid:2.16.840.1.113883.6.12"),
                ("J1100", HCPCS),
                ("A4222", "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"),
            ]
        )
    )
    units = draw(st.integers(min_value=1, max_value=30))
    item: dict[str, Any] = {
        "sequence": sequence,
        "productOrService": {"coding": [{"system": system, "code": code}]},
    }
    modifiers = draw(st.lists(st.sampled_from(["59", "GD", "XE", "76"]), max_size=2, unique=True))
    if modifiers:
        item["modifier"] = [{"coding": [{"system": HCPCS, "code": m}]} for m in modifiers]
    if draw(st.booleans()):
        item["servicedDate"] = "2026-01-15"
    else:
        start, length = draw(st.integers(6, 12)), draw(st.integers(1, 600))
        item["servicedPeriod"] = {
            "start": f"2026-01-15T{start:02d}:00:00-05:00",
            "end": f"2026-01-15T{start + length // 60:02d}:{length % 60:02d}:00-05:00",
        }
    if draw(st.booleans()):
        item["quantity"] = {"value": units}
    else:
        item["quantity"] = {
            "value": units * 15,
            "unit": "min",
            "system": "http://unitsofmeasure.org",
            "code": "min",
        }
    if draw(st.booleans()):
        price = draw(cents)
        item["unitPrice"] = {"value": price, "currency": "USD"}
        item["net"] = {"value": price * item["quantity"]["value"], "currency": "USD"}
    else:
        item["net"] = {"value": draw(cents), "currency": "USD"}
    return item


@st.composite
def claims(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(min_value=1, max_value=5))
    claim_items = [draw(items(n)) for n in range(1, count + 1)]
    total = sum((i["net"]["value"] for i in claim_items), Decimal("0.00"))
    return {
        "resourceType": "Claim",
        "identifier": [{"value": draw(st.from_regex(r"[A-Z]{2}-[0-9]{1,6}", fullmatch=True))}],
        "status": "active",
        "type": {"coding": [{"code": "professional"}]},
        "use": "claim",
        "patient": {"reference": "Patient/synthetic-1"},
        "created": "2026-01-16",
        "provider": {"display": "Synthetic agency"},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "plan"}}],
        "item": claim_items,
        "total": {"value": total, "currency": "USD"},
    }


def fix_for(count: int) -> st.SearchStrategy[Fix]:
    line = st.integers(min_value=1, max_value=count)
    units = st.integers(min_value=1, max_value=12).map(Decimal)
    part = st.builds(
        SplitPart,
        units=units,
        code=st.sampled_from([None, "99602"]),
        add_modifiers=st.sampled_from([(), ("GD",)]),
        note=st.sampled_from([None, "over limit"]),
    )
    return st.one_of(
        st.builds(SetUnits, line=line, units=units),
        st.builds(SplitLine, line=line, parts=st.lists(part, min_size=2, max_size=3).map(tuple)),
        st.builds(AddNote, line=st.none() | line, text=st.sampled_from(["see notes", "appeal"])),
        st.builds(
            RequestAttachment,
            line=st.none() | line,
            report_type=st.sampled_from(["09", "M1", "OZ"]),
            transmission=st.just("FX"),
            control_number=st.just("ACN-1"),
        ),
        st.builds(RemoveLine, line=line),
        st.builds(SetModifiers, line=line, modifiers=st.sampled_from([(), ("59",), ("GD", "XE")])),
    )


@SETTINGS
@given(tree=claims(), indent=st.sampled_from([None, 1, 2, 4]), ndjson=st.booleans())
def test_valid_claims_round_trip_unchanged(
    fhir: Any, tree: dict[str, Any], indent: int | None, ndjson: bool
) -> None:
    if ndjson:
        data = fhir.to_json(tree, indent=None) + b"\n" + fhir.to_json(tree, indent=None) + b"\n"
    else:
        data = fhir.to_json(tree, indent=indent)
    pieces = fhir.read(data)
    assert all(p.claim is not None for p in pieces if isinstance(p, ClaimPiece))
    assert fhir.write(pieces) == data


@SETTINGS
@given(data=st.data(), tree=claims(), indent=st.sampled_from([None, 2]))
def test_random_fixes_keep_total_equal_to_the_sum_of_net(
    fhir: Any, data: st.DataObject, tree: dict[str, Any], indent: int | None
) -> None:
    fixes = data.draw(st.lists(fix_for(len(tree["item"])), min_size=1, max_size=4))
    pieces = fhir.read(fhir.to_json(tree, indent=indent))
    fixed: list[Claim] = []

    def fix(claim: Claim) -> Claim:
        outcome = apply_fixes(claim, [(f"TST{n:03d}", f) for n, f in enumerate(fixes)])
        fixed.append(outcome.claim)
        return outcome.claim

    out = fhir.write(pieces, fix)
    written = json.loads(out, parse_float=Decimal)
    R4Claim.model_validate(written)
    nets = sum((i["net"]["value"] for i in written.get("item", [])), Decimal(0))
    assert written["total"]["value"] == nets
    [again] = fhir.claims(fhir.read(out))
    assert again.total_charge == again.line_charge_total == fixed[0].total_charge
    assert [(ln.code, ln.units, ln.charge, ln.modifiers) for ln in again.lines] == [
        (ln.code, ln.units, ln.charge, ln.modifiers) for ln in fixed[0].lines
    ]
    assert [(ln.note, ln.attachments, ln.control_number) for ln in again.lines] == [
        (ln.note, ln.attachments, ln.control_number) for ln in fixed[0].lines
    ]
    assert (again.note, again.attachments) == (fixed[0].note, fixed[0].attachments)
