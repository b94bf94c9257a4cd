"""The report's JSON Schema: shipped in the package, in docs/report.md, and every report fits it.

Every golden report and a fresh report of every sample (each report level, fix and check
mode, and the Python API's) validate; money and units are decimal strings everywhere.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scrubber import MemoryTables, report_schema, scrub_bytes

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = sorted(ROOT.joinpath("samples").rglob("*.expected.report.json"))
SAMPLES = [
    "x12/home-infusion-medicaid.837",
    "x12/medicare-mue.837",
    "x12/clean-claim.837",
    "fhir/home-infusion-medicaid.r4.json",
    "fhir/bundle-two-claims.r4.json",
]
MONEY_OR_UNITS = {"units", "charge", "total_charge", "minutes", "value", "mue"}


def _validator() -> jsonschema.protocols.Validator:
    schema = report_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _money_and_units(node: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every (path, value) under a key that holds money or units."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in MONEY_OR_UNITS and not isinstance(value, dict | list):
                found.append((f"{path}/{key}", value))
            found += _money_and_units(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _money_and_units(value, f"{path}/{i}")
    return found


def _check(report: dict[str, Any]) -> None:
    errors = sorted(_validator().iter_errors(report), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    for where, value in _money_and_units(report):
        assert isinstance(value, str), f"{where} is {value!r}, not a decimal string"
        Decimal(value)


def test_the_goldens_are_there() -> None:
    assert len(GOLDEN) >= 5


@pytest.mark.parametrize("golden", GOLDEN, ids=lambda p: p.name)
def test_every_golden_report_fits_the_schema(golden: Path) -> None:
    report = json.loads(golden.read_text(encoding="utf-8"))
    report.pop("exit_code")  # the golden test's own addition
    _check(report)


@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize("extra", [(), ("--report-level", "all")])
def test_a_fresh_report_fits_the_schema(sample: str, extra: tuple[str, ...], scrub_sample) -> None:
    _code, _output, report = scrub_sample(sample, *extra)
    assert report["tool"]["name"] == "claim-scrubber" and report["inputs"]
    _check(report)


@pytest.mark.parametrize("sample", SAMPLES)
def test_a_check_mode_report_fits_the_schema(
    sample: str, sample_tables_db: Path, tmp_path: Path
) -> None:
    import scrubber._cli as cli

    out = tmp_path / "report.json"
    args = ["scrub", str(ROOT / "samples" / sample), "--check", "--report", str(out), "-q"]
    assert cli.main([*args, "--tables", str(sample_tables_db), "--report-level", "all"]) in (0, 1)
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["summary"]["mode"] == "check"
    _check(report)


def test_the_python_api_report_fits_the_schema(samples_dir: Path) -> None:
    data = (samples_dir / "x12" / "home-infusion-medicaid.837").read_bytes()
    _check(dict(scrub_bytes(data, tables=MemoryTables()).report))


def test_an_unreadable_claim_and_a_failure_fit_the_schema() -> None:
    entry = {
        "claim_id": "?",
        "changed": False,
        "findings": [{"code": "SCR002", "severity": "error", "message": "not understood"}],
        "failures": [{"code": "BOOM001", "exc_type": "ValueError", "message": "boom"}],
    }
    report = json.loads((GOLDEN[0]).read_text(encoding="utf-8"))
    report.pop("exit_code")
    _check({**report, "claims": [entry]})
    with pytest.raises(AssertionError):
        _check({**report, "claims": [{**entry, "changed": "no"}]})
    with pytest.raises(AssertionError):  # a charge as a JSON number is refused
        _check({**report, "claims": [{**entry, "before": {"total_charge": 12.5}}]})


def test_docs_report_md_holds_the_shipped_schema() -> None:
    text = ROOT.joinpath("docs", "report.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```json\n(\{\n  \"\$schema\".*?)\n```", text, flags=re.S)
    assert json.loads(block) == report_schema()


def test_every_field_is_described() -> None:
    missing = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, sub in node.get("properties", {}).items():
                if "description" not in sub:
                    missing.append(f"{path}/{key}")
            for key, sub in node.items():
                walk(sub, f"{path}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{path}/{i}")

    walk(report_schema(), "")
    assert missing == []
