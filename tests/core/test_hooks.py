"""Plugin wiring: every hook is exercised (test_hook_<name>), entry points load, blocks hold."""

from __future__ import annotations

import pytest

from scrubber import hookimpl
from scrubber._api import Plugins
from scrubber._edits import Edit, edit
from scrubber._engine import scrub
from scrubber._errors import PluginError
from scrubber._explain import Explainer, ExplainSection
from scrubber._formats import Format
from scrubber._manager import (
    DEFAULT_PLUGINS,
    collect_edits,
    collect_explainers,
    collect_formats,
    collect_importers,
    collect_settings,
    make_plugin_manager,
    plugin_infos,
)
from scrubber._profiles import SettingsSection, load_profile
from scrubber._tables import MemoryTables, TableImporter
from scrubber.testing import make_claim, make_line


@edit("BOOM001", summary="always raises", citation="test rule")
def always_raises(claim, ctx):
    raise RuntimeError("boom")


@edit("TST100", summary="flags everything", citation="test rule")
def flags(claim, ctx):
    yield ctx.finding(None, "flagged")


class EditsPlugin:
    @hookimpl
    def scrubber_edits(self) -> list[Edit]:
        return [always_raises, flags]


def test_hook_scrubber_edits() -> None:
    edits = collect_edits(make_plugin_manager(entrypoints=False, extra=[EditsPlugin()]))
    codes = [e.code for e in edits]
    assert "BOOM001" in codes and "TST100" in codes and codes == sorted(codes)


def test_crashing_edit_is_isolated_through_the_manager() -> None:
    edits = [
        e
        for e in collect_edits(make_plugin_manager(entrypoints=False, extra=[EditsPlugin()]))
        if e.code in {"BOOM001", "TST100"}
    ]
    [result] = scrub(
        [make_claim(lines=[make_line()])],
        edits=edits,
        tables=MemoryTables(),
        profile=load_profile(None, []),
    )
    assert [f.code for f in result.failures] == ["BOOM001"]
    assert [f.code for f in result.findings] == ["TST100"]


def test_duplicate_edit_codes_are_refused() -> None:
    class Again:
        @hookimpl
        def scrubber_edits(self) -> list[Edit]:
            return [flags]

    with pytest.raises(PluginError, match="TST100"):
        collect_edits(make_plugin_manager(entrypoints=False, extra=[EditsPlugin(), Again()]))


def test_wrong_return_type_names_the_plugin() -> None:
    class Bad:
        @hookimpl
        def scrubber_edits(self) -> list[str]:
            return ["not an edit"]

    with pytest.raises(PluginError, match="expected Edit"):
        collect_edits(make_plugin_manager(entrypoints=False, extra=[Bad()]))


def test_misspelled_hook_fails_at_load() -> None:
    class Typo:
        @hookimpl
        def scrubber_edit(self) -> list[Edit]:
            return []

    with pytest.raises(PluginError):
        make_plugin_manager(entrypoints=False, extra=[Typo()])


def test_hook_scrubber_formats() -> None:
    fmt = Format(
        name="nothing",
        description="test",
        sniff=lambda head: False,
        read=lambda chunks, options: iter(()),
        write=lambda pairs, options: iter(()),
    )

    class Formats:
        @hookimpl
        def scrubber_formats(self) -> list[Format]:
            return [fmt]

    formats = collect_formats(make_plugin_manager(entrypoints=False, extra=[Formats()]))
    assert fmt in formats


def test_hook_scrubber_table_importers() -> None:
    importer = TableImporter(
        name="t",
        kind="test",
        recognizes=lambda name, head: False,
        parse=lambda name, data, hints: (),
    )

    class Importers:
        @hookimpl
        def scrubber_table_importers(self) -> list[TableImporter]:
            return [importer]

    assert importer in collect_importers(
        make_plugin_manager(entrypoints=False, extra=[Importers()])
    )


def test_hook_scrubber_profile_defaults() -> None:
    section = SettingsSection(name="acme", defaults={"limit": 3})

    class Defaults:
        @hookimpl
        def scrubber_profile_defaults(self) -> list[SettingsSection]:
            return [section]

    sections = collect_settings(make_plugin_manager(entrypoints=False, extra=[Defaults()]))
    assert section in sections
    profile = load_profile("[defaults.acme]\nlimit = 5\n", sections)
    assert profile.default.settings("acme")["limit"] == 5


def test_hook_scrubber_explainers() -> None:
    explainer = Explainer(name="t", explain=lambda request: ExplainSection(title="T", text=("x",)))

    class Explainers:
        @hookimpl
        def scrubber_explainers(self) -> list[Explainer]:
            return [explainer]

    assert explainer in collect_explainers(
        make_plugin_manager(entrypoints=False, extra=[Explainers()])
    )


def test_builtins_are_registered_like_third_party_plugins() -> None:
    pm = make_plugin_manager(entrypoints=False)
    names = {info.name for info in plugin_infos(pm)}
    assert set(DEFAULT_PLUGINS) <= names
    assert all(info.version != "unknown" for info in plugin_infos(pm))


def test_blocked_builtin_is_not_loaded() -> None:
    pm = make_plugin_manager(entrypoints=False, blocked=["scrubber_mue"])
    assert "scrubber_mue" not in {info.name for info in plugin_infos(pm)}
    assert not any(e.plugin == "scrubber_mue" for e in collect_edits(pm))


def test_plugins_load_collects_everything_once() -> None:
    plugins = Plugins.load(make_plugin_manager(entrypoints=False, extra=[EditsPlugin()]))
    assert {"BOOM001", "TST100"} <= {e.code for e in plugins.edits}
