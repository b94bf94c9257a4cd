"""Golden samples: each sample's scrubbed output and report, reviewed and kept beside it.

The behaviour itself is asserted in test_end_to_end.py and the plugin tests; these files catch
any unreviewed change to what a user sees (bytes written, report wording, codes, provenance).
After an intended change, regenerate with ``SCRUBBER_UPDATE_GOLDEN=1 .venv/bin/pytest
tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
CASES = [
    "x12/home-infusion-medicaid.837",
    "x12/medicare-mue.837",
    "x12/clean-claim.837",
    "fhir/home-infusion-medicaid.r4.json",
    "fhir/bundle-two-claims.r4.json",
]
UPDATE = os.environ.get("SCRUBBER_UPDATE_GOLDEN") == "1"


def _stable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what changes from run to run or machine to machine."""
    report = {k: v for k, v in report.items() if k not in ("tool", "plugins", "inputs")}
    report["tables"] = [
        {k: v for k, v in t.items() if k != "imported_at"} for t in report["tables"]
    ]
    for claim in report["claims"]:
        claim["input"] = Path(claim["input"]).name
    return report


def _expected(sample: str, suffix: str) -> Path:
    path = SAMPLES / sample
    return path.with_name(path.name.split(".")[0] + ".expected" + suffix)


@pytest.mark.parametrize("sample", CASES)
def test_sample_output_and_report_match_the_reviewed_files(sample: str, scrub_sample) -> None:
    code, output, raw = scrub_sample(sample, "--as-of", "2026-11-27")
    assert code in (0, 1)
    got = _stable(raw)
    got["exit_code"] = code
    out_file = _expected(sample, Path(sample).suffix)
    report_file = _expected(sample, ".report.json")
    if UPDATE:
        out_file.write_bytes(output)
        report_file.write_text(
            json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    assert output == out_file.read_bytes()
    assert got == json.loads(report_file.read_text(encoding="utf-8"))
