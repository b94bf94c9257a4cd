"""Files as Windows tools save them: a UTF-8 byte-order mark in front of the ISA.

The reader skips it, the writer keeps it, and validation and the 999 see the interchange
without it (pyx12 takes a BOM for part of the ISA and rejects the whole file)."""

from __future__ import annotations

import json
from pathlib import Path

import scrubber._cli as cli
from scrubber_x12.synthetic import synthetic_837
from scrubber_x12.validation import acknowledge_837, validate_837

BOM = b"\xef\xbb\xbf"
# SBR01 "Z" is not a payer responsibility code: two located issues, one per claim.
DEFECTIVE = synthetic_837(2).replace(b"SBR*P*18", b"SBR*Z*18")


def test_validation_of_a_bom_file_finds_the_same_located_issues() -> None:
    plain = [(i.message, i.locator) for i in validate_837(DEFECTIVE, {})]
    assert plain and all(locator.startswith("segment ") for _, locator in plain)
    assert [(i.message, i.locator) for i in validate_837(BOM + DEFECTIVE, {})] == plain
    assert [(i.message, i.locator) for i in validate_837(b"\r\n" + DEFECTIVE, {})] == plain


def test_the_999_of_a_bom_file_acknowledges_the_interchange() -> None:
    ack = acknowledge_837(BOM + synthetic_837(2), {}).decode("ascii")
    assert "ST*999*" in ack and "AK9*A*1*1*1" in ack


def test_cli_keeps_the_bom_in_the_output_and_validates_without_it(
    tmp_path: Path, sample_tables_db: Path
) -> None:
    source = tmp_path / "bom.837"
    source.write_bytes(BOM + DEFECTIVE)
    out, report, ack = tmp_path / "out.837", tmp_path / "r.json", tmp_path / "ack.999"
    code = cli.main(
        [
            "scrub",
            str(source),
            "-o",
            str(out),
            "--report",
            str(report),
            "--validate",
            "--ack",
            str(ack),
            "--tables",
            str(sample_tables_db),
            "-q",
        ]
    )
    assert code == 1  # the validation issues are errors
    assert out.read_bytes().startswith(BOM + b"ISA*")
    validation = json.loads(report.read_text(encoding="utf-8"))["validation"]
    located = [v for v in validation if v["locator"].startswith("segment ")]
    assert len(located) == len(validation) == len(validate_837(DEFECTIVE, {}))
    assert b"ST*999*" in ack.read_bytes()
