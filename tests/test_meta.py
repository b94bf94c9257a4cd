"""Project-wide rules, as datasette checks its own: every hook documented and tested, every
edit coded, cited and explained."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from scrubber import hookspecs
from scrubber.edits import CODE_PATTERN
from scrubber.manager import collect_edits, make_plugin_manager

ROOT = Path(__file__).resolve().parents[1]
HOOKS = sorted(
    name
    for name, func in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("scrubber_")
)


def test_there_are_hooks() -> None:
    assert "scrubber_edits" in HOOKS and len(HOOKS) == 5


def test_every_hook_is_documented_with_its_signature() -> None:
    docs = (ROOT / "docs" / "plugin-hooks.md").read_text(encoding="utf-8")
    for name in HOOKS:
        params = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"## {name}({params})" in docs, name


def test_every_hook_has_a_test() -> None:
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    for name in HOOKS:
        assert re.search(rf"def test_hook_{name}\b", tests), name


def test_builtin_edits_are_coded_cited_and_explained() -> None:
    edits = collect_edits(make_plugin_manager(entrypoints=False))
    assert edits, "the built-in plugins register edits"
    codes = [e.code for e in edits]
    assert len(codes) == len(set(codes))
    for item in edits:
        assert CODE_PATTERN.match(item.code), item.code
        assert item.citation.strip(), item.code
        assert item.doc.strip(), f"{item.code} needs a docstring saying why"
        assert item.summary.strip(), item.code
