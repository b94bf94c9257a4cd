"""Hook specifications. Each hook has a docs/plugin-hooks.md section and a test_hook_<name>.

Hooks *register* things; the engine runs them. A hook called once per claim would let one
raising implementation silence every other plugin (pluggy#419) and would lose per-edit
attribution, so every hook here is called once at start-up and returns records.
Implementations may take fewer arguments than the spec; arguments with defaults in an
implementation are never passed by pluggy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # hookspecs import records, never the reverse
    from scrubber._edits import Edit
    from scrubber._explain import Explainer
    from scrubber._formats import Format
    from scrubber._profiles import SettingsSection
    from scrubber._tables import TableImporter

PROJECT = "claim_scrubber"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def scrubber_edits() -> Iterable[Edit]:
    """Return the edits this plugin provides. Called once at start-up, never per claim.

    .. versionadded:: 0.1
    """


@hookspec
def scrubber_formats() -> Iterable[Format]:
    """Return the claim formats (sniffer, streaming reader, writer) this plugin provides.

    .. versionadded:: 0.1
    """


@hookspec
def scrubber_table_importers() -> Iterable[TableImporter]:
    """Return importers that recognise and parse published reference files into tables.

    .. versionadded:: 0.1
    """


@hookspec
def scrubber_profile_defaults() -> Iterable[SettingsSection]:
    """Return this plugin's payer-profile sections with their defaults and help.

    .. versionadded:: 0.1
    """


@hookspec
def scrubber_explainers() -> Iterable[Explainer]:
    """Return explainers that answer ``scrubber explain CODE`` in plain words.

    .. versionadded:: 0.1
    """
