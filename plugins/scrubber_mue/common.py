"""The typed ``[mue]`` settings of the payer a claim resolved to, shared by every MUE edit."""

from __future__ import annotations

from scrubber.edits import EditContext
from scrubber_mue.settings import MueSettings

__all__ = ["settings_of"]


def settings_of(ctx: EditContext) -> MueSettings:
    """Built once per claim and phase (the engine's memo), read by each edit."""
    return ctx.memo("scrubber_mue.settings", lambda: MueSettings.from_mapping(ctx.settings("mue")))
