"""Project-wide rules, as datasette checks its own: every hook documented and tested, every
edit coded, cited and explained."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from scrubber import _hookspecs as hookspecs
from scrubber._edits import CODE_PATTERN
from scrubber._manager import collect_edits, make_plugin_manager

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


PUBLIC_MODULES = {"scrubber", "scrubber.testing"}


def _scrubber_imports(path: Path) -> list[tuple[int, str]]:
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(node.lineno, n) for n in names if n.split(".")[0] == "scrubber"]
    return found


def test_builtins_import_only_the_public_api() -> None:
    """Built-in plugins and adapters are written exactly as a third-party plugin would be:
    whatever they need from the core is exported by ``scrubber`` (or ``scrubber.testing``)."""
    sources = sorted((ROOT / "plugins").rglob("*.py")) + sorted((ROOT / "adapters").rglob("*.py"))
    assert len(sources) > 20
    private = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sources
        for line, module in _scrubber_imports(path)
        if module not in PUBLIC_MODULES
    ]
    assert private == []


def test_core_implementation_modules_are_private() -> None:
    """The public surface is obvious from the file names: every module of the core but the
    package itself, ``testing`` and the ``serve`` package starts with an underscore."""
    package = ROOT / "scrubber"
    public = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if not path.name.startswith("_")
    )
    assert public == ["testing.py"]
