"""``scrubber scrub --jobs N``: the same outputs, report, history and exit code as ``--jobs 1``.

Every test runs the CLI twice on the same inputs, once with one process and once with worker
processes, and compares what a user gets: the output files byte for byte, the report (it has
no timing fields; claims in input order) and the exit code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from runner_parity import (
    CLAIM_SAMPLES,
    SAMPLES,
    batch_file,
    check_bad_input_message,
    check_crash_writes_nothing,
    check_day_total_across_two_files,
    check_persisted_history,
    check_raising_edit_reported,
    check_shared_beneficiaries,
    one_and_two_jobs,
    run_jobs,
)

import scrubber._cli as cli

TWO = ("--jobs", "2")


def test_every_sample_together_is_the_same_with_two_workers(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    one, two = one_and_two_jobs(CLAIM_SAMPLES, sample_tables_db, tmp_path, "--no-history")
    assert one[1], "the samples produced outputs"
    assert len(one[2]["claims"]) >= len(CLAIM_SAMPLES)
    assert two == one


@pytest.mark.parametrize("extra", [["--check"], ["--validate"]])
def test_x12_samples_check_and_validate_are_the_same(
    sample_tables_db: Path, tmp_path: Path, extra: list[str]
) -> None:
    inputs = sorted(p for p in SAMPLES.glob("x12/*.837") if ".expected." not in p.name)
    one, two = one_and_two_jobs(inputs, sample_tables_db, tmp_path, "--no-history", *extra)
    assert one[0] in (0, 1) and one[2] is not None and one[2]["claims"]
    assert two == one


def test_corpus_is_the_same_with_two_workers(
    corpus_dir: Path, sample_tables_db: Path, tmp_path: Path
) -> None:
    inputs = sorted(corpus_dir.glob("x12/*.837"))
    assert len(inputs) > 2
    one, two = one_and_two_jobs(inputs, sample_tables_db, tmp_path, "--no-history")
    assert one[2] is not None and one[2]["summary"]["claims"] > 0
    assert two == one


def test_generated_batch_with_shared_beneficiaries_is_the_same(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    check_shared_beneficiaries(sample_tables_db, tmp_path, TWO)


@pytest.mark.parametrize("jobs", [1, 2])
def test_day_total_is_summed_across_two_files(
    sample_tables_db: Path, tmp_path: Path, jobs: int
) -> None:
    check_day_total_across_two_files(sample_tables_db, tmp_path, ("--jobs", str(jobs)))


def test_persisted_history_is_written_as_with_one_process(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    check_persisted_history(sample_tables_db, tmp_path, TWO)


def test_bad_input_is_exit_2_naming_the_file(
    sample_tables_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check_bad_input_message(sample_tables_db, tmp_path, TWO, capsys)


@pytest.mark.usefixtures("crash_plugin")
def test_an_edit_that_raises_is_reported_as_with_one_process(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    check_raising_edit_reported(sample_tables_db, tmp_path, TWO)


@pytest.mark.usefixtures("crash_plugin")
@pytest.mark.parametrize(("claim_id", "extra"), [("RAISE1", ["--strict"]), ("DIE1", [])])
def test_a_crash_in_a_worker_is_exit_3_and_writes_nothing(
    sample_tables_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    claim_id: str,
    extra: list[str],
) -> None:
    check_crash_writes_nothing(sample_tables_db, tmp_path, TWO, claim_id, extra)
    err = capsys.readouterr().err
    assert ("ended abruptly" if claim_id == "DIE1" else "edit bug on purpose") in err


def test_jobs_must_not_be_negative(sample_tables_db: Path, tmp_path: Path) -> None:
    inputs = [batch_file(tmp_path / "a.837", "A", 2), batch_file(tmp_path / "b.837", "B", 2)]
    code, files, _report = run_jobs(inputs, sample_tables_db, tmp_path / "out", -1)
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
