"""The plugin's wiring: its hooks through a fresh plugin manager, as the CLI loads it."""

from __future__ import annotations

from scrubber._findings import Phase
from scrubber._manager import (
    collect_edits,
    collect_explainers,
    collect_settings,
    make_plugin_manager,
    plugin_infos,
)

OTHERS = ("scrubber_mue", "scrubber_x12", "scrubber_fhir")  # built by other helpers


def manager():
    return make_plugin_manager(entrypoints=False, blocked=OTHERS)


def test_hook_scrubber_edits_registers_the_infusion_edits() -> None:
    edits = collect_edits(manager())
    assert [e.code for e in edits] == [f"INF{n:03d}" for n in range(1, 12)]
    for item in edits:
        assert item.phase is Phase.NORMALIZE
        assert item.plugin == "scrubber_infusion"
        assert item.doc, f"{item.code} needs a docstring that says why"
        assert item.citation


def test_hook_scrubber_profile_defaults_registers_the_section() -> None:
    [section] = collect_settings(manager())
    assert section.name == "infusion"


def test_hook_scrubber_explainers_registers_the_explainer() -> None:
    [explainer] = collect_explainers(manager())
    assert explainer.name == "infusion"


def test_plugin_is_listed_with_its_hooks() -> None:
    [info] = [i for i in plugin_infos(manager()) if i.name == "scrubber_infusion"]
    assert info.hooks == ("scrubber_edits", "scrubber_explainers", "scrubber_profile_defaults")


def test_package_docstring_says_what_the_plugin_does() -> None:
    import scrubber_infusion

    assert "99601/99602" in (scrubber_infusion.__doc__ or "")
