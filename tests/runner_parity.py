"""What the runner tests share (``--jobs N`` in test_jobs.py, ``--spark`` in tests/spark/):
the samples every runner must scrub as one process does, the CLI run whose outcome they
compare, and the synthetic files they build batches from."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

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


def run_jobs(inputs: list[Path], tables: Path, out: Path, jobs: int, *extra: str) -> Outcome:
    """``scrubber scrub --jobs JOBS`` on *inputs*, as ``run_cli`` runs it."""
    return run_cli(inputs, tables, out, "--jobs", str(jobs), *extra)


def one_and_two_jobs(
    inputs: list[Path], tables: Path, tmp_path: Path, *extra: str
) -> tuple[Outcome, Outcome]:
    """The same scrub with one process and with two workers, for the tests to compare."""
    one = run_jobs(inputs, tables, tmp_path / "one", 1, *extra)
    two = run_jobs(inputs, tables, tmp_path / "two", 2, *extra)
    return one, two


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


# What every runner must do as one process does. *mode* is the runner's own CLI flags
# (``("--jobs", "2")``, ``("--spark", "local[2]")``); each check runs it beside ONE.
ONE = ("--jobs", "1")


def check_shared_beneficiaries(tables: Path, tmp_path: Path, mode: tuple[str, ...]) -> None:
    """Five files, two of which bill the beneficiaries of an earlier one: the same outputs
    and report as one process, and the sharing matters (c alone comes out differently)."""
    batch = tmp_path / "batch"
    batch.mkdir()
    inputs = [
        batch_file(batch / "a.837", "A", 60),
        batch_file(batch / "b.837", "B", 40),
        batch_file(batch / "c.837", "C", 50, patients="A"),  # a's patients again
        batch_file(batch / "d.837", "D", 30),
        batch_file(batch / "e.837", "E", 20, patients="D"),
    ]
    one = run_cli(inputs, tables, tmp_path / "one", *ONE, "--no-history")
    assert run_cli(inputs, tables, tmp_path / "mode", *mode, "--no-history") == one
    alone = run_cli([inputs[2], inputs[1]], tables, tmp_path / "alone", *mode, "--no-history")
    assert alone[1]["c.837"] != one[1]["c.837"]


def check_day_total_across_two_files(tables: Path, tmp_path: Path, mode: tuple[str, ...]) -> None:
    """99213 x 2 in each of two files, one beneficiary, one day, one billing NPI: the sample
    Medicare MUE of 3 (MAI 3) is exceeded only by the day's total of 4."""
    first = one_claim(tmp_path / "first.837", "DAYONE", 2)
    second = one_claim(tmp_path / "second.837", "DAYTWO", 2)
    other = batch_file(tmp_path / "other.837", "O", 10)
    code, _files, report = run_cli(
        [first, other, second], tables, tmp_path / "out", *mode, "--no-history",
        "--report-level", "all",
    )  # fmt: skip
    assert report is not None
    assert code in (0, 1)
    assert not claim_entry(report, "DAYONE").get("findings")
    later = claim_entry(report, "DAYTWO")["findings"]
    assert [f["code"] for f in later] == ["MUE003"]
    assert "plus 2 units on earlier claims" in later[0]["message"]


def check_persisted_history(tables: Path, tmp_path: Path, mode: tuple[str, ...]) -> None:
    """Two runs on one history file: the same outcomes and the same stored rows as one
    process, and the second run counts the first run's units."""
    first = one_claim(tmp_path / "first.837", "DAYONE", 2)
    second = one_claim(tmp_path / "second.837", "DAYTWO", 2)
    other = batch_file(tmp_path / "other.837", "O", 10)
    runs = []
    for name, flags in (("one", ONE), ("mode", mode)):
        db = tmp_path / f"history-{name}.db"
        result = run_cli(
            [first, other], tables, tmp_path / f"a{name}", *flags, "--history", str(db)
        )
        again = run_cli(
            [other, second], tables, tmp_path / f"b{name}", *flags, "--history", str(db)
        )
        with sqlite3.connect(db) as conn:
            stored = conn.execute("SELECT * FROM claims ORDER BY patient, claim_id").fetchall()
        runs.append((result, again, stored))
    assert runs[1] == runs[0]
    assert "plus 2 units on earlier claims" in json.dumps(claim_entry(runs[0][1][2], "DAYTWO"))


def check_bad_input_message(
    tables: Path, tmp_path: Path, mode: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that cannot be read: exit 2, nothing written, the one-process message."""
    good = batch_file(tmp_path / "good.837", "G", 5)
    bad = tmp_path / "bad.837"
    bad.write_bytes(good.read_bytes().replace(b"SE*", b"SE*9", 1))
    messages = []
    for name, flags in (("one", ONE), ("mode", mode)):
        code, files, report = run_cli([good, bad], tables, tmp_path / name, *flags)
        assert code == 2
        assert files == {} and report is None
        messages.append(capsys.readouterr().err)
    assert messages[1] == messages[0]
    assert messages[0].startswith(f"scrubber: {bad}, segment ")


CRASH_PLUGIN = '''
"""Test plugin: an edit that raises, or ends its process, on chosen claim ids."""
import os
from scrubber import Phase, Severity, edit, hookimpl

@edit("CRS001", summary="crashes on purpose", citation="test", severity=Severity.INFO,
      phase=Phase.ANNOTATE)
def crash(claim, ctx):
    if claim.id.startswith("RAISE"):
        raise RuntimeError("edit bug on purpose")
    if claim.id.startswith("DIE"):
        os._exit(7)
    return iter(())

@hookimpl
def scrubber_edits():
    return [crash]
'''


def install_crash_plugin(site: Path) -> Path:
    """Write the crash plugin into *site* the way users install one (a module and a
    dist-info with its entry point), so processes that load plugins themselves find it."""
    site.mkdir(parents=True, exist_ok=True)
    (site / "scrubber_crash_test.py").write_text(textwrap.dedent(CRASH_PLUGIN))
    info = site / "scrubber_crash_test-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: scrubber-crash-test\nVersion: 0.1\n"
    )
    (info / "entry_points.txt").write_text("[claim_scrubber]\ncrash = scrubber_crash_test\n")
    return site


def check_raising_edit_reported(tables: Path, tmp_path: Path, mode: tuple[str, ...]) -> None:
    """An edit that raises on one claim: exit 3, the failure in the report, as one process."""
    inputs = [batch_file(tmp_path / "a.837", "A", 5), one_claim(tmp_path / "r.837", "RAISE1", 1)]
    one = run_cli(inputs, tables, tmp_path / "one", *ONE, "--no-history")
    other = run_cli(inputs, tables, tmp_path / "mode", *mode, "--no-history")
    assert one[0] == 3
    assert other == one
    assert claim_entry(other[2] or {}, "RAISE1")["failures"][0]["exc_type"] == "RuntimeError"


def check_crash_writes_nothing(
    tables: Path, tmp_path: Path, mode: tuple[str, ...], claim_id: str, extra: list[str]
) -> None:
    """A worker that raises under --strict or ends abruptly: exit 3, nothing written (the
    caller checks the message its runner gives)."""
    inputs = [
        batch_file(tmp_path / "a.837", "A", 5),
        one_claim(tmp_path / "c.837", claim_id, 1),
        batch_file(tmp_path / "b.837", "B", 5),
    ]
    code, files, report = run_cli(inputs, tables, tmp_path / "out", *mode, "--no-history", *extra)
    assert code == 3
    assert files == {} and report is None
    assert not list((tmp_path / "out").rglob("*.part"))


def mixed_lines(index: int) -> list[SyntheticLine]:
    """Mostly clean claims; some over an MUE, so their lines gain notes and attachments
    and the transaction set's segment count changes."""
    day = f"202607{1 + index % 28:02d}"
    if index % 9 == 4:  # 99213 2 + 2 on one day: over the sample MAI 3 MUE of 3
        return [SyntheticLine(code="99213", units=Decimal(2), date=day)] * 2
    if index % 13 == 6:  # 97110 x 6: over its MAI 1 MUE of 4
        return [SyntheticLine(code="97110", units=Decimal(6), date=day)]
    return [
        SyntheticLine(code="99213", units=Decimal(1), date=day),
        SyntheticLine(code="J1100", units=Decimal(10), date=day),
    ]


def mixed_837(claims: int) -> bytes:
    """An 837P of *claims* claims, their lines from ``mixed_lines``."""
    return synthetic_837(claims, claim_lines=[mixed_lines(i) for i in range(claims)])
