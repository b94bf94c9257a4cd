"""The third-party example plugin installs through the entry-point group and its edit fires."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from scrubber._api import Plugins
from scrubber._engine import scrub_claim
from scrubber._manager import make_plugin_manager
from scrubber._tables import MemoryTables
from scrubber.testing import make_claim, make_line

EXAMPLE = Path(__file__).resolve().parents[1] / "samples" / "scrubber-example-plugin"
SCRUBBER = Path(sys.executable).parent / "scrubber"


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "-q", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def example_installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Install the sample plugin into this environment for these tests, then remove it.

    It is built from a copy, so the build leaves no ``build/`` or ``*.egg-info`` in samples/.
    """
    try:
        metadata.version("scrubber-example")
        preinstalled = True
    except metadata.PackageNotFoundError:
        preinstalled = False
        copy = tmp_path_factory.mktemp("example-plugin") / EXAMPLE.name
        shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("build", "*.egg-info"))
        _pip("install", "--no-deps", "--no-build-isolation", str(copy))
    yield
    if not preinstalled:
        _pip("uninstall", "-y", "scrubber-example")


def test_installing_it_leaves_no_build_output_in_samples(example_installed: None) -> None:
    left = [p.name for p in EXAMPLE.iterdir() if p.name == "build" or p.name.endswith(".egg-info")]
    assert left == []


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRUBBER), *args], capture_output=True, text=True, env={**os.environ, **env}
    )


def test_scrubber_plugins_lists_the_installed_plugin(example_installed: None) -> None:
    out = _cli("plugins").stdout
    [row] = [line for line in out.splitlines() if line.startswith("example ")]
    assert row.split()[1] == "1.0.0" and "scrubber_edits" in row
    assert "EXA001" in _cli("edits").stdout


def test_blocked_or_not_autoloaded_plugin_is_absent(example_installed: None) -> None:
    assert "example " not in _cli("plugins", SCRUBBER_BLOCK_PLUGINS="example").stdout
    assert "example " not in _cli("plugins", SCRUBBER_DISABLE_PLUGIN_AUTOLOAD="1").stdout


def test_its_edit_fires_on_a_claim(example_installed: None) -> None:
    plugins = Plugins.load(make_plugin_manager())
    claim = make_claim(lines=[make_line(code="20610", modifiers=("25",))])
    result = scrub_claim(
        claim, edits=plugins.edits, tables=MemoryTables(), profile=plugins.profile()
    )
    [finding] = [f for f in result.findings if f.code == "EXA001"]
    assert finding.line == 1 and "no E/M line" in finding.message
    with_em = make_claim(
        lines=[make_line(code="99213"), make_line(code="20610", modifiers=("25",))]
    )
    again = scrub_claim(
        with_em, edits=plugins.edits, tables=MemoryTables(), profile=plugins.profile()
    )
    assert not [f for f in again.findings if f.code == "EXA001"]
