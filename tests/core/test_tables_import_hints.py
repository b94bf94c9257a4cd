"""``tables import --effective`` (and --program / --service-type) against a file name that
says otherwise: the name's date is used, and the command says so and why."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import scrubber._cli as cli

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "tables"
DATED = "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv"


def import_(tmp_path: Path, source: Path, *options: str) -> int:
    return cli.main(["tables", "import", str(source), "--tables", str(tmp_path / "t.db"), *options])


def test_a_dated_name_wins_over_effective_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert import_(tmp_path, SAMPLE / DATED, "--effective", "2026-04-01") == 0
    out, err = capsys.readouterr()
    assert "effective 2026-07-01" in out
    assert err.strip() == (
        f"note: {DATED}: effective date 2026-07-01 taken from the file name, not --effective "
        "2026-04-01: CMS dates each MUE file in its name, which wins over the option (the "
        "option is for files whose name carries no date)"
    )


def test_effective_is_used_when_the_name_has_no_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    undated = tmp_path / "MCR_MUE_PractitionerServices.csv"
    shutil.copyfile(SAMPLE / DATED, undated)
    assert import_(tmp_path, undated, "--effective", "2026-04-01") == 0
    out, err = capsys.readouterr()
    assert "effective 2026-04-01" in out and err == ""


def test_an_agreeing_effective_and_a_conflicting_program(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = ("--effective", "2026-07-01", "--program", "medicaid")
    assert import_(tmp_path, SAMPLE / DATED, *options) == 0
    _, err = capsys.readouterr()
    assert (
        err.strip() == f"note: {DATED}: medicare taken from the file name, not --program medicaid"
    )
