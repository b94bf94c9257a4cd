"""The scrub command's output contract, through the CLI with the real adapters.

Every refusal is exit 2, one line on stderr naming the output at fault, and no output written
(nor an existing file touched). Several outputs are committed all or none; a killed run's
temporary parts are cleaned by a later run; a closed stdout ends the run quietly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import scrubber._cli as cli
from scrubber._cli_io import BROKEN_PIPE_EXIT, OutputError, PendingOutputs, one_line

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CLEAN_837 = SAMPLES / "x12" / "clean-claim.837"
FHIR_BUNDLE = SAMPLES / "fhir" / "bundle-two-claims.r4.json"


@pytest.fixture(autouse=True)
def _tables(monkeypatch: pytest.MonkeyPatch, sample_tables_db: Path) -> None:
    monkeypatch.setenv("SCRUBBER_TABLES", str(sample_tables_db))


def copy_837(path: Path, group: str = "303") -> Path:
    """The clean sample, with its own group control number (GS06/GE02) when asked."""
    text = CLEAN_837.read_text(encoding="latin-1")
    text = text.replace("*303*X*", f"*{group}*X*").replace("GE*1*303~", f"GE*1*{group}~")
    path.write_text(text, encoding="latin-1")
    return path


def refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run *argv*; assert exit 2 and exactly one line on stderr; return that line."""
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert captured.out == ""
    return lines[0]


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".scrubber-"))


def test_output_named_twice_is_refused_and_nothing_is_replaced(tmp_path: Path, capsys) -> None:
    src = copy_837(tmp_path / "a.837")
    same = tmp_path / "f"
    same.write_text("keep me")
    line = refused(capsys, ["scrub", str(src), "-o", str(same), "--report", str(same)])
    assert line == f"scrubber: {same}: named by both -o and --report; give each output its own file"
    assert same.read_text() == "keep me"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("option", ["--report", "-o"])
def test_output_naming_a_directory_or_a_path_under_a_file(
    tmp_path: Path, capsys, option: str
) -> None:
    src = copy_837(tmp_path / "a.837")
    good, adir, afile = tmp_path / "good.837", tmp_path / "adir", tmp_path / "afile"
    adir.mkdir()
    afile.write_text("x")
    other = ["--report", str(tmp_path / "r.json")] if option == "-o" else ["-o", str(good)]
    line = refused(capsys, ["scrub", str(src), option, str(adir), *other])
    assert line == f"scrubber: {adir}: cannot write: it is a directory"
    line = refused(capsys, ["scrub", str(src), option, str(afile / "x"), *other])
    assert line == f"scrubber: {afile / 'x'}: cannot write: {afile} is not a directory"
    assert not good.exists() and not (tmp_path / "r.json").exists()


def test_out_dir_that_is_a_file_is_blamed_on_the_output(tmp_path: Path, capsys) -> None:
    src = copy_837(tmp_path / "a.837")
    (tmp_path / "afile").write_text("x")
    line = refused(capsys, ["scrub", str(src), "--out-dir", str(tmp_path / "afile")])
    assert line.startswith(f"scrubber: {tmp_path / 'afile' / 'a.837'}: cannot write:")


def test_output_equal_to_the_input_needs_force(tmp_path: Path, capsys, monkeypatch) -> None:
    src = copy_837(tmp_path / "a.837")
    before = src.read_bytes()
    line = refused(capsys, ["scrub", str(src), "-o", str(src)])
    assert line == f"scrubber: {src}: -o would overwrite this input; pass --force to replace it"
    monkeypatch.chdir(tmp_path)
    line = refused(capsys, ["scrub", "a.837", "--out-dir", "."])
    assert "--out-dir would overwrite this input; pass --force" in line
    assert src.read_bytes() == before
    assert cli.main(["scrub", "a.837", "--out-dir", ".", "--force", "-q"]) == 0
    assert src.read_bytes() == before  # a clean claim comes back byte for byte
    assert leftovers(tmp_path) == []


def test_out_dir_refuses_two_inputs_with_one_name(tmp_path: Path, capsys) -> None:
    first = copy_837(tmp_path / "a.837")
    (tmp_path / "other").mkdir()
    second = copy_837(tmp_path / "other" / "a.837", group="404")
    out = tmp_path / "out"
    line = refused(capsys, ["scrub", str(first), str(second), "--out-dir", str(out)])
    assert line == (
        f"scrubber: {out / 'a.837'}: two inputs have this name;"
        " scrub them into different directories"
    )
    assert not out.exists()


def test_report_to_stdout_beside_claims_to_stdout_is_refused(tmp_path: Path, capsys) -> None:
    src = copy_837(tmp_path / "a.837")
    line = refused(capsys, ["scrub", str(src), "--report", "-"])
    assert line == (
        "scrubber: --report and the claims would share stdout;"
        " send all but one to a file (-o, --report FILE)"
    )
    assert cli.main(["scrub", str(src), "--check", "--report", "-", "-q"]) == 0
    assert capsys.readouterr().out.startswith("{")  # the report alone on stdout


def test_x12_and_fhir_to_stdout_are_not_mixed(tmp_path: Path, capsys) -> None:
    src = copy_837(tmp_path / "a.837")
    line = refused(capsys, ["scrub", str(src), str(FHIR_BUNDLE), "-q"])
    assert line == (
        f"scrubber: {FHIR_BUNDLE}: x12 and fhir inputs would be mixed on stdout; use --out-dir DIR"
    )
    assert cli.main(["scrub", str(src), str(FHIR_BUNDLE), "--out-dir", str(tmp_path / "o")]) == 0


def test_check_with_an_output_is_refused(tmp_path: Path, capsys) -> None:
    src = copy_837(tmp_path / "a.837")
    line = refused(capsys, ["scrub", str(src), "--check", "-o", str(tmp_path / "f")])
    assert line == "scrubber: --check writes no claims; drop -o/--out-dir or drop --check"
    assert not (tmp_path / "f").exists()


def test_ack_with_several_inputs_writes_one_999_per_input(tmp_path: Path) -> None:
    first = copy_837(tmp_path / "a.837", group="303")
    second = copy_837(tmp_path / "b.837", group="404")
    ack = tmp_path / "acks" / "run.999"
    argv = ["scrub", str(first), str(second), "--out-dir", str(tmp_path / "o"), "-q"]
    assert cli.main([*argv, "--ack", str(ack)]) == 0
    assert not ack.exists()
    by_input = {
        name: (tmp_path / "acks" / f"run.{name}.999").read_text(encoding="latin-1")
        for name in ("a.837", "b.837")
    }
    assert "AK1*HC*303*" in by_input["a.837"] and "AK1*HC*404*" in by_input["b.837"]


def test_single_input_ack_keeps_its_name(tmp_path: Path) -> None:
    src = copy_837(tmp_path / "a.837")
    ack = tmp_path / "a.999"
    assert cli.main(["scrub", str(src), "-o", str(tmp_path / "o.837"), "--ack", str(ack)]) == 0
    assert "AK1*HC*303*" in ack.read_text(encoding="latin-1")


def test_several_outputs_commit_all_or_none(tmp_path: Path) -> None:
    """A rename failing at the end puts back what the earlier renames replaced."""
    kept, second = tmp_path / "claims.837", tmp_path / "report.json"
    kept.write_text("the previous run's claims")
    outputs = PendingOutputs()
    outputs.write_all(str(kept), [b"new claims"])
    outputs.write_all(str(second), [b"{}"])
    second.mkdir()  # appears between the plan and the commit
    (second / "occupied").write_text("x")
    with pytest.raises(OutputError) as caught:
        outputs.commit()
    assert caught.value.source == str(second)
    assert kept.read_text() == "the previous run's claims"
    assert leftovers(tmp_path) == []


def test_new_outputs_are_removed_when_a_later_one_fails(tmp_path: Path) -> None:
    fresh, blocked = tmp_path / "fresh.837", tmp_path / "blocked.json"
    outputs = PendingOutputs()
    outputs.write_all(str(fresh), [b"new"])
    outputs.write_all(str(blocked), [b"{}"])
    blocked.mkdir()
    (blocked / "x").write_text("x")
    with pytest.raises(OutputError):
        outputs.commit()
    assert not fresh.exists()
    assert leftovers(tmp_path) == []


def test_error_text_with_line_breaks_stays_one_line(tmp_path: Path, capsys) -> None:
    line = refused(capsys, ["scrub", str(tmp_path / "a\r\nb\tc.837")])
    assert line.endswith("a\\r\\nb\\tc.837: cannot read: No such file or directory")
    assert one_line("value\u2028next\x85end\x00") == "value\\u2028next\\x85end\\x00"
    assert one_line("plain text, même accentuée") == "plain text, même accentuée"


def _run_cli(*args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    # stdout block-buffered as users have it (not PYTHONUNBUFFERED, which hides exit flushes)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "scrubber._cli", *args], env=env, **kwargs
    )


def test_a_killed_runs_parts_are_cleaned_by_the_next_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    # A real process that opens an output part and is then killed with SIGKILL.
    hold = (
        "import sys, time\n"
        "from scrubber._cli_io import PendingOutputs\n"
        "PendingOutputs().write_all(sys.argv[1], [b'half a claim'])\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    victim = subprocess.Popen(
        [sys.executable, "-c", hold, str(out / "a.837")], stdout=subprocess.PIPE
    )
    assert victim.stdout is not None and victim.stdout.readline() == b"ready\n"
    [part] = leftovers(out)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    victim.stdout.close()
    foreign = out / ".scrubber-notours.part"  # no process to check: kept until it is old
    foreign.write_text("x")
    unrelated = out / "notes.part"
    unrelated.write_text("x")
    src = copy_837(tmp_path / "a.837")
    assert cli.main(["scrub", str(src), "--out-dir", str(out), "-q"]) == 0
    assert leftovers(out) == [foreign.name] and unrelated.exists()
    day_old = time.time() - 2 * 24 * 3600
    os.utime(foreign, (day_old, day_old))
    assert cli.main(["scrub", str(src), "--out-dir", str(out), "-q"]) == 0
    assert leftovers(out) == [] and part not in os.listdir(out)


@pytest.mark.parametrize("command", [["scrub", "-q"], ["edits"], ["explain", "99601"]])
def test_closed_stdout_ends_quietly(tmp_path: Path, command: list[str]) -> None:
    src = copy_837(tmp_path / "a.837")
    argv = [*command, str(src)] if command[0] == "scrub" else command
    run = _run_cli(*argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert run.stdout is not None and run.stderr is not None
    run.stdout.close()  # the reader leaves before anything is written, as `| head -0` would
    err = run.stderr.read()
    run.stderr.close()
    assert run.wait(timeout=60) == BROKEN_PIPE_EXIT
    assert err == b""


def test_response_with_several_inputs_writes_one_file_per_input(tmp_path: Path) -> None:
    first = tmp_path / "x.json"
    first.write_bytes(FHIR_BUNDLE.read_bytes())
    second = tmp_path / "y.json"
    second.write_bytes((SAMPLES / "fhir" / "home-infusion-medicaid.r4.json").read_bytes())
    out, responses = tmp_path / "out", tmp_path / "resp.ndjson"
    argv = ["scrub", str(first), str(second), "--out-dir", str(out), "--response", str(responses)]
    assert cli.main([*argv, "-q"]) in (0, 1)
    assert not responses.exists()
    per_input = {
        name: (tmp_path / f"resp.{name}.ndjson").read_text(encoding="utf-8").splitlines()
        for name in ("x.json", "y.json")
    }
    assert (len(per_input["x.json"]), len(per_input["y.json"])) == (2, 1)  # one per Claim


def test_dev_null_is_written_to_not_replaced(tmp_path: Path) -> None:
    src = copy_837(tmp_path / "a.837")
    report = tmp_path / "r.json"
    argv = ["scrub", str(src), "-o", os.devnull, "--report", str(report), "--ack", os.devnull]
    assert cli.main([*argv, "-q"]) == 0
    assert report.exists() and Path(os.devnull).is_char_device()
    assert leftovers(Path(os.devnull).parent) == []


def test_a_failing_last_rename_leaves_every_output_as_it_was(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the CLI: the claims are renamed into place, then the report's rename fails
    (say, a full disk on a network share): the claims file is put back as it was."""
    src = copy_837(tmp_path / "a.837")
    claims, report = tmp_path / "out.837", tmp_path / "r.json"
    claims.write_text("yesterday's claims")
    real_replace = os.replace

    def replace(source: str, target: str) -> None:
        if os.fspath(target) == str(report):
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr("scrubber._cli_io.os.replace", replace)
    line = refused(capsys, ["scrub", str(src), "-o", str(claims), "--report", str(report)])
    assert line == f"scrubber: {report}: cannot write: No space left on device"
    assert claims.read_text() == "yesterday's claims" and not report.exists()
    assert leftovers(tmp_path) == []
