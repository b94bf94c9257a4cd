"""``scrubber scrub --jobs N``: the same outputs, report, history and exit code as ``--jobs 1``.

Every test runs the CLI twice on the same inputs, once with one process and once with worker
processes, and compares what a user gets: the output files byte for byte, the report (it has
no timing fields; claims in input order) and the exit code.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import scrubber._cli as cli
from scrubber_x12.synthetic import SyntheticLine, synthetic_837

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
CLAIM_SAMPLES = sorted(
    [
        *SAMPLES.glob("x12/*.837"),
        *SAMPLES.glob("fhir/*.r4.json"),
        *SAMPLES.glob("fhir/*.r4.xml"),
        *SAMPLES.glob("fhir/*.ndjson"),
    ]
)
CLAIM_SAMPLES = [p for p in CLAIM_SAMPLES if ".expected." not in p.name]


def scrub(
    inputs: list[Path], tables: Path, out: Path, jobs: int, *extra: str
) -> tuple[int, dict[str, bytes], dict[str, Any] | None]:
    """Run the CLI; the exit code, every output file by name, and the report."""
    out.mkdir(parents=True, exist_ok=True)
    report = out / "report.json"
    code = cli.main(
        [
            "scrub",
            *map(str, inputs),
            "--tables",
            str(tables),
            "--out-dir",
            str(out / "files"),
            "--report",
            str(report),
            "--jobs",
            str(jobs),
            "-q",
            *extra,
        ]
    )
    files = {p.name: p.read_bytes() for p in sorted((out / "files").glob("*"))}
    data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else None
    return code, files, data


def both(
    inputs: list[Path], tables: Path, tmp_path: Path, *extra: str
) -> tuple[tuple[int, dict[str, bytes], Any], tuple[int, dict[str, bytes], Any]]:
    one = scrub(inputs, tables, tmp_path / "one", 1, *extra)
    two = scrub(inputs, tables, tmp_path / "two", 2, *extra)
    return one, two


def test_every_sample_together_is_the_same_with_two_workers(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    one, two = both(CLAIM_SAMPLES, sample_tables_db, tmp_path, "--no-history")
    assert one[1], "the samples produced outputs"
    assert len(one[2]["claims"]) >= len(CLAIM_SAMPLES)
    assert two == one


@pytest.mark.parametrize("extra", [["--check"], ["--validate"]])
def test_x12_samples_check_and_validate_are_the_same(
    sample_tables_db: Path, tmp_path: Path, extra: list[str]
) -> None:
    inputs = sorted(p for p in SAMPLES.glob("x12/*.837") if ".expected." not in p.name)
    one, two = both(inputs, sample_tables_db, tmp_path, "--no-history", *extra)
    assert two == one


def test_corpus_is_the_same_with_two_workers(
    corpus_dir: Path, sample_tables_db: Path, tmp_path: Path
) -> None:
    inputs = sorted(corpus_dir.glob("x12/*.837"))
    assert len(inputs) > 2
    one, two = both(inputs, sample_tables_db, tmp_path, "--no-history")
    assert one[2] is not None and one[2]["summary"]["claims"] > 0
    assert two == one


def _batch_file(path: Path, tag: str, claims: int, *, patients: str | None = None) -> Path:
    """A synthetic 837P whose claim ids carry *tag*; members too unless *patients* names
    another file's tag (then its beneficiaries are that file's)."""
    data = synthetic_837(claims, lines_per_claim=3)
    data = data.replace(b"CLM*SYN", b"CLM*" + tag.encode())
    data = data.replace(b"*MI*M", b"*MI*" + (patients or tag).encode())
    path.write_bytes(data)
    return path


def test_generated_batch_with_shared_beneficiaries_is_the_same(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    inputs = [
        _batch_file(batch / "a.837", "A", 60),
        _batch_file(batch / "b.837", "B", 40),
        _batch_file(batch / "c.837", "C", 50, patients="A"),  # a's patients again
        _batch_file(batch / "d.837", "D", 30),
        _batch_file(batch / "e.837", "E", 20, patients="D"),
    ]
    one, two = both(inputs, sample_tables_db, tmp_path, "--no-history")
    assert two == one
    # the shared beneficiaries matter: c alone is scrubbed differently than after a
    alone = scrub([inputs[2], inputs[1]], sample_tables_db, tmp_path / "alone", 2, "--no-history")
    assert alone[1]["c.837"] != one[1]["c.837"]


def _one_claim(path: Path, claim_id: str, units: int) -> Path:
    lines = [[SyntheticLine(code="99213", units=Decimal(units))]]
    data = synthetic_837(1, claim_lines=lines)
    path.write_bytes(data.replace(b"CLM*SYN0000000", b"CLM*" + claim_id.encode()))
    return path


def _claim_entry(report: dict[str, Any], claim_id: str) -> dict[str, Any]:
    return next(c for c in report["claims"] if c["claim_id"] == claim_id)


@pytest.mark.parametrize("jobs", [1, 2])
def test_day_total_is_summed_across_two_files(
    sample_tables_db: Path, tmp_path: Path, jobs: int
) -> None:
    """99213 x 2 in each of two files, one beneficiary, one day, one billing NPI: the sample
    Medicare MUE of 3 (MAI 3) is exceeded only by the day's total of 4."""
    first = _one_claim(tmp_path / "first.837", "DAYONE", 2)
    second = _one_claim(tmp_path / "second.837", "DAYTWO", 2)
    other = _batch_file(tmp_path / "other.837", "O", 10)
    code, _files, report = scrub(
        [first, other, second],
        sample_tables_db,
        tmp_path / "out",
        jobs,
        "--no-history",
        "--report-level",
        "all",
    )
    assert report is not None
    assert code in (0, 1)
    assert not _claim_entry(report, "DAYONE").get("findings")
    later = _claim_entry(report, "DAYTWO")["findings"]
    assert [f["code"] for f in later] == ["MUE003"]
    assert "plus 2 units on earlier claims" in later[0]["message"]


def test_persisted_history_is_written_as_with_one_process(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    first = _one_claim(tmp_path / "first.837", "DAYONE", 2)
    second = _one_claim(tmp_path / "second.837", "DAYTWO", 2)
    other = _batch_file(tmp_path / "other.837", "O", 10)
    rows = []
    for jobs in (1, 2):
        db = tmp_path / f"history{jobs}.db"
        result = scrub(
            [first, other], sample_tables_db, tmp_path / f"a{jobs}", jobs, "--history", str(db)
        )
        again = scrub(
            [other, second], sample_tables_db, tmp_path / f"b{jobs}", jobs, "--history", str(db)
        )
        with sqlite3.connect(db) as conn:
            stored = conn.execute("SELECT * FROM claims ORDER BY patient, claim_id").fetchall()
        rows.append((result, again, stored))
    assert rows[1] == rows[0]
    assert "plus 2 units on earlier claims" in json.dumps(_claim_entry(rows[0][1][2], "DAYTWO"))


def test_bad_input_is_exit_2_naming_the_file(
    sample_tables_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _batch_file(tmp_path / "good.837", "G", 5)
    bad = tmp_path / "bad.837"
    bad.write_bytes(good.read_bytes().replace(b"SE*", b"SE*9", 1))
    messages = []
    for jobs in (1, 2):
        code, files, report = scrub([good, bad], sample_tables_db, tmp_path / f"o{jobs}", jobs)
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


@pytest.fixture
def crash_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plugin installed the way users install one (an entry point), so that worker
    processes, which load plugins themselves, load it too."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "scrubber_crash_test.py").write_text(textwrap.dedent(CRASH_PLUGIN))
    info = site / "scrubber_crash_test-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: scrubber-crash-test\nVersion: 0.1\n"
    )
    (info / "entry_points.txt").write_text("[claim_scrubber]\ncrash = scrubber_crash_test\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", str(site))
    yield
    sys.modules.pop("scrubber_crash_test", None)


@pytest.mark.usefixtures("crash_plugin")
def test_an_edit_that_raises_is_reported_as_with_one_process(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    inputs = [_batch_file(tmp_path / "a.837", "A", 5), _one_claim(tmp_path / "r.837", "RAISE1", 1)]
    one, two = both(inputs, sample_tables_db, tmp_path, "--no-history")
    assert one[0] == 3
    assert two == one
    assert _claim_entry(two[2], "RAISE1")["failures"][0]["exc_type"] == "RuntimeError"


@pytest.mark.usefixtures("crash_plugin")
@pytest.mark.parametrize(("claim_id", "extra"), [("RAISE1", ["--strict"]), ("DIE1", [])])
def test_a_crash_in_a_worker_is_exit_3_and_writes_nothing(
    sample_tables_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    claim_id: str,
    extra: list[str],
) -> None:
    inputs = [
        _batch_file(tmp_path / "a.837", "A", 5),
        _one_claim(tmp_path / "c.837", claim_id, 1),
        _batch_file(tmp_path / "b.837", "B", 5),
    ]
    code, files, report = scrub(
        inputs, sample_tables_db, tmp_path / "out", 2, "--no-history", *extra
    )
    assert code == 3
    assert files == {} and report is None
    assert not list((tmp_path / "out").rglob("*.part"))
    err = capsys.readouterr().err
    assert ("ended abruptly" if claim_id == "DIE1" else "edit bug on purpose") in err


def test_jobs_must_not_be_negative(sample_tables_db: Path, tmp_path: Path) -> None:
    inputs = [_batch_file(tmp_path / "a.837", "A", 2), _batch_file(tmp_path / "b.837", "B", 2)]
    code, files, _report = scrub(inputs, sample_tables_db, tmp_path / "out", -1)
    assert code == 2 and files == {}


def _keys(*keys: str) -> Any:
    from scrubber._jobs_worker import Scrubbed

    return [
        Scrubbed(
            index=i,
            output=None,
            entries="",
            listing=None,
            responses=None,
            keys=frozenset(k),
            tables=(),
        )
        for i, k in enumerate(keys)
    ]


def test_inputs_sharing_a_beneficiary_through_a_chain_are_one_group() -> None:
    from scrubber._grouping import unit_groups

    # 0 and 2 share p; 2 and 4 share q: one group in input order; 1 and 3 alone
    results = _keys(["p"], ["x"], ["p", "q"], [], ["q"])
    assert unit_groups(results) == [[0, 2, 4], [1], [3]]


def test_jobs_zero_means_every_core() -> None:
    import argparse
    import os

    from scrubber._cli_jobs import jobs_wanted

    assert jobs_wanted(argparse.Namespace(jobs=0)) == (os.cpu_count() or 1)
    assert jobs_wanted(argparse.Namespace(jobs=3)) == 3


def test_an_input_sharing_nothing_with_earlier_ones_only_feeds_the_history() -> None:
    from scrubber._grouping import feeders

    # group 0, 1, 2: 0 is final and feeds p; 1 (x only) is final too and feeds x;
    # 2 has p and x from earlier inputs: scrubbed again
    results = _keys(["p", "y"], ["x"], ["p", "x"])
    assert feeders([0, 1, 2], results) == {0: frozenset({"p"}), 1: frozenset({"x"})}


def test_terminal_listing_and_html_are_the_same_with_two_workers(
    sample_tables_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = sorted(p for p in SAMPLES.glob("x12/*.837") if ".expected." not in p.name)
    seen = []
    for jobs in (1, 2):
        out = tmp_path / str(jobs)
        code = cli.main(
            [
                "scrub",
                *map(str, inputs),
                "--tables",
                str(sample_tables_db),
                "--out-dir",
                str(out),
                "--no-history",
                "--html",
                str(tmp_path / f"r{jobs}.html"),
                "--jobs",
                str(jobs),
            ]
        )
        seen.append((code, capsys.readouterr().err, (tmp_path / f"r{jobs}.html").read_bytes()))
    assert "MUE" in seen[0][1]  # the listing names findings
    assert seen[1] == seen[0]
