"""Regenerate docs/report-html.png and docs/terminal-listing.png from the bundled samples.

    .venv/bin/python docs/make_screenshots.py

Needs Debian's ``chromium`` (headless, no network). The HTML page is the one ``scrubber scrub
--html`` writes; the terminal picture is the listing ``scrubber scrub`` prints on a terminal,
rendered by the same code (``scrubber._terminal``) into SVG and photographed by the browser.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.text import Text

import scrubber._cli as cli
from scrubber._report import summary_text
from scrubber._terminal import listing_rows, render_row

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ["samples/x12/medicare-mue.837", "samples/x12/home-infusion-medicaid.837"]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _shoot(page: Path, png: Path, size: str, profile: Path) -> None:
    browser = shutil.which("chromium") or sys.exit("chromium is not installed")
    subprocess.run(
        [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={size}",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )


def main() -> None:
    os.chdir(ROOT)  # the page names the inputs as a user would type them, relative
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "tables.db"
        tables = sorted((ROOT / "samples/tables").glob("*.csv")) + sorted(
            (ROOT / "samples/tables").glob("*.txt")
        )
        cli.main(["tables", "import", *map(str, tables), "--tables", str(db)])
        report, html = work / "report.json", work / "report.html"
        cli.main(
            [
                "scrub",
                *SAMPLES,
                "--check",
                "--tables",
                str(db),
                "--report",
                str(report),
                "--html",
                str(html),
                "--as-of",
                "2026-11-27",
                "-q",
            ]
        )
        _shoot(html, ROOT / "docs" / "report-html.png", "1200,1500", work / "p1")

        data = json.loads(report.read_text(encoding="utf-8"))
        console = Console(record=True, width=140, force_terminal=True, file=io.StringIO())
        console.print(
            Text(
                f"$ scrubber scrub {' '.join(SAMPLES)} --out-dir out --report report.json",
                style="bold",
            )
        )
        for entry in data["claims"]:
            name = next(s for s in SAMPLES if s.endswith(Path(entry["input"]).name))
            for row in listing_rows(entry, name):
                console.print(render_row(row), no_wrap=True, overflow="ellipsis")
        console.print(Text(summary_text({**data["summary"], "mode": "fix"})))
        svg = work / "terminal.svg"
        svg.write_text(console.export_svg(title="scrubber scrub"), encoding="utf-8")
        _shoot(svg, ROOT / "docs" / "terminal-listing.png", "1400,520", work / "p2")


if __name__ == "__main__":
    main()
