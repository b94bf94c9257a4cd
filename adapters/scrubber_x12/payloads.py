"""What the X12 reader hands the writer inside each piece.

``Verbatim`` pieces carry a ``SegmentRun`` (bytes written back as they are) or a
``TransactionTrailer`` (the SE segment, whose count the writer corrects when claims it rewrote
gained or lost segments). A ``ClaimPiece`` carries a ``ClaimBlock``: the segments of one loop
2300, split into the claim-level part and one tuple per loop 2400, so the writer can copy a
line's whole loop (with its 2410/2420 sub-loops) when it renders a fixed claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

from scrubber_x12.tokenizer import Delimiters, Segment

__all__ = ["ClaimBlock", "SegmentRun", "TransactionTrailer"]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class SegmentRun:
    """Segments that are not a claim (envelopes, BHT, 1000A/B, HL loops ...), as read."""

    raw: bytes


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionTrailer:
    """The SE segment of a transaction set; SE01 counts ST through SE (X12 element 96)."""

    segment: Segment
    count: int


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimBlock:
    """One loop 2300: ``header`` is CLM up to the first LX (2300 segments and the 2310,
    2320 and 2330 loops), ``lines`` one tuple per loop 2400 (LX through its sub-loops)."""

    header: tuple[Segment, ...]
    lines: tuple[tuple[Segment, ...], ...]
    delimiters: Delimiters

    @property
    def raw(self) -> bytes:
        return b"".join([s.raw for s in self.header] + [s.raw for line in self.lines for s in line])

    @property
    def segment_count(self) -> int:
        return len(self.header) + sum(len(line) for line in self.lines)
