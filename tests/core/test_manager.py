"""The hook manager calls implementations through pluggy, and still names a misbehaving plugin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pluggy import HookimplMarker

from scrubber import PluginError, hookimpl
from scrubber._edits import Edit, edit
from scrubber._hookspecs import PROJECT
from scrubber._manager import collect_edits, make_plugin_manager

wrapper_impl = HookimplMarker(PROJECT)


@edit("WRAP001", summary="a plain edit", citation="test rule")
def plain(claim, ctx):  # type: ignore[no-untyped-def]
    return ()


@edit("WRAP002", summary="added by a wrapper", citation="test rule")
def added(claim, ctx):  # type: ignore[no-untyped-def]
    return ()


class Wrapped:
    """A plugin whose wrapper adds an edit to its own implementation's result: only a call
    through pluggy runs the wrapper."""

    @wrapper_impl(wrapper=True, specname="scrubber_edits")
    def wrap(self) -> Iterator[None]:
        result = yield
        return [*result, [added]]

    @hookimpl
    def scrubber_edits(self) -> list[Edit]:
        return [plain]


class BadPlugin:
    @hookimpl
    def scrubber_edits(self) -> list[object]:
        return ["not an edit"]


def test_hooks_are_called_through_pluggy_so_wrappers_run() -> None:
    pm = make_plugin_manager(entrypoints=False, blocked=_builtins(), extra=[Wrapped()])
    codes = [e.code for e in collect_edits(pm)]
    assert codes == ["WRAP001", "WRAP002"]
    assert {e.plugin for e in collect_edits(pm)} == {"Wrapped"}


def test_a_bad_return_value_names_its_plugin() -> None:
    pm = make_plugin_manager(entrypoints=False, blocked=_builtins(), extra=[BadPlugin()])
    with pytest.raises(PluginError, match="plugin BadPlugin returned str from scrubber_edits"):
        collect_edits(pm)


def _builtins() -> tuple[str, ...]:
    from scrubber._manager import DEFAULT_PLUGINS

    return DEFAULT_PLUGINS
