"""The CLI's listing commands and polish: --version, help texts, --json, broken plugins,
``edits`` severities, ``tables show`` answers, ZIPs recognised by their members."""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import scrubber._cli as cli
from scrubber._cli_parser import cli_parser

ROOT = Path(__file__).resolve().parents[2]
TABLES = ROOT / "samples" / "tables"


@pytest.fixture(autouse=True)
def _only_builtins_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCRUBBER_BLOCK_PLUGINS", raising=False)
    monkeypatch.delenv("SCRUBBER_DISABLE_PLUGIN_AUTOLOAD", raising=False)


def _fake_distribution(root: Path, name: str, module: str, source: str) -> None:
    """An installed distribution with one ``claim_scrubber`` entry point (on sys.path)."""
    info = root / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[claim_scrubber]\n{name} = {module}\n")
    (root / f"{module}.py").write_text(source)


@pytest.fixture
def broken_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Two broken third-party plugins: one fails to import, one misspells a hook."""
    site = tmp_path / "site"
    _fake_distribution(site, "crashy", "crashy_plugin", "raise ImportError('no module acme')\n")
    _fake_distribution(
        site,
        "typo",
        "typo_plugin",
        "from scrubber import hookimpl\n\n@hookimpl\ndef scrubber_editz():\n    return []\n",
    )
    monkeypatch.syspath_prepend(str(site))
    yield
    for module in ("crashy_plugin", "typo_plugin"):
        sys.modules.pop(module, None)


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("claim-scrubber ")


def _parsers(parser: argparse.ArgumentParser, path: str = "scrubber"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


def test_every_option_and_command_has_help() -> None:
    missing = [
        f"{path} {action.option_strings or action.dest}"
        for path, parser in _parsers(cli_parser())
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction) and not action.help
    ]
    assert missing == []
    commands = [
        f"{path} {choice.dest}"
        for path, parser in _parsers(cli_parser())
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for choice in action._choices_actions
        if not choice.help
    ]
    assert commands == []


def test_plugins_lists_what_loaded_and_names_the_broken(broken_plugins, capsys) -> None:
    assert cli.main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "scrubber_mue" in out and "scrubber_x12" in out
    crashy = [line for line in out.splitlines() if line.startswith("crashy ")]
    assert crashy and "BROKEN" in crashy[0] and "no module acme" in crashy[0]
    assert "SCRUBBER_BLOCK_PLUGINS=crashy" in out
    assert "SCRUBBER_BLOCK_PLUGINS=typo" in out and "scrubber_editz" in out

    assert cli.main(["plugins", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {p["name"] for p in data["plugins"]} >= {"scrubber_mue", "scrubber_fhir"}
    assert {b["name"]: b["block"] for b in data["broken"]} == {
        "crashy": "SCRUBBER_BLOCK_PLUGINS=crashy",
        "typo": "SCRUBBER_BLOCK_PLUGINS=typo",
    }


def test_other_commands_name_the_broken_plugin_and_how_to_block_it(
    broken_plugins, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    assert cli.main(["edits"]) == 3
    [line] = capsys.readouterr().err.splitlines()
    assert "plugin crashy" in line and "SCRUBBER_BLOCK_PLUGINS=crashy" in line
    monkeypatch.setenv("SCRUBBER_BLOCK_PLUGINS", "crashy,typo")
    assert cli.main(["edits"]) == 0


def test_tables_commands_need_no_plugin(broken_plugins, tmp_path: Path, capsys) -> None:
    db = tmp_path / "t.db"
    db_args = ["--tables", str(db)]
    assert cli.main(["tables", "list", *db_args]) == 2  # no store yet: that error, no plugin's
    assert "plugin" not in capsys.readouterr().err


def test_edits_shows_severities_as_reported_and_the_core_codes(capsys) -> None:
    assert cli.main(["edits"]) == 0
    out = capsys.readouterr().out.splitlines()
    [mue002] = [line for line in out if line.startswith("MUE002")]
    assert "error; warning when fixed" in mue002
    assert any(line.startswith("SCR001") and "warning" in line for line in out)
    assert any(line.startswith("SCR002") and "error" in line for line in out)
    assert cli.main(["edits", "--json"]) == 0
    rows = {r["code"]: r for r in json.loads(capsys.readouterr().out)["edits"]}
    assert rows["MUE002"]["severity"] == "error"
    assert rows["MUE002"]["severity_when_fixed"] == "warning"
    assert rows["SCR002"]["plugin"] == "scrubber" and rows["INF001"]["phase"] == "normalize"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "tables.db"
    files = [str(p) for p in sorted(TABLES.glob("*.csv")) + sorted(TABLES.glob("*.txt"))]
    assert cli.main(["tables", "import", *files, "--tables", str(db)]) == 0
    return db


def test_tables_list_json(store: Path, capsys) -> None:
    capsys.readouterr()
    assert cli.main(["tables", "list", "--tables", str(store), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {t["table"] for t in data["tables"]} >= {"mue/medicare/practitioner"}
    assert all(len(t["sha256"]) == 64 and t["rows"] > 0 for t in data["tables"])


def test_tables_show_tells_no_table_from_no_row(store: Path, capsys) -> None:
    capsys.readouterr()
    db = ["--tables", str(store)]
    assert cli.main(["tables", "show", "99602", "--date", "2026-01-15", *db]) == 0
    out = capsys.readouterr().out
    [medicaid] = [line for line in out.splitlines() if line.startswith("mue/medicaid/")]
    assert "value=2" in medicaid and "effective 2026-01-01" in medicaid

    assert cli.main(["tables", "show", "ZZZZZ", "--date", "2026-01-15", *db]) == 0
    assert "no row in the table in force (effective 2026-01-01" in capsys.readouterr().out

    assert cli.main(["tables", "show", "99602", "--date", "2020-01-01", *db, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {a["status"] for a in data["tables"]} == {"no_table"}
    assert all("effective" in a["why"] for a in data["tables"])


def test_a_zip_not_named_mue_is_recognised_by_its_members(tmp_path: Path, capsys) -> None:
    member = TABLES / "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv"
    archive = tmp_path / "download (3).zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.write(member, member.name)
    db = tmp_path / "t.db"
    assert cli.main(["tables", "import", str(archive), "--tables", str(db)]) == 0
    assert "mue/medicare/practitioner effective 2026-01-01" in capsys.readouterr().out

    junk = tmp_path / "other.zip"
    with zipfile.ZipFile(junk, "w") as out:
        out.writestr("readme.txt", "nothing to see")
    assert cli.main(["tables", "import", str(junk), "--tables", str(db)]) == 2
    assert "nor any member" in capsys.readouterr().err
