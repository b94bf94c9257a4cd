"""The typed ``[mue]`` settings of the payer a claim resolved to, shared by every MUE edit."""

from __future__ import annotations

from scrubber import EditContext
from scrubber_mue.settings import MueSettings

__all__ = ["settings_of"]


_TYPED: dict[int, tuple[object, MueSettings]] = {}


def settings_of(ctx: EditContext) -> MueSettings:
    """The payer's ``[mue]`` section, typed once per section and read by each edit (a
    profile's sections live as long as the profile; the cache holds the section, so its id
    is never reused while cached)."""
    values = ctx.settings("mue")
    cached = _TYPED.get(id(values))
    if cached is None or cached[0] is not values:
        if len(_TYPED) >= 256:
            _TYPED.clear()
        cached = _TYPED[id(values)] = (values, MueSettings.from_mapping(values))
    return cached[1]
