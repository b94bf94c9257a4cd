"""``scrubber scrub --spark local[2]`` and ``scrub_files``: what one process gives.

Every comparison runs the CLI twice on the same inputs, once with ``--jobs 1`` (one process)
and once with ``--spark local[2]``, and compares what a user gets: the output files byte for
byte, the report (it holds no timings; claims in input order) and the exit code.
"""

from __future__ import annotations

import json
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from runner_parity import (
    CLAIM_SAMPLES,
    ONE,
    Outcome,
    batch_file,
    check_bad_input_message,
    check_crash_writes_nothing,
    check_day_total_across_two_files,
    check_persisted_history,
    check_raising_edit_reported,
    check_shared_beneficiaries,
    install_crash_plugin,
    one_claim,
    run_cli,
)

import scrubber._cli as cli

SPARK = ("--spark", "local[2]")


def scrub(
    inputs: list[Path], tables: Path, out: Path, mode: tuple[str, ...], *extra: str
) -> Outcome:
    return run_cli(inputs, tables, out, *mode, *extra)


def both(inputs: list[Path], tables: Path, tmp_path: Path, *extra: str) -> tuple[Outcome, Outcome]:
    one = scrub(inputs, tables, tmp_path / "one", ONE, *extra)
    spark = scrub(inputs, tables, tmp_path / "spark", SPARK, *extra)
    return one, spark


@pytest.fixture(autouse=True)
def _spark_started(spark: Any) -> None:
    """Every test here runs on the session's Spark (the CLI uses the active session)."""


def test_every_sample_together_is_the_same_on_spark(sample_tables_db: Path, tmp_path: Path) -> None:
    one, spark = both(CLAIM_SAMPLES, sample_tables_db, tmp_path, "--no-history")
    assert one[1], "the samples produced outputs"
    assert one[2] is not None and len(one[2]["claims"]) >= len(CLAIM_SAMPLES)
    assert spark == one


def test_each_sample_alone_is_the_same_on_spark(sample_tables_db: Path, tmp_path: Path) -> None:
    for sample in CLAIM_SAMPLES:
        one, spark = both([sample], sample_tables_db, tmp_path / sample.name, "--no-history")
        assert spark == one, sample.name


@pytest.mark.parametrize("extra", [["--check"], ["--validate"]])
def test_x12_samples_check_and_validate_are_the_same(
    sample_tables_db: Path, tmp_path: Path, extra: list[str]
) -> None:
    inputs = [p for p in CLAIM_SAMPLES if p.suffix == ".837"]
    one, spark = both(inputs, sample_tables_db, tmp_path, "--no-history", *extra)
    assert spark == one


def test_corpus_is_the_same_on_spark(
    corpus_dir: Path, sample_tables_db: Path, tmp_path: Path
) -> None:
    inputs = sorted(corpus_dir.glob("x12/*.837"))
    assert len(inputs) > 2
    one, spark = both(inputs, sample_tables_db, tmp_path, "--no-history")
    assert one[2] is not None and one[2]["summary"]["claims"] > 0
    assert spark == one


def test_generated_batch_with_shared_beneficiaries_is_the_same(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    check_shared_beneficiaries(sample_tables_db, tmp_path, SPARK)


def test_day_total_is_summed_across_two_files(sample_tables_db: Path, tmp_path: Path) -> None:
    check_day_total_across_two_files(sample_tables_db, tmp_path, SPARK)


def test_persisted_history_is_written_as_with_one_process(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    check_persisted_history(sample_tables_db, tmp_path, SPARK)


def test_bad_input_is_exit_2_naming_the_file(
    sample_tables_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check_bad_input_message(sample_tables_db, tmp_path, SPARK, capsys)


def test_a_missing_input_is_exit_2_naming_it(
    sample_tables_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = batch_file(tmp_path / "good.837", "G", 2)
    missing = tmp_path / "missing.837"
    code, files, report = scrub([good, missing], sample_tables_db, tmp_path / "out", SPARK)
    assert code == 2 and files == {} and report is None
    assert str(missing) in capsys.readouterr().err


@pytest.fixture(scope="session")
def crash_site(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The crash plugin installed the way users install one (module plus dist-info with
    its entry point), shipped once to the executors as a zip, as a cluster installs a plugin
    package on every node. Tests that do not put it on the driver's path do not see it: an
    executor blocks plugins the driver does not load."""
    site = install_crash_plugin(tmp_path_factory.mktemp("crash-site"))
    shipped = tmp_path_factory.mktemp("crash-zip") / "scrubber_crash_test.zip"
    with zipfile.ZipFile(shipped, "w") as archive:
        for path in sorted(site.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(site).as_posix())
    spark.sparkContext.addPyFile(str(shipped))
    return site


@pytest.fixture
def crash_plugin(crash_site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The crash plugin on the driver too, for one test."""
    monkeypatch.syspath_prepend(str(crash_site))
    yield
    sys.modules.pop("scrubber_crash_test", None)


@pytest.mark.usefixtures("crash_plugin")
def test_an_edit_that_raises_is_reported_as_with_one_process(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    check_raising_edit_reported(sample_tables_db, tmp_path, SPARK)


@pytest.mark.usefixtures("crash_plugin")
@pytest.mark.parametrize(("claim_id", "extra"), [("RAISE1", ["--strict"]), ("DIE1", [])])
def test_a_crash_on_an_executor_is_exit_3_and_writes_nothing(
    sample_tables_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    claim_id: str,
    extra: list[str],
) -> None:
    check_crash_writes_nothing(sample_tables_db, tmp_path, SPARK, claim_id, extra)
    err = capsys.readouterr().err
    if claim_id == "DIE1":
        assert "a Spark task failed" in err and "Python worker exited unexpectedly" in err
    else:
        assert "edit bug on purpose" in err


def test_spark_and_jobs_together_are_refused(sample_tables_db: Path, tmp_path: Path) -> None:
    inputs = [batch_file(tmp_path / "a.837", "A", 2)]
    code, files, _ = scrub(inputs, sample_tables_db, tmp_path / "out", SPARK, "--jobs", "2")
    assert code == 2 and files == {}


def test_scrub_files_returns_one_row_per_claim_and_writes_the_files(
    spark: Any, sample_tables_db: Path, tmp_path: Path
) -> None:
    from scrubber.spark import RESULT_COLUMNS, scrub_files

    first = one_claim(tmp_path / "first.837", "DAYONE", 2)
    other = batch_file(tmp_path / "other.837", "O", 4)
    second = one_claim(tmp_path / "second.837", "DAYTWO", 2)
    inputs = [first, other, second]
    frame = scrub_files(spark, inputs, out_dir=tmp_path / "api", tables=sample_tables_db)
    assert [(f.name, f.dataType.simpleString()) for f in frame.schema.fields] == list(
        RESULT_COLUMNS
    )
    rows = frame.collect()
    assert [r["claim_id"] for r in rows] == ["DAYONE", *(f"O{i:07d}" for i in range(4)), "DAYTWO"]
    assert [r["input"] for r in rows] == [str(first)] + [str(other)] * 4 + [str(second)]
    later = next(r for r in rows if r["claim_id"] == "DAYTWO")
    assert later["changed"] is True
    assert [f["code"] for f in json.loads(later["findings"])] == ["MUE003"]
    assert json.loads(later["fixes"])
    # the files are those the CLI writes for the same run
    _, files, _ = scrub(inputs, sample_tables_db, tmp_path / "cli", ONE, "--no-history")
    assert {p.name: p.read_bytes() for p in (tmp_path / "api").iterdir()} == files


def test_scrub_files_names_a_bad_input_and_writes_nothing(
    spark: Any, sample_tables_db: Path, tmp_path: Path
) -> None:
    from scrubber import ScrubberError
    from scrubber.spark import scrub_files

    good = batch_file(tmp_path / "good.837", "G", 2)
    bad = tmp_path / "bad.837"
    bad.write_bytes(good.read_bytes().replace(b"SE*", b"SE*9", 1))
    with pytest.raises(ScrubberError) as raised:
        scrub_files(spark, [good, bad], out_dir=tmp_path / "out", tables=sample_tables_db)
    assert raised.value.source == str(bad)
    assert list((tmp_path / "out").iterdir()) == []


def test_relative_paths_are_the_drivers(
    spark: Any, sample_tables_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Executors do not share the driver's working directory: relative inputs, output and
    staging directories are resolved on the driver."""
    from scrubber.spark import scrub_files

    batch_file(tmp_path / "a.837", "A", 3)
    one_claim(tmp_path / "b.837", "RELATIVE1", 5)
    monkeypatch.chdir(tmp_path)
    rows = scrub_files(spark, ["a.837", "b.837"], out_dir="out", tables=sample_tables_db).collect()
    assert [r["input"] for r in rows] == ["a.837"] * 3 + ["b.837"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.837", "b.837"]
    code, files, _ = scrub(
        [Path("a.837"), Path("b.837")], sample_tables_db, Path("cli"), SPARK, "--no-history"
    )
    assert code in (0, 1)
    assert files == {p.name: p.read_bytes() for p in sorted((tmp_path / "out").iterdir())}


def test_a_cluster_master_stages_in_the_output_directory(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    """Any master but local[N] stages the executors' files inside --out-dir (storage every
    node reaches); the outputs are the same and the staging directory is gone afterwards.
    (The active test session stands in for the cluster.)"""
    inputs = [batch_file(tmp_path / "a.837", "A", 4), batch_file(tmp_path / "b.837", "B", 3)]
    one = scrub(inputs, sample_tables_db, tmp_path / "one", ONE, "--no-history")
    cluster = scrub(
        inputs,
        sample_tables_db,
        tmp_path / "cluster",
        ("--spark", "spark://cluster:7077"),
        "--no-history",
    )
    assert cluster == one
    assert sorted(p.name for p in (tmp_path / "cluster" / "files").iterdir()) == ["a.837", "b.837"]


def test_a_cluster_master_needs_an_output_directory_and_files(
    sample_tables_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = str(batch_file(tmp_path / "a.837", "A", 1))
    base = ["scrub", "--tables", str(sample_tables_db), "--no-history", "-q"]
    master = ["--spark", "spark://cluster:7077"]
    assert cli.main([*base, sample, "-o", str(tmp_path / "o.837"), *master]) == 2
    assert "--out-dir" in capsys.readouterr().err
    assert cli.main([*base, "-", "--out-dir", str(tmp_path / "out"), *master]) == 2
    assert "stdin" in capsys.readouterr().err
    assert not (tmp_path / "o.837").exists() and not (tmp_path / "out").exists()


def test_html_and_fhir_responses_are_the_same(sample_tables_db: Path, tmp_path: Path) -> None:
    inputs = [p for p in CLAIM_SAMPLES if p.suffix in (".json", ".ndjson")]
    written = []
    for name, mode in (("one", ONE), ("spark", SPARK)):
        out = tmp_path / name
        result = scrub(
            inputs,
            sample_tables_db,
            out,
            mode,
            "--no-history",
            "--html",
            str(out / "r.html"),
            "--response",
            str(out / "resp.ndjson"),
        )
        extra = {p.name: p.read_bytes() for p in sorted(out.glob("r*.*")) if p.is_file()}
        written.append((result, extra))
    assert written[1] == written[0]
    assert {"r.html", "report.json"} <= set(written[0][1])
    assert any(name.startswith("resp.") for name in written[0][1])


def test_scrub_files_keeps_a_history_between_runs(
    spark: Any, sample_tables_db: Path, tmp_path: Path
) -> None:
    """Yesterday's batch counts for today's claims of the same date of service."""
    from scrubber.spark import scrub_files

    first = one_claim(tmp_path / "first.837", "DAYONE", 2)
    second = one_claim(tmp_path / "second.837", "DAYTWO", 2)
    history = tmp_path / "history.db"
    kw: dict[str, Any] = {"tables": sample_tables_db, "history": history}
    checked = scrub_files(spark, [first], check=True, **kw).collect()
    assert [r["claim_id"] for r in checked] == ["DAYONE"]
    alone = scrub_files(spark, [second], check=True, **kw).collect()
    assert json.loads(alone[0]["findings"]) == []  # a check run added nothing
    scrub_files(spark, [first], out_dir=tmp_path / "day1", **kw)
    later = scrub_files(spark, [second], out_dir=tmp_path / "day2", **kw).collect()
    findings = json.loads(later[0]["findings"])
    assert [f["code"] for f in findings] == ["MUE003"]
    assert "plus 2 units on earlier claims" in findings[0]["message"]


def test_scrub_files_without_an_output_directory_writes_nothing(
    spark: Any, sample_tables_db: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from scrubber.spark import scrub_files

    inputs = [batch_file(tmp_path / "a.837", "A", 3), one_claim(tmp_path / "b.837", "B1", 9)]
    before = sorted(tmp_path.iterdir())
    rows = scrub_files(spark, inputs, tables=sample_tables_db).collect()
    assert [r["claim_id"] for r in rows] == ["A0000000", "A0000001", "A0000002", "B1"]
    assert next(r for r in rows if r["claim_id"] == "B1")["changed"] is True
    assert "ISA*" not in capfd.readouterr().out
    assert sorted(tmp_path.iterdir()) == before
