"""scrubber-example: a complete third-party claim-scrubber plugin (hookimpls only).

Built step by step in docs/writing-a-plugin.md.
"""

from __future__ import annotations

from collections.abc import Iterable

from scrubber import Edit, hookimpl
from scrubber_example.edits import modifier_25_needs_em_line


@hookimpl
def scrubber_edits() -> Iterable[Edit]:
    return [modifier_25_needs_em_line]
