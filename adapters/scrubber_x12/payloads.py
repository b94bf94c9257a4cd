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
class ClaimBlock:
    """One loop 2300 as read: its bytes, the CLM's segment number and the segment count.

    The writer copies ``raw`` for a claim no fix touched, so the segments are only split out
    (``header``: CLM up to the first LX, i.e. the 2300 segments and the 2310, 2320 and 2330
    loops; ``lines``: one tuple per loop 2400, LX through its sub-loops) when a fixed claim is
    rendered or a claim cannot be understood, and then once."""

    __slots__ = ("_split", "count", "delimiters", "number", "raw")

    def __init__(self, raw: bytes, number: int, count: int, delimiters: Delimiters) -> None:
        self.raw = raw
        self.number = number
        self.count = count
        self.delimiters = delimiters
        self._split: tuple[tuple[Segment, ...], tuple[tuple[Segment, ...], ...]] | None = None

    def __repr__(self) -> str:
        return f"ClaimBlock(segment {self.number}, {self.count} segments)"

    @property
    def header(self) -> tuple[Segment, ...]:
        return self._segments()[0]

    @property
    def lines(self) -> tuple[tuple[Segment, ...], ...]:
        return self._segments()[1]

    @property
    def segment_count(self) -> int:
        return self.count

    def _segments(self) -> tuple[tuple[Segment, ...], tuple[tuple[Segment, ...], ...]]:
        if self._split is None:
            delimiters = self.delimiters
            terminator = delimiters.terminator
            separator = delimiters.element.encode("latin-1")
            segments = []
            for offset, part in enumerate(self.raw.split(terminator)[:-1]):
                body = part.lstrip(b"\r\n \t")
                tag = body[:4].partition(separator)[0].decode("latin-1")
                raw = part + terminator
                segments.append(
                    Segment(self.number + offset, tag, raw, len(part) - len(body), delimiters)
                )
            starts = [i for i, s in enumerate(segments) if s.tag == "LX"]
            first_lx = starts[0] if starts else len(segments)
            ends = [*starts[1:], len(segments)] if starts else []
            lines = tuple(tuple(segments[a:b]) for a, b in zip(starts, ends, strict=True))
            self._split = (tuple(segments[:first_lx]), lines)
        return self._split
