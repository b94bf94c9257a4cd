"""``scrubber explain`` answers the biller's question in one sentence at the top (text and
--json), from the sample tables imported through the CLI, and warns about a stale table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import scrubber._cli as cli

QUESTION = ["explain", "99602", "--program", "medicaid", "--date", "2026-01-15", "--minutes", "330"]
WORKED = (
    "330 minutes = 99601 × 1 + 99602 × 3; the Medicaid MUE for 99602 is 2 on one line, so "
    "1 unit is over: "
)


def ask(
    capsys: pytest.CaptureFixture[str], tables: Path, *args: str, profile: str | None = None
) -> str:
    argv = [*args, "--tables", str(tables)]
    if profile is not None:
        argv += ["--profile", profile]
    assert cli.main(argv) == 0
    return capsys.readouterr().out


def action_profile(tmp_path: Path, action: str) -> str:
    path = tmp_path / f"{action}.toml"
    path.write_text(f'[defaults.mue]\nmedicaid_action = "{action}"\n', encoding="utf-8")
    return str(path)


def test_the_first_line_answers_in_one_sentence(
    capsys: pytest.CaptureFixture[str], sample_tables_db: Path, tmp_path: Path
) -> None:
    out = ask(capsys, sample_tables_db, *QUESTION, profile=action_profile(tmp_path, "document"))
    first, blank, header = out.splitlines()[:3]
    assert first == WORKED + (
        "under this payer's action (document), bill all 3 units, attach the medical records "
        "(PWK) and appeal the denial of the 1 unit over the MUE with them."
    )
    assert first.count(". ") == 0 and first.endswith(".")  # one sentence
    assert (blank, header) == ("", "99602 (medicaid, 2026-01-15)")


def test_the_split_action_names_the_excess_line(
    capsys: pytest.CaptureFixture[str], sample_tables_db: Path, tmp_path: Path
) -> None:
    out = ask(capsys, sample_tables_db, *QUESTION, profile=action_profile(tmp_path, "split"))
    assert out.splitlines()[0] == WORKED + (
        "under this payer's action (split), bill 2 units on the line and the 1 unit over the "
        "MUE on a second line with modifier GD, records attached, for the payer's review."
    )


def test_medicaid_without_a_state_profile_documents_and_appeals(
    capsys: pytest.CaptureFixture[str], sample_tables_db: Path
) -> None:
    """The default for a Medicaid payer with no state profile is ``document``."""
    first = ask(capsys, sample_tables_db, *QUESTION).splitlines()[0]
    assert first == WORKED + (
        "under this payer's action (document), bill all 3 units, attach the medical records "
        "(PWK) and appeal the denial of the 1 unit over the MUE with them."
    )


def test_the_connecticut_example_profile_splits_with_gd(
    capsys: pytest.CaptureFixture[str], sample_tables_db: Path, samples_dir: Path
) -> None:
    profile = str(samples_dir / "profiles" / "connecticut-medicaid.toml")
    first = ask(capsys, sample_tables_db, *QUESTION, profile=profile).splitlines()[0]
    assert first.startswith(WORKED + "under this payer's action (split), bill 2 units")
    assert "second line with modifier GD" in first


def test_json_carries_the_same_answer(
    capsys: pytest.CaptureFixture[str], sample_tables_db: Path, tmp_path: Path
) -> None:
    profile = action_profile(tmp_path, "document")
    text = ask(capsys, sample_tables_db, *QUESTION, profile=profile).splitlines()[0]
    answer = json.loads(ask(capsys, sample_tables_db, *QUESTION, "--json", profile=profile))
    assert answer["answer"] == text
    assert answer["warnings"] == []
    [mue] = [s for s in answer["sections"] if s["title"].startswith("Medically Unlikely")]
    assert mue["data"]["stale_table"] is None
    assert str(mue["data"]["mue"]["value"]) == "2"  # units may be a decimal string


def test_a_date_past_the_newest_quarter_is_answered_with_a_warning(
    capsys: pytest.CaptureFixture[str], sample_tables_db: Path
) -> None:
    late = ["explain", "99602", "--program", "medicaid", "--date", "2027-06-15"]
    lines = ask(capsys, sample_tables_db, *late, "--minutes", "330").splitlines()
    assert lines[0].startswith(WORKED)
    assert lines[1] == (
        "Warning: 2027-06-15 is after the quarter of the newest Medicaid practitioner MUE table "
        "imported, MCD-MUE-PractitionerServices-Effective_01012026.txt effective 2026-01-01 "
        "(2026 Q1); this answer uses that table: import the CMS MUE file for 2027 Q2 "
        "(scrubber tables import FILE)."
    )
    answer = json.loads(ask(capsys, sample_tables_db, *late, "--json"))
    assert answer["warnings"] == [lines[1].removeprefix("Warning: ")]
    [mue] = [s for s in answer["sections"] if s["title"].startswith("Medically Unlikely")]
    assert mue["data"]["stale_table"] == answer["warnings"][0]


def test_a_date_inside_the_quarter_is_not_stale(
    capsys: pytest.CaptureFixture[str], sample_tables_db: Path
) -> None:
    on_time = ["explain", "99602", "--program", "medicaid", "--date", "2026-03-31", "--json"]
    assert json.loads(ask(capsys, sample_tables_db, *on_time))["warnings"] == []


def test_a_short_infusion_is_answered_as_a_push(
    capsys: pytest.CaptureFixture[str], sample_tables_db: Path
) -> None:
    push = ["explain", "96365", "--program", "medicaid", "--date", "2026-01-15", "--minutes", "10"]
    assert ask(capsys, sample_tables_db, *push).splitlines()[0] == (
        "10 minutes is an IV push, not an infusion (CPT: an infusion of 15 min or less): bill "
        "96374 × 1, not 96365."
    )


def test_units_within_the_mue(capsys: pytest.CaptureFixture[str], sample_tables_db: Path) -> None:
    visit = ["explain", "99601", "--program", "medicaid", "--date", "2026-01-15", "--minutes"]
    assert ask(capsys, sample_tables_db, *visit, "330").splitlines()[0] == (
        "330 minutes = 99601 × 1 + 99602 × 3; the Medicaid MUE for 99601 is 4 on one line, so "
        "the 1 unit of 99601 is within it."
    )


@pytest.mark.parametrize(
    ("action", "tail"),
    [
        ("cap", "bill 2 units; the 3 units over the MUE are taken off the claim as not payable."),
        ("flag", "the line goes as billed and the 3 units over the MUE are flagged for review."),
    ],
)
def test_cap_and_flag_say_what_happens_to_the_excess(
    capsys: pytest.CaptureFixture[str], sample_tables_db: Path, tmp_path: Path, action, tail
) -> None:
    question = [*QUESTION[:-1], "450"]  # 7 h 30 min = 99601 x 1 + 99602 x 5
    out = ask(capsys, sample_tables_db, *question, profile=action_profile(tmp_path, action))
    assert out.splitlines()[0] == (
        "450 minutes = 99601 × 1 + 99602 × 5; the Medicaid MUE for 99602 is 2 on one line, so "
        f"3 units are over: under this payer's action ({action}), {tail}"
    )
