"""What ``scrubber scrub`` prints on stderr: a linter-style line per finding, then the summary.

Run as a real process so that "is stderr a terminal" is real: through a pipe (no colour, no
progress bar) and through a pseudo-terminal (colour unless NO_COLOR, a progress bar).
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRUBBER = Path(sys.executable).parent / "scrubber"
ROOT = Path(__file__).resolve().parents[1]
SGR = re.compile(r"\x1b\[[0-9;]*m")
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|9[0-7]|38;[0-9;]+)m")
LISTING = re.compile(
    r"^(?P<file>[^:]+):(?P<claim>[^:]+):(?P<line>\d+|-)  (?P<code>[A-Z]+[0-9]{3}|VALIDATE)"
    r"  (?P<severity>error|warning|info) +  ?\S.*$"
)


def _scrub(db: Path, *args: str, tty: bool = False, **env: str) -> tuple[int, str]:
    """Run ``scrubber scrub``; return the exit code and what it wrote on stderr."""
    command = [str(SCRUBBER), "scrub", "--tables", str(db), "--as-of", "2026-11-27", *args]
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environ.update(env, COLUMNS="120")
    if not tty:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, env=environ, timeout=120
        )
        return done.returncode, done.stderr
    main, sub = pty.openpty()
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=sub, env=environ
    ) as proc:
        os.close(sub)
        chunks = []
        while True:
            try:
                data = os.read(main, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout=120)
    os.close(main)
    return code, b"".join(chunks).decode("utf-8", "replace")


def test_each_finding_is_one_line_with_file_claim_input_line_then_the_summary(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    code, err = _scrub(
        sample_tables_db, "samples/x12/medicare-mue.837", "-o", str(tmp_path / "out.837")
    )
    assert code == 1
    lines = err.splitlines()
    listing = [m.groupdict() for m in map(LISTING.match, lines) if m]
    assert [(f["file"], f["claim"], f["line"], f["code"], f["severity"]) for f in listing] == [
        ("samples/x12/medicare-mue.837", "MUE-0001", "1", "MUE002", "warning"),
        ("samples/x12/medicare-mue.837", "MUE-0001", "2", "MUE003", "warning"),
        ("samples/x12/medicare-mue.837", "MUE-0001", "3", "MUE001", "error"),
        ("samples/x12/medicare-mue.837", "MUE-0002", "2", "MUE003", "warning"),
    ]
    assert lines[len(listing)].startswith("claims: 2  lines: 5")  # the summary follows
    assert "findings: 1 error, 3 warning, 0 info" in err
    assert not SGR.search(err), "no escape codes when stderr is not a terminal"


def test_input_line_numbers_are_the_submitted_ones(sample_tables_db: Path) -> None:
    # One 330-minute line is split into three; the findings still name input line 1.
    _code, err = _scrub(sample_tables_db, "samples/x12/home-infusion-medicaid.837", "--check")
    [inf001] = [line for line in err.splitlines() if "  INF001  " in line]
    assert inf001.startswith("samples/x12/home-infusion-medicaid.837:HI-0001:1  INF001  warning")


def test_quiet_prints_the_summary_only(sample_tables_db: Path) -> None:
    _code, err = _scrub(sample_tables_db, "samples/x12/medicare-mue.837", "--check", "-q")
    assert err.splitlines()[0].startswith("claims: 2")
    assert not [line for line in err.splitlines() if LISTING.match(line)]


def test_on_a_terminal_there_is_colour_and_a_progress_bar(sample_tables_db: Path) -> None:
    code, err = _scrub(sample_tables_db, "samples/x12/medicare-mue.837", "--check", tty=True)
    assert code == 1
    assert COLOUR.search(err)
    assert "medicare-mue.837" in err and "kB" in err  # the progress bar (bytes read)
    plain = SGR.sub("", err)
    assert "MUE-0001:3  MUE001  error" in plain


@pytest.mark.parametrize("value", ["1", ""])
def test_no_color_is_respected_on_a_terminal(sample_tables_db: Path, value: str) -> None:
    _code, err = _scrub(
        sample_tables_db, "samples/x12/medicare-mue.837", "--check", tty=True, NO_COLOR=value
    )
    if value:
        assert not COLOUR.search(err)
    assert "MUE-0001:3  MUE001  error" in SGR.sub("", err)


def test_a_message_with_line_breaks_stays_on_one_line() -> None:
    from scrubber._terminal import listing_rows, render_row

    entry = {
        "claim_id": "C1",
        "findings": [{"code": "TST001", "severity": "info", "message": "a\nb\r\n\tc"}],
    }
    [row] = listing_rows(entry, "in.837")
    assert render_row(row).plain == "in.837:C1:-  TST001  info     a b c"


def test_validate_issues_are_listed_with_their_text(
    sample_tables_db: Path, corpus_dir: Path
) -> None:
    sample = corpus_dir / "x12" / "demo.example6.837"
    _code, err = _scrub(sample_tables_db, str(sample), "--check", "--validate")
    issues = [line for line in err.splitlines() if "  VALIDATE  " in line]
    assert issues and all(line.startswith(f"{sample}:segment ") for line in issues)
    assert any("required data element missing" in line for line in issues)
