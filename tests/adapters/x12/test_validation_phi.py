"""``--validate`` never copies a claim's values (PHI) into report.json or stderr.

pyx12 quotes what it saw (``DMG02 contains an invalid date (19801345)``); the issues keep the
element, its guide name and the 999 rule instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import scrubber._cli as cli

SAMPLES = Path(__file__).resolve().parents[3] / "samples"

BIRTH_DATE = "19801345"
LONG_NAME = "PATIENTNAMEMUCHLONGERTHANTHEIMPLEMENTATIONGUIDEALLOWSFORNM103XX"
UNKNOWN_SEGMENT = "ZZQ*SECRETVALUE"
STREET_EXTRA = "APARTMENT 9"


def _claim_with_phi_errors(path: Path) -> Path:
    text = (SAMPLES / "x12" / "clean-claim.837").read_text(encoding="latin-1")
    text = re.sub(r"DMG\*D8\*\d+", f"DMG*D8*{BIRTH_DATE}", text)
    text = re.sub(r"NM1\*IL\*1\*[A-Z]+", f"NM1*IL*1*{LONG_NAME}", text)
    text = text.replace(
        "N3*3 SAMPLE LANE~", f"N3*3 SAMPLE LANE*{STREET_EXTRA}*X~{UNKNOWN_SEGMENT}~"
    )
    count = text.split("ST*837*")[1].split("SE*")[0].count("~") + 1
    text = re.sub(r"SE\*\d+\*", f"SE*{count}*", text)
    path.write_text(text, encoding="latin-1")
    return path


def test_validate_reports_element_and_rule_never_the_value(tmp_path: Path, capsys) -> None:
    src = _claim_with_phi_errors(tmp_path / "phi.837")
    report = tmp_path / "r.json"
    code = cli.main(["scrub", str(src), "--check", "--validate", "--report", str(report)])
    assert code in (0, 1)
    written = report.read_text(encoding="utf-8") + capsys.readouterr().err
    for value in (BIRTH_DATE, LONG_NAME, "SECRETVALUE", STREET_EXTRA, "SAMPLE LANE", "ZZQ"):
        assert value not in written
    assert "DMG02 Subscriber Birth Date: invalid date (999 IK403 code 8)" in written
    assert "data element too long (maximum length 60) (999 IK403 code 5)" in written
    assert "unrecognized segment id (999 IK304 code 1)" in written
