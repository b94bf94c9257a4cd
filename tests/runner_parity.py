"""What the runner tests share (``--jobs N`` in test_jobs.py, ``--spark`` in tests/spark/):
the samples every runner must scrub as one process does, the CLI run whose outcome they
compare, and the synthetic files they build batches from."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import scrubber._cli as cli
from scrubber_x12.synthetic import SyntheticLine, synthetic_837

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
CLAIM_SAMPLES = sorted(
    p
    for p in [
        *SAMPLES.glob("x12/*.837"),
        *SAMPLES.glob("fhir/*.r4.json"),
        *SAMPLES.glob("fhir/*.r4.xml"),
        *SAMPLES.glob("fhir/*.ndjson"),
    ]
    if ".expected." not in p.name
)

Outcome = tuple[int, dict[str, bytes], dict[str, Any] | None]


def run_cli(inputs: list[Path], tables: Path, out: Path, *args: str) -> Outcome:
    """Run ``scrubber scrub`` as a user would; the exit code, every output file by name, and
    the report. ``--check`` writes no claims and refuses a place to write them."""
    out.mkdir(parents=True, exist_ok=True)
    report = out / "report.json"
    files_dir = [] if "--check" in args else ["--out-dir", str(out / "files")]
    code = cli.main(
        [
            "scrub",
            *map(str, inputs),
            "--tables",
            str(tables),
            *files_dir,
            "--report",
            str(report),
            "-q",
            *args,
        ]
    )
    files = {p.name: p.read_bytes() for p in sorted((out / "files").glob("*"))}
    data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else None
    return code, files, data


def batch_file(path: Path, tag: str, claims: int, *, patients: str | None = None) -> Path:
    """A synthetic 837P whose claim ids carry *tag*; members too unless *patients* names
    another file's tag (then its beneficiaries are that file's)."""
    data = synthetic_837(claims, lines_per_claim=3)
    data = data.replace(b"CLM*SYN", b"CLM*" + tag.encode())
    data = data.replace(b"*MI*M", b"*MI*" + (patients or tag).encode())
    path.write_bytes(data)
    return path


def one_claim(path: Path, claim_id: str, units: int) -> Path:
    """A one-claim 837P of *units* x 99213 with claim id *claim_id*."""
    lines = [[SyntheticLine(code="99213", units=Decimal(units))]]
    data = synthetic_837(1, claim_lines=lines)
    path.write_bytes(data.replace(b"CLM*SYN0000000", b"CLM*" + claim_id.encode()))
    return path


def claim_entry(report: dict[str, Any], claim_id: str) -> dict[str, Any]:
    """The report's entry for *claim_id*."""
    return next(c for c in report["claims"] if c["claim_id"] == claim_id)
