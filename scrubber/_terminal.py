"""What ``scrubber scrub`` prints on stderr: one line per finding, the summary, a progress bar.

Findings are listed the way a linter lists problems, one per line, so they can be grepped,
sorted and jumped to::

    claims.837:MUE-0001:3  MUE001  error    Line 3: 97110 billed 5 units ...

``FILE:CLAIM:LINE`` names the input file, the claim id and the *input* line (the line as the
biller submitted it; ``-`` for a finding about the whole claim). Rendering is rich's: colour
only when stderr is a terminal, none under ``NO_COLOR`` (https://no-color.org), and a progress
bar on stderr that stays silent when stderr is not a terminal. Part of the CLI: nothing in the
core imports this module.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

__all__ = [
    "FindingListing",
    "Row",
    "ScrubProgress",
    "listing_rows",
    "render_row",
    "stderr_console",
    "validation_rows",
]

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_SPACE = re.compile(r"\s+")


def stderr_console(file: IO[str] | None = None) -> Console:
    """A console on stderr: colour only on a terminal, and never under ``NO_COLOR``;
    no wrapping, so each finding stays on one line whatever the width."""
    return Console(file=file or sys.stderr, soft_wrap=True, highlight=False, emoji=False)


def _one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


Row = tuple[str, str, str, str]  # where, code, severity, message


def listing_rows(
    entry: Mapping[str, Any], input_name: str, plugin_of: Mapping[str, str] | None = None
) -> Iterator[Row]:
    """One row per finding (and per edit failure) of a claim's report entry; an edit
    failure names the edit's plugin (*plugin_of*: code -> plugin) and how to block it."""
    for finding in entry.get("findings", ()):
        line = finding.get("line")
        where = f"{input_name}:{entry['claim_id']}:{'-' if line is None else line}"
        yield where, finding["code"], finding["severity"], finding["message"]
    for failure in entry.get("failures", ()):
        where = f"{input_name}:{entry['claim_id']}:-"
        message = f"edit raised {failure['exc_type']}: {failure['message']}"
        plugin = (plugin_of or {}).get(failure["code"])
        if plugin:
            message += f" (plugin {plugin}; to run without it, set SCRUBBER_BLOCK_PLUGINS={plugin})"
        yield where, failure["code"], "error", message


def validation_rows(issues: Iterable[Mapping[str, Any]]) -> Iterator[Row]:
    """One row per implementation-guide issue of ``--validate``."""
    for issue in issues:
        parts = (issue.get("input"), issue.get("claim_id"), issue.get("locator"))
        where = ":".join(str(p) for p in parts if p) or "-"
        yield where, "VALIDATE", issue["severity"], issue["message"]


def render_row(row: Row) -> Text:
    """``FILE:CLAIM:LINE  CODE  severity  message`` on one line, styled."""
    where, code, severity, message = row
    text = Text()
    text.append(where, style="bold")
    text.append("  ")
    text.append(code, style="magenta")
    text.append("  ")
    text.append(f"{severity:7}", style=SEVERITY_STYLE.get(severity, ""))
    text.append("  ")
    text.append(_one_line(message))
    return text


class FindingListing:
    """Collects the listing while claims are scrubbed (spooled to a temporary file, so a
    million findings are not held in memory) and prints it once the run has succeeded."""

    def __init__(self, spool: IO[str]) -> None:
        self._spool = spool
        self.count = 0

    def add(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self._spool.write(json.dumps(row, ensure_ascii=False) + "\n")
            self.count += 1

    def print(self, console: Console) -> None:
        self._spool.seek(0)
        for text in self._spool:
            where, code, severity, message = json.loads(text)
            console.print(render_row((where, code, severity, message)))


class ScrubProgress:
    """A progress bar over the input bytes with a claim count, on stderr, only on a terminal.

    Use as a context manager; ``track(chunks, total)`` advances the bar as each chunk of an
    input is read, ``claims`` is shown beside it.
    """

    def __init__(self, console: Console) -> None:
        self.enabled = console.is_terminal
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[claims]:,} claims"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=not self.enabled,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> ScrubProgress:
        self._progress.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.__exit__(exc_type, exc, tb)

    def track(
        self, chunks: Iterable[bytes], *, name: str, total: int | None, claims: Any
    ) -> Iterator[bytes]:
        """Yield *chunks*, advancing the bar by their size; *claims* () -> int counts."""
        if self._task is not None:
            self._progress.remove_task(self._task)
        task = self._progress.add_task(name, total=total, claims=0)
        self._task = task
        for chunk in chunks:
            yield chunk
            self._progress.update(task, advance=len(chunk), claims=claims())
