"""End to end through the CLI with every built-in plugin: the case that started the project.

A Medicaid home-infusion visit of 5 h 30 min billed as 330 minutes of 99601 must come out as
99601 × 1 + 99602 units within the Q1 2026 Medicaid MUE of 2, the excess on a GD review line
with an attachment request, CLM02 equal to the sum of the lines, and a report that explains
each step.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import scrubber._cli as cli
from scrubber._api import Plugins
from scrubber._formats import ClaimPiece

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.fixture
def tables_db(sample_tables_db: Path) -> Path:
    return sample_tables_db


def claims_of(data: bytes, fmt: str = "x12") -> list:
    plugins = Plugins.load()
    pieces = plugins.format(fmt).read([data], {"fhir_version": "r4", "fast": "false"})
    return [p.claim for p in pieces if isinstance(p, ClaimPiece)]


def segments(data: bytes) -> list[str]:
    return [s.strip() for s in data.decode().split("~") if s.strip()]


def test_home_infusion_837p_is_normalized_and_documented_for_mue(scrub_sample) -> None:
    """Medicaid with no state profile: the units over the MUE are kept and the records go
    with the claim (PWK on the 99602 line), an appealable warning; nothing is split."""
    code, out, report = scrub_sample("x12/home-infusion-medicaid.837")
    assert code == 0  # warnings only: records attached, the state's appeal process applies
    [claim] = claims_of(out)
    lines = [(ln.code, ln.modifiers, ln.units, ln.unit_basis) for ln in claim.lines]
    assert lines == [
        ("99601", (), Decimal(1), "UN"),
        ("99602", (), Decimal(3), "UN"),
    ]
    assert claim.total_charge == claim.line_charge_total == Decimal("450.00")
    [records] = claim.lines[1].attachments
    assert (records.report_type, records.transmission) == ("M1", "FX")
    assert claim.lines[1].note == "UNITS OVER MUE 2; RECORDS SENT"

    segs = segments(out)
    st, se = (
        segs.index(next(s for s in segs if s.startswith("ST*"))),
        next(i for i, s in enumerate(segs) if s.startswith("SE*")),
    )
    assert segs[se].split("*")[1] == str(se - st + 1)
    original = segments((SAMPLES / "x12/home-infusion-medicaid.837").read_bytes())
    assert segs[: original.index("LX*1")] == original[: original.index("LX*1")]

    [entry] = report["claims"]
    codes = [f["code"] for f in entry["findings"]]
    assert codes == ["INF001", "MUE004"]
    infusion, mue = entry["findings"]
    assert "99601 × 1" in infusion["message"] and "99602 × 3" in infusion["message"]
    assert mue["severity"] == "warning" and mue["appealable"] is True
    assert mue["table_row"]["rationale"] == "Clinical: Medicaid Data"
    assert mue["table_row"]["value"] == "2" and mue["rarc"] == "N362"
    assert [t["table"] for t in report["tables"]] == ["mue/medicaid/practitioner"]


def test_connecticut_profile_splits_the_excess_onto_a_gd_line(scrub_sample) -> None:
    profile = str(SAMPLES / "profiles" / "connecticut-medicaid.toml")
    code, out, report = scrub_sample("x12/home-infusion-medicaid.837", "--profile", profile)
    assert code == 0
    [claim] = claims_of(out)
    assert [(ln.code, ln.modifiers, ln.units) for ln in claim.lines] == [
        ("99601", (), Decimal(1)),
        ("99602", (), Decimal(2)),
        ("99602", ("GD",), Decimal(1)),
    ]
    assert claim.total_charge == claim.line_charge_total == Decimal("450.00")
    assert [(a.report_type, a.transmission) for a in claim.lines[2].attachments] == [("M1", "BM")]
    assert len({ln.control_number for ln in claim.lines}) == 3
    assert report["claims"][0]["findings"][1]["appealable"] is True


def test_scrubbing_the_output_again_changes_nothing(
    scrub_sample, tmp_path: Path, tables_db: Path
) -> None:
    _, first, _ = scrub_sample("x12/home-infusion-medicaid.837")
    again = tmp_path / "again.837"
    again.write_bytes(first)
    out2, report2 = tmp_path / "out2", tmp_path / "r2.json"
    cli.main(
        [
            "scrub",
            str(again),
            "--tables",
            str(tables_db),
            "-o",
            str(out2),
            "--report",
            str(report2),
            "-q",
        ]
    )
    assert out2.read_bytes() == first
    assert json.loads(report2.read_text())["summary"]["fixes_applied"] == {}


def test_written_837p_validates_with_pyx12(scrub_sample) -> None:
    code, _, report = scrub_sample("x12/home-infusion-medicaid.837", "--validate")
    assert code == 0
    assert [v for v in report["validation"] if v["severity"] == "error"] == []


def test_medicare_sample_applies_each_indicator(scrub_sample) -> None:
    code, out, report = scrub_sample("x12/medicare-mue.837")
    assert code == 1  # MAI 1 is flagged as an error: the line would be denied whole
    by_code = {f["code"]: f for c in report["claims"] for f in c["findings"]}
    assert by_code["MUE002"]["appealable"] is False  # MAI 2: capped
    assert by_code["MUE003"]["appealable"] is True  # MAI 3: documented
    first = claims_of(out)[0]
    capped = next(ln for ln in first.lines if ln.code == "0001U")
    assert capped.units == Decimal(1) and capped.note == "UNITS CAPPED AT MUE 1"
    documented = next(ln for ln in first.lines if ln.code == "0002M")
    assert documented.units == Decimal(3) and documented.attachments
    assert first.total_charge == first.line_charge_total
    # The second claim of the same patient, provider and day: the DOS sum counts the first.
    [across] = [f for f in report["claims"][1]["findings"] if f["code"] == "MUE003"]
    assert "3 units on earlier claims" in across["message"]


def test_clean_claim_is_byte_identical(scrub_sample) -> None:
    code, out, report = scrub_sample("x12/clean-claim.837")
    assert out == (SAMPLES / "x12/clean-claim.837").read_bytes()
    assert report["summary"]["fixes_applied"] == {}
    assert code == 0


def test_explain_answers_the_billers_question(
    tables_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        cli.main(
            [
                "explain",
                "99602",
                "--program",
                "medicaid",
                "--date",
                "2026-01-15",
                "--minutes",
                "330",
                "--tables",
                str(tables_db),
                "--json",
            ]
        )
        == 0
    )
    answer = json.loads(capsys.readouterr().out)
    text = " ".join(" ".join(s["text"]) for s in answer["sections"])
    assert "each additional hour" in text
    assert "Clinical: Medicaid Data" in text
    assert "99602 × 3" in text or "99602 x 3" in text


def test_stdin_to_stdout_with_an_acknowledgment(
    tmp_path: Path, tables_db: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary
) -> None:
    import io
    import sys

    data = (SAMPLES / "x12/home-infusion-medicaid.837").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    ack = tmp_path / "ack.999"
    code = cli.main(["scrub", "-", "--tables", str(tables_db), "--ack", str(ack), "-q"])
    assert code == 0
    assert (
        capsysbinary.readouterr().out
        == (SAMPLES / "x12/home-infusion-medicaid.expected.837").read_bytes()
    )
    segments_999 = segments(ack.read_bytes())
    assert segments_999[2].startswith("ST*999*")
    assert any(s.startswith("IK5*A") or s.startswith("AK9*A") for s in segments_999)


def test_the_payer_profile_decides_the_mue_action(
    scrub_sample, sample_tables_db: Path, tmp_path: Path
) -> None:
    """The sample profile: Connecticut Medicaid (payer SKCT0) splits for review with the
    attachment sent by mail; another Medicaid payer (SBR09 = MC) only flags, per day."""
    profile = str(SAMPLES / "profiles" / "payers.toml")
    code, out, _ = scrub_sample("x12/home-infusion-medicaid.837", "--profile", profile)
    assert code == 0
    assert "PWK*M1*BM***AC*HI-0001-MUE-1" in segments(out)

    other = tmp_path / "other.837"
    other.write_bytes(
        (SAMPLES / "x12/home-infusion-medicaid.837").read_bytes().replace(b"SKCT0", b"OTHERMCD")
    )
    out_path, report_path = tmp_path / "other.out", tmp_path / "other.json"
    code = cli.main(
        [
            "scrub",
            str(other),
            "--profile",
            profile,
            "--tables",
            str(sample_tables_db),
            "-o",
            str(out_path),
            "--report",
            str(report_path),
            "-q",
        ]
    )
    assert code == 1  # flagged: units over the MUE stay on the claim and would be denied
    [claim] = claims_of(out_path.read_bytes())
    assert [(ln.code, ln.units) for ln in claim.lines] == [
        ("99601", Decimal(1)),
        ("99602", Decimal(3)),
    ]
    findings = json.loads(report_path.read_text())["claims"][0]["findings"]
    assert [(f["code"], f["severity"]) for f in findings] == [
        ("INF001", "warning"),
        ("MUE004", "error"),
    ]
