"""Claims as they really come, end to end through the 837P and FHIR adapters: date spans,
minutes lines, zero units, a table older than the date of service, RT/LT lines, the
day-total key and a claim that does not state its program.

Tables are hand-made test data (values chosen for the tests, not CMS values)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from scrubber import MemoryTables, scrub_bytes
from scrubber._api import Plugins
from scrubber._findings import Finding, Severity
from scrubber._formats import ClaimPiece
from scrubber._models import Claim
from scrubber.testing import make_table

Q3 = date(2026, 7, 1)
Q4 = date(2026, 10, 1)


def mcr(value: int, mai: str) -> dict[str, str]:
    text = {"1": "1 Line Edit", "2": "2 Date of Service Edit: Policy"}.get(
        mai, "3 Date of Service Edit: Clinical"
    )
    return {"value": str(value), "mai": mai, "mai_text": text, "rationale": "Clinical: Data"}


def mcd(value: int) -> dict[str, str]:
    return {"value": str(value), "mai": "", "mai_text": "", "rationale": "Clinical: Medicaid Data"}


MEDICARE_ROWS = {
    "36415": mcr(1, "2"),
    "00100": mcr(1, "2"),
    "69210": mcr(1, "2"),
    "97110": mcr(4, "1"),
    "99213": mcr(3, "3"),
}


def tables() -> MemoryTables:
    return MemoryTables(
        [
            make_table("mue", "medicare", "practitioner", Q3, MEDICARE_ROWS, source_file="q3.csv"),
            make_table("mue", "medicare", "practitioner", Q4, MEDICARE_ROWS, source_file="q4.csv"),
            make_table(
                "mue", "medicaid", "practitioner", Q3, {"99601": mcd(4)}, source_file="mcd.txt"
            ),
        ]
    )


# --- 837P ------------------------------------------------------------------------------------


def x12(
    *lines: str,
    sbr09: str = "MB",
    claims: int = 1,
    rendering: str = "1456789019",
    tin: str = "990000002",
    payer: str = "MEDICARE PART B",
) -> bytes:
    """A synthetic 837P: *lines* are ``SV1...~DTP...`` bodies; LX and REF*6R are added."""
    head = [
        "ST*837*0001*005010X222A1",
        "BHT*0019*00*T1*20261020*1015*CH",
        "NM1*41*2*LAKESIDE CLINIC*****46*LAKESIDE01",
        "PER*IC*BILLING OFFICE*TE*5555550200",
        "NM1*40*2*PAYER*****46*04412",
        "HL*1**20*1",
        "PRV*BI*PXC*207Q00000X",
        "NM1*85*2*LAKESIDE CLINIC*****XX*1987654328",
        "N3*200 EXAMPLE AVENUE",
        "N4*SPRINGFIELD*IL*627010000",
        f"REF*EI*{tin}",
        "HL*2*1*22*0",
        f"SBR*P*18*******{sbr09}",
        "NM1*IL*1*TESTPATIENT*JORDAN****MI*SYNTH0000009",
        "N3*2 SAMPLE ROAD",
        "N4*SPRINGFIELD*IL*627020000",
        "DMG*D8*19500202*U",
        f"NM1*PR*2*{payer}*****PI*04412",
    ]
    body: list[str] = []
    for c in range(1, claims + 1):
        total = sum(Decimal(line.split("*")[2]) for line in lines)
        body += [f"CLM*C{c}*{total:.2f}***11:B:1*Y*A*Y*Y", "HI*ABK:M545"]
        if rendering:
            body.append(f"NM1*82*1*EXAMPLE*CASEY****XX*{rendering}")
        for n, line in enumerate(lines, 1):
            body += [f"LX*{n}", *line.split("~"), f"REF*6R*C{c}-{n}"]
    segments = head + body
    text = [
        "ISA*00*          *00*          *ZZ*LAKESIDECLINIC *ZZ*MEDICAREMAC    *261020*1015*^*"
        "00501*000000202*0*T*:",
        "GS*HC*LAKESIDECLINIC*MEDICAREMAC*20261020*1015*202*X*005010X222A1",
        *segments,
        f"SE*{len(segments) + 1}*0001",
        "GE*1*202",
        "IEA*1*000000202",
    ]
    return ("~\n".join(text) + "~\n").encode()


def run(data: bytes, profile: str | None = None) -> tuple[list[Claim], list[Finding], bytes]:
    plugins = Plugins.load()
    result = scrub_bytes(data, tables=tables(), profile=profile, plugins=plugins, strict=True)
    fmt = plugins.format(result.format)
    options = {"fhir_version": "r4"} if result.format == "fhir" else {}
    claims = [
        p.claim
        for p in fmt.read([result.output], options)
        if isinstance(p, ClaimPiece) and p.claim is not None
    ]
    return claims, list(result.findings), result.output


def mue(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.code.startswith("MUE")]


def test_x12_date_span_is_compared_per_day_and_left_alone_within_the_mue() -> None:
    data = x12("SV1*HC:36415*30.00*UN*3***1~DTP*472*RD8*20261005-20261007")
    claims, findings, output = run(data)
    assert mue(findings) == []  # 3 units over 3 days = 1 a day: within the MUE of 1
    assert output == data
    assert claims[0].lines[0].units == Decimal(3)


def test_x12_date_span_over_the_mue_per_day_is_capped_to_the_mue_times_the_days() -> None:
    data = x12("SV1*HC:36415*40.00*UN*4***1~DTP*472*RD8*20261005-20261007")
    [claim], findings, _ = run(data)
    [finding] = mue(findings)
    assert finding.code == "MUE002"
    assert "from 2026-10-05 to 2026-10-07 (3 days)" in finding.message
    assert "4 units over 3 days" in finding.message and "1.333 units a day" in finding.message
    assert "ch. I" in (finding.citation or "")
    assert (claim.lines[0].units, claim.lines[0].charge) == (Decimal(3), Decimal("30.00"))
    assert claim.total_charge == claim.line_charge_total


def test_x12_minutes_line_counts_as_one_service_and_says_minutes() -> None:
    data = x12("SV1*HC:00100*600.00*MJ*60***1~DTP*472*D8*20261015")
    _claims, findings, output = run(data)
    assert mue(findings) == []  # 60 minutes of one anesthesia service: 1 service, MUE 1
    assert output == data

    two = x12(
        "SV1*HC:00100*600.00*MJ*60***1~DTP*472*D8*20261015",
        "SV1*HC:00100*300.00*MJ*45***1~DTP*472*D8*20261015",
    )
    _, findings, _ = run(two, '[defaults.mue]\nmai2_action = "flag"\n')
    [finding] = mue(findings)
    assert finding.code == "MUE002"
    assert "2 services (lines 1, 2: 60 minutes (one service) + 45 minutes" in finding.message
    assert "60 units" not in finding.message


def test_x12_minutes_line_over_the_mue_is_removed_whole_never_cut_to_part_of_its_time() -> None:
    two = x12(
        "SV1*HC:00100*600.00*MJ*60***1~DTP*472*D8*20261015",
        "SV1*HC:00100*300.00*MJ*45***1~DTP*472*D8*20261015",
    )
    [claim], findings, _ = run(two)
    assert [(ln.code, ln.units, ln.unit_basis) for ln in claim.lines] == [
        ("00100", Decimal(60), "MJ")
    ]
    assert "line 2 removed" in mue(findings)[0].message


def test_x12_line_of_zero_units_is_reported() -> None:
    data = x12(
        "SV1*HC:99213*0.00*UN*0***1~DTP*472*D8*20261015",
        "SV1*HC:99213*90.00*UN*1***1~DTP*472*D8*20261015",
    )
    _, findings, output = run(data)
    [zero] = [f for f in findings if f.code == "MUE008"]
    assert (zero.line, zero.severity) == (1, Severity.ERROR)
    assert "billed with 0 units" in zero.message and "SV104" in zero.message
    assert output == data  # reported, never guessed at


def test_x12_date_after_the_newest_quarter_warns_and_names_the_table() -> None:
    data = x12("SV1*HC:99213*90.00*UN*1***1~DTP*472*D8*20270615")
    _, findings, _ = run(data)
    [stale] = [f for f in findings if f.code == "MUE009"]
    assert stale.severity is Severity.WARNING
    assert "newest Medicare practitioner MUE table (2026 Q4, effective 2026-10-01" in (
        stale.message
    )
    assert "q4.csv" in stale.message and "Import the CMS MUE file for 2027 Q2" in stale.message


def test_x12_rt_and_lt_lines_over_an_mue_of_1_get_modifier_50_advice_not_a_removed_side() -> None:
    data = x12(
        "SV1*HC:69210:RT*80.00*UN*1***1~DTP*472*D8*20261015",
        "SV1*HC:69210:LT*80.00*UN*1***1~DTP*472*D8*20261015",
    )
    [claim], findings, output = run(data)
    [advice] = mue(findings)
    assert (advice.code, advice.line, advice.severity) == ("MUE010", 2, Severity.ERROR)
    assert dict(advice.details)["suggested_coding"] == "69210-50 x 1 unit"
    assert "report it on line 1 as 69210-50 x 1 unit" in advice.message
    assert len(claim.lines) == 2 and output == data


def test_x12_billing_tin_is_read_and_the_day_total_key_is_a_profile_setting() -> None:
    # Two claims of one patient and day from one billing provider and tax id, rendered by
    # two clinicians: 2 + 2 units of 99213 (MUE 3).
    first = x12("SV1*HC:99213*60.00*UN*2***1~DTP*472*D8*20261015", rendering="1456789019")
    second = x12("SV1*HC:99213*60.00*UN*2***1~DTP*472*D8*20261015", rendering="1234567893")
    body = first.split(b"CLM*", 1)[1].split(b"SE*", 1)[0]
    body2 = second.split(b"CLM*", 1)[1].split(b"SE*", 1)[0].replace(b"C1", b"C2")
    count = first.count(b"~") - 5 + body2.count(b"~") + 1
    data = (
        first.split(b"CLM*", 1)[0]
        + b"CLM*"
        + body
        + b"CLM*"
        + body2
        + f"SE*{count}*0001~\nGE*1*202~\nIEA*1*000000202~\n".encode()
    )
    claims, findings, _ = run(data)
    assert [c.billing_tin for c in claims] == ["990000002", "990000002"]
    assert mue(findings) == []  # default rendering_npi: each clinician's day is 2 units

    for key in ("billing_npi", "billing_tin"):
        _, findings, _ = run(data, f'[defaults.mue]\nday_total_key = "{key}"\n')
        [finding] = mue(findings)
        assert finding.claim_id == "C2" and finding.code == "MUE003"
        assert f"day_total_key = {key}" in finding.message
        assert dict(finding.details)["day_total_key"] == key


def test_x12_claim_without_sbr09_says_which_program_was_assumed() -> None:
    data = x12("SV1*HC:99213*90.00*UN*1***1~DTP*472*D8*20261015", sbr09="", payer="STATE MEDICAID")
    _, findings, _ = run(data)
    [assumed] = [f for f in findings if f.code == "MUE011"]
    assert assumed.severity is Severity.WARNING and assumed.line is None
    assert "checked as Medicare (the payer profile's default program)" in assumed.message
    assert "payer's name points to Medicaid" in assumed.message
    assert "send SBR09 (MB Medicare Part B, MC Medicaid)" in assumed.message

    _, stated, _ = run(x12("SV1*HC:99213*90.00*UN*1***1~DTP*472*D8*20261015"))
    assert [f for f in stated if f.code == "MUE011"] == []


# --- FHIR ------------------------------------------------------------------------------------

CPT = "http://www.ama-assn.org/go/cpt"


def fhir(*items: dict[str, Any], insurance: dict[str, Any] | None = None) -> bytes:
    coverage = insurance or {
        "sequence": 1,
        "focal": True,
        "coverage": {"reference": "#cov"},
    }
    claim = {
        "resourceType": "Claim",
        "id": "f1",
        "identifier": [{"system": "https://claims.example.org/id", "value": "F-1"}],
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
        "created": "2026-10-20",
        "provider": {
            "reference": "#org",
        },
        "priority": {"coding": [{"code": "normal"}]},
        "contained": [
            {
                "resourceType": "Organization",
                "id": "org",
                "identifier": [
                    {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1987654328"},
                    {"system": "http://hl7.org/fhir/sid/us-ein", "value": "990000002"},
                ],
            },
            {
                "resourceType": "Coverage",
                "id": "cov",
                "status": "active",
                "type": {
                    "coding": [{"system": "https://codesystem.x12.org/005010/1032", "code": "MB"}]
                },
                "beneficiary": {"reference": "Patient/synthetic-1"},
                "payor": [{"display": "Medicare Part B"}],
            },
        ],
        "insurance": [coverage],
        "item": [{"sequence": n, **item} for n, item in enumerate(items, 1)],
        "total": {"value": sum(i["net"]["value"] for i in items), "currency": "USD"},
    }
    return json.dumps(claim, indent=2).encode()


def item(code: str, quantity: dict[str, Any], net: int, **when: Any) -> dict[str, Any]:
    return {
        "productOrService": {"coding": [{"system": CPT, "code": code}]},
        **(when or {"servicedDate": "2026-10-15"}),
        "quantity": quantity,
        "net": {"value": net, "currency": "USD"},
    }


def test_fhir_serviced_period_over_several_days_is_compared_per_day() -> None:
    period = {"servicedPeriod": {"start": "2026-10-05", "end": "2026-10-07"}}
    within = fhir(item("36415", {"value": 3}, 30, **period))
    claims, findings, _ = run(within)
    assert mue(findings) == [] and claims[0].billing_tin == "990000002"

    over = fhir(item("36415", {"value": 4}, 40, **period))
    [claim], findings, _ = run(over)
    [finding] = mue(findings)
    assert finding.code == "MUE002" and "(3 days)" in finding.message
    assert claim.lines[0].units == Decimal(3)


def test_fhir_quantity_in_minutes_counts_as_one_service() -> None:
    minutes = {"value": 60, "system": "http://unitsofmeasure.org", "code": "min"}
    claims, findings, _output = run(fhir(item("00100", minutes, 600)))
    assert mue(findings) == []
    assert claims[0].lines[0].unit_basis == "MJ"


def test_fhir_coverage_named_only_by_display_text_says_which_program_was_assumed() -> None:
    insurance = {"sequence": 1, "focal": True, "coverage": {"display": "State Medicaid"}}
    data = fhir(item("99213", {"value": 1}, 90), insurance=insurance)
    data = data.replace(b'"payor": [{"display": "Medicare Part B"}]', b'"payor": []')
    _, findings, _ = run(data)
    [assumed] = [f for f in findings if f.code == "MUE011"]
    assert "code the Coverage.type" in assumed.message
    assert "payer's name points to Medicaid" in assumed.message  # the coverage's name


@pytest.mark.parametrize("zero", [0])
def test_fhir_item_of_zero_quantity_is_reported(zero: int) -> None:
    _, findings, _ = run(fhir(item("99213", {"value": zero}, 0)))
    assert [f.code for f in findings if f.code == "MUE008"] == ["MUE008"]


def test_x12_social_security_number_is_never_taken_as_the_tin() -> None:
    data = x12("SV1*HC:99213*90.00*UN*1***1~DTP*472*D8*20261015").replace(b"REF*EI", b"REF*SY")
    [claim], _, _ = run(data)
    assert claim.billing_tin is None


def test_fhir_period_with_times_past_midnight_is_one_service_not_a_span_of_days() -> None:
    overnight = {
        "servicedPeriod": {"start": "2026-10-05T23:00:00-05:00", "end": "2026-10-06T00:30:00-05:00"}
    }
    [claim], findings, _ = run(fhir(item("36415", {"value": 2}, 20, **overnight)))
    [finding] = mue(findings)
    assert finding.code == "MUE002" and "on 2026-10-05: 2 units" in finding.message
    assert claim.lines[0].units == Decimal(1)
