"""The plugin manager factory and typed facades over the hooks.

No global manager and nothing loaded at import time (as pluggy's eggsample and tox do it):
``make_plugin_manager()`` registers the built-ins exactly like third-party plugins, then the
installed entry points of group ``claim_scrubber``, then *extra* plugins (tests, the API).
``pm.hook.X()`` is untyped (pluggy#191), so the rest of the code calls the ``collect_*``
facades, which flatten, type-check and order what the hooks return.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from importlib import metadata
from typing import TypeVar, final

import pluggy

from scrubber import _hookspecs as hookspecs
from scrubber._edits import Edit
from scrubber._errors import PluginError
from scrubber._explain import Explainer
from scrubber._formats import Format
from scrubber._hookspecs import PROJECT
from scrubber._profiles import SettingsSection
from scrubber._tables import TableImporter

__all__ = [
    "BLOCK_HINT",
    "DEFAULT_PLUGINS",
    "BrokenPlugin",
    "PluginInfo",
    "collect_edits",
    "collect_explainers",
    "collect_formats",
    "collect_importers",
    "collect_settings",
    "make_plugin_manager",
    "plugin_infos",
]

DEFAULT_PLUGINS = ("scrubber_mue", "scrubber_infusion", "scrubber_x12", "scrubber_fhir")

T = TypeVar("T")
BLOCK_HINT = "to run without it, set SCRUBBER_BLOCK_PLUGINS={name}"


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class BrokenPlugin:
    """An installed plugin that could not be loaded: its entry-point name and why."""

    name: str
    problem: str

    def error(self) -> PluginError:
        return PluginError(f"plugin {self.name} cannot be loaded: {self.problem}", plugin=self.name)


def make_plugin_manager(
    *,
    entrypoints: bool = True,
    blocked: Iterable[str] = (),
    extra: Iterable[object] = (),
    broken: list[BrokenPlugin] | None = None,
) -> pluggy.PluginManager:
    """Built-ins, then installed plugins (unless *entrypoints* is False), then *extra*.

    *blocked* names plugins (a built-in module name or an entry-point name) never to load.
    An installed plugin that fails to import or implements a hook wrongly (a misspelled hook
    name, an unknown argument) raises a ``PluginError`` naming it; when a *broken* list is
    given, such a plugin is left out and recorded there instead, so ``scrubber plugins`` can
    still list what loaded.
    """
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in blocked:
        pm.set_blocked(name)
    for modname in DEFAULT_PLUGINS:
        if not pm.is_blocked(modname):
            pm.register(importlib.import_module(modname), name=modname)
    found: list[BrokenPlugin] = []
    if entrypoints:
        for entry in sorted({ep.name for ep in metadata.entry_points(group=PROJECT)}):
            if pm.is_blocked(entry):
                continue
            try:  # one entry point at a time, so a broken one is named and the rest load
                pm.load_setuptools_entrypoints(PROJECT, name=entry)
            except Exception as exc:  # whatever its import raised: the plugin's bug, not ours
                pm.set_blocked(entry)
                found.append(BrokenPlugin(name=entry, problem=f"{type(exc).__name__}: {exc}"))
    if found and broken is None:
        raise found[0].error()
    for plugin in extra:
        pm.register(plugin, name=_name_for(pm, plugin))
    while True:
        try:
            pm.check_pending()
            break
        except pluggy.PluginValidationError as exc:
            name = pm.get_name(exc.plugin) or repr(exc.plugin)
            bad = BrokenPlugin(name=name, problem=str(exc))
            if broken is None or name in DEFAULT_PLUGINS:
                raise bad.error() from exc
            pm.unregister(exc.plugin)
            pm.set_blocked(name)
            found.append(bad)
    if broken is not None:
        broken.extend(found)
    return pm


def _flatten(pm: pluggy.PluginManager, hook: str, kind: type[T]) -> list[tuple[str, T]]:
    """Call *hook* through pluggy, one plugin at a time, so a bad return value names its
    plugin. Each call is pluggy's own (argument matching, the plugin's wrappers, its error
    handling), on a hook caller holding just that plugin (``subset_hook_caller``)."""
    out: list[tuple[str, T]] = []
    caller = getattr(pm.hook, hook)
    plugins = pm.get_plugins()
    for impl in caller.get_hookimpls():
        if impl.hookwrapper or impl.wrapper:
            continue  # a wrapper is called around its plugin's own implementation
        name = pm.get_name(impl.plugin) or repr(impl.plugin)
        others = [p for p in plugins if p is not impl.plugin]
        for returned in pm.subset_hook_caller(hook, remove_plugins=others)():
            for item in returned or ():
                if not isinstance(item, kind):
                    raise PluginError(
                        f"plugin {name} returned {type(item).__name__} from {hook}, "
                        f"expected {kind.__name__}",
                        plugin=name,
                    )
                out.append((name, item))
    return out


def collect_edits(pm: pluggy.PluginManager) -> tuple[Edit, ...]:
    """Every edit, sorted by code; two plugins claiming one code is a ``PluginError``."""
    seen: dict[str, str] = {}
    edits: list[Edit] = []
    for plugin, item in _flatten(pm, "scrubber_edits", Edit):
        if item.code in seen:
            raise PluginError(
                f"edit code {item.code} is registered by {seen[item.code]} and {plugin}",
                plugin=plugin,
            )
        seen[item.code] = plugin
        edits.append(item if item.plugin == plugin else _attributed(item, plugin))
    return tuple(sorted(edits, key=lambda e: e.code))


def _attributed(item: Edit, plugin: str) -> Edit:
    return replace(item, plugin=plugin)


def collect_formats(pm: pluggy.PluginManager) -> tuple[Format, ...]:
    """Every format, in registration order (first registered is sniffed first)."""
    seen: set[str] = set()
    formats: list[Format] = []
    for plugin, item in reversed(_flatten(pm, "scrubber_formats", Format)):
        if item.name in seen:
            raise PluginError(f"format {item.name!r} registered twice", plugin=plugin)
        seen.add(item.name)
        formats.append(item)
    return tuple(formats)


def collect_importers(pm: pluggy.PluginManager) -> tuple[TableImporter, ...]:
    return tuple(
        item for _, item in reversed(_flatten(pm, "scrubber_table_importers", TableImporter))
    )


def collect_settings(pm: pluggy.PluginManager) -> tuple[SettingsSection, ...]:
    sections: dict[str, SettingsSection] = {}
    for plugin, item in _flatten(pm, "scrubber_profile_defaults", SettingsSection):
        if item.name in sections:
            raise PluginError(f"profile section [{item.name}] registered twice", plugin=plugin)
        sections[item.name] = item
    return tuple(sections[name] for name in sorted(sections))


def collect_explainers(pm: pluggy.PluginManager) -> tuple[Explainer, ...]:
    items = [item for _, item in _flatten(pm, "scrubber_explainers", Explainer)]
    return tuple(sorted(items, key=lambda e: (e.order, e.name)))


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class PluginInfo:
    name: str
    version: str
    hooks: tuple[str, ...]


def plugin_infos(pm: pluggy.PluginManager) -> tuple[PluginInfo, ...]:
    """Name, distribution version and implemented hooks of every registered plugin."""
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    infos = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        dist = dists.get(id(plugin))
        if dist is not None:
            version = dist.version
        else:
            module = getattr(plugin, "__name__", None) or type(plugin).__module__
            version = _version_of(module)
        hooks = tuple(sorted(h.name for h in pm.get_hookcallers(plugin) or ()))
        infos.append(PluginInfo(name=name, version=version, hooks=hooks))
    return tuple(sorted(infos, key=lambda i: i.name))


def _name_for(pm: pluggy.PluginManager, plugin: object) -> str | None:
    """A readable name for an extra plugin: its module name, or its class name."""
    name = getattr(plugin, "__name__", None) or type(plugin).__name__
    return None if pm.has_plugin(name) else name


def _version_of(module_name: str) -> str:
    """Built-ins ship in the claim-scrubber distribution and share its version."""
    top = module_name.split(".", 1)[0]
    if top == "scrubber" or top in DEFAULT_PLUGINS:
        top_dists = ["claim-scrubber"]
    else:
        top_dists = metadata.packages_distributions().get(top, [])
    for dist_name in top_dists:
        try:
            return metadata.version(dist_name)
        except metadata.PackageNotFoundError:
            continue
    return "unknown"
