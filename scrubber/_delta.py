"""What the fixes changed on one line: the single delta every writer renders.

A writer copies each output line from the input line it descends from (``origin``) and
rewrites only what changed. Which fields the fix algebra can change is decided here, once,
so two writers can never disagree about what a fix touched (they used to keep their own
field lists): the code (with its code system), the modifiers, the units with their basis, the
charge, the line control number, the note, and the attachments a fix added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import final

from scrubber._fixes import added_attachments
from scrubber._models import Attachment, ServiceLine, _maker

__all__ = ["LineDelta", "line_delta"]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class LineDelta:
    """Which parts of a line a writer must rewrite; ``attachments`` are the added ones."""

    code: bool
    modifiers: bool
    units: bool  # the quantity or its basis (SV103/SV104, FHIR quantity)
    charge: bool
    control_number: bool
    note: bool
    attachments: tuple[Attachment, ...]

    @property
    def changed(self) -> bool:
        return (
            self.code
            or self.modifiers
            or self.units
            or self.charge
            or self.control_number
            or self.note
            or bool(self.attachments)
        )


_MAKE_DELTA: Callable[[bool, bool, bool, bool, bool, bool, tuple[Attachment, ...]], LineDelta] = (
    _maker(LineDelta)
)


def line_delta(line: ServiceLine, origin: ServiceLine) -> LineDelta:
    """How output *line* differs from the input line *origin* it descends from.

    Made without the checks of the frozen constructor (``_maker``: a writer asks once per
    output line of every fixed claim, and the seven stores of a frozen ``__init__`` were
    most of the cost)."""
    return _MAKE_DELTA(
        line.code != origin.code or line.code_system != origin.code_system,
        line.modifiers != origin.modifiers,
        line.units != origin.units or line.unit_basis != origin.unit_basis,
        line.charge != origin.charge,
        line.control_number != origin.control_number,
        line.note != origin.note,
        added_attachments(origin.attachments, line.attachments),
    )
