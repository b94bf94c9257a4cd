"""What the X12 reader hands the writer inside each piece.

``Verbatim`` pieces carry a ``SegmentRun`` (bytes written back as they are) or a
``TransactionTrailer`` (the SE segment, whose count the writer corrects when claims it rewrote
gained or lost segments). A ``ClaimPiece`` carries a ``ClaimBlock``: the segments of one loop
2300, split into the claim-level part and one tuple per loop 2400, so the writer can copy a
line's whole loop (with its 2410/2420 sub-loops) when it renders a fixed claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
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

    __slots__ = ("_loops", "_split", "count", "delimiters", "number", "raw")

    def __init__(self, raw: bytes, number: int, count: int, delimiters: Delimiters) -> None:
        self.raw = raw
        self.number = number
        self.count = count
        self.delimiters = delimiters
        self._split: tuple[tuple[Segment, ...], tuple[tuple[Segment, ...], ...]] | None = None
        self._loops: tuple[bytes, tuple[bytes, ...]] | None = None

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

    def loops(self) -> tuple[bytes, tuple[bytes, ...]]:
        """The bytes of the claim-level part (``header``'s segments) and of each loop 2400
        (``lines``'), each with the whitespace in front of its first segment, without making
        a ``Segment`` of each: a fixed claim's writer copies what no fix touched as bytes,
        and splits only the loops it rewrites."""
        if self._loops is None:
            raw = self.raw
            end = raw.rfind(self.delimiters.terminator) + 1  # the last whole segment's end
            after, first = _loop_start(self.delimiters)
            starts = [m.start() + 1 for m in after.finditer(raw, 0, end)]  # after the terminator
            if first.match(raw, 0, end):
                starts.insert(0, 0)
            bounds = [*starts, end]
            header = raw[: starts[0]] if starts else raw[:end]
            lines = tuple([raw[a:b] for a, b in pairwise(bounds)])  # a list: no generator
            self._loops = (header, lines)
        return self._loops

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


@cache
def _loop_start(delimiters: Delimiters) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """Where a loop 2400 begins: an LX segment (its tag alone, or followed by an element)
    right after a terminator, with the whitespace before it (a terminator that is itself a
    line break ends a segment, even an empty one); and the same at the block's start. The
    first pattern begins with the terminator, a literal the regular expression engine
    searches for quickly (a lookbehind would be tried at every byte)."""
    terminator = delimiters.terminator
    separator = re.escape(delimiters.element.encode("latin-1"))
    space = re.escape(bytes(b for b in b"\r\n \t" if bytes([b]) != terminator))
    term = re.escape(terminator)
    lx = rb"[" + space + rb"]*LX(?=" + separator + b"|" + term + b")"
    return re.compile(term + lx), re.compile(lx)
