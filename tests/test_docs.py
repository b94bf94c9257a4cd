"""The docs run as written: every Python block of README.md and docs/*.md is executed, and the
README's usage block matches the command line's own options.

A document's blocks run in order in one namespace (a later block may use what an earlier one
defined, as a reader following the page would), with the working directory holding the
samples and the table store the README's setup command makes (``out/tables.db``), and the
example plugin importable as the tutorial builds it. A ``test_*`` function a block defines is
called too.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scrubber._cli_parser import cli_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)
EXAMPLE_PLUGIN = ROOT / "samples" / "scrubber-example-plugin"


def _blocks(doc: Path) -> list[str]:
    return BLOCK.findall(doc.read_text(encoding="utf-8"))


WITH_CODE = [doc for doc in DOCS if _blocks(doc)]


def test_the_tutorial_and_the_readme_have_code() -> None:
    names = {doc.name for doc in WITH_CODE}
    assert {"README.md", "writing-a-plugin.md", "plugin-hooks.md", "model.md"} <= names


@pytest.fixture
def docs_workdir(
    tmp_path: Path, sample_tables_db: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    (tmp_path / "samples").symlink_to(ROOT / "samples")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "tables.db").write_bytes(sample_tables_db.read_bytes())
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(EXAMPLE_PLUGIN))
    yield tmp_path
    for name in [
        m for m in sys.modules if m == "scrubber_example" or m.startswith("scrubber_example.")
    ]:
        del sys.modules[name]


def _need_spark(block: str) -> None:
    """A Spark example needs pyspark and Java; without them it skips, saying so, unless
    ``SCRUBBER_REQUIRE_SPARK=1`` (CI) makes that a failure, as for the Spark tests."""
    missing = None
    if importlib.util.find_spec("pyspark") is None:
        missing = "pyspark is not installed"
    elif shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing = "no Java runtime"
    if missing is None:
        return
    if os.environ.get("SCRUBBER_REQUIRE_SPARK") == "1":
        pytest.fail(f"{block}: {missing}; SCRUBBER_REQUIRE_SPARK=1 requires Spark")
    pytest.skip(f"{block} runs on Spark: {missing}")


@pytest.mark.parametrize("doc", WITH_CODE, ids=lambda p: p.name)
def test_python_blocks_run_as_written(doc: Path, docs_workdir: Path) -> None:
    namespace: dict[str, Any] = {"__name__": f"docs.{doc.stem}"}
    for number, code in enumerate(_blocks(doc), 1):
        if "from pyspark" in code:
            _need_spark(f"{doc.name} block {number}")
        try:
            exec(compile(code, f"{doc.name} block {number}", "exec"), namespace)
        except Exception as exc:
            pytest.fail(f"{doc.name} block {number}: {type(exc).__name__}: {exc}")
    for name, value in list(namespace.items()):
        if name.startswith("test_") and callable(value):
            value()


def _usage_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Usage\n\n```\n", 1)[1].split("```", 1)[0]


def _commands(parser: argparse.ArgumentParser, path: str = "") -> Iterator[tuple[str, Any]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                full = f"{path} {name}".strip()
                if any(isinstance(a, argparse._SubParsersAction) for a in sub._actions):
                    yield from _commands(sub, full)
                else:
                    yield full, sub


def _documented() -> dict[str, set[str]]:
    """README usage: command ("tables show") -> the options written for it."""
    entries = re.split(r"(?:^|\s{2,})(?=scrubber )", _usage_block(), flags=re.M)
    documented: dict[str, set[str]] = {}
    for entry in (e.strip() for e in entries if e.strip()):
        words = entry.split()
        command = " ".join(w for w in words[1:3] if re.fullmatch(r"[a-z]+", w))
        options = set(re.findall(r"(?<![\w-])(-{1,2}[a-z][a-z0-9-]*)", entry))
        documented.setdefault(command, set()).update(options)
    return documented


def test_readme_usage_matches_the_command_line() -> None:
    documented = _documented()
    assert {"--version", "--help"} <= documented[""]
    for command, parser in _commands(cli_parser()):
        assert command in documented, f"README usage lacks 'scrubber {command}'"
        written = documented[command]
        actions = [
            a for a in parser._actions if a.option_strings and "--help" not in a.option_strings
        ]
        real = {opt for action in actions for opt in action.option_strings}
        assert written <= real, f"scrubber {command}: README names {sorted(written - real)}"
        missing = [a.option_strings[-1] for a in actions if not written & set(a.option_strings)]
        assert not missing, f"scrubber {command}: --help has {missing}, the README does not"


def test_model_page_names_every_field_of_the_model_and_the_fixes() -> None:
    from dataclasses import fields

    from scrubber import (
        AddNote,
        Attachment,
        Claim,
        RemoveLine,
        RequestAttachment,
        ServiceLine,
        SetModifiers,
        SetUnits,
        SplitLine,
        SplitPart,
    )

    page = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    records = [
        Claim,
        ServiceLine,
        Attachment,
        SetUnits,
        SplitLine,
        SplitPart,
        AddNote,
        RequestAttachment,
        RemoveLine,
        SetModifiers,
    ]
    missing = [
        f"{record.__name__}.{field.name}"
        for record in records
        for field in fields(record)
        if f"`{field.name}" not in page
    ]
    assert missing == []
