"""Write pieces back as 837P: unchanged pieces byte for byte, fixed claims re-rendered.

SE01 counts the segments from ST to SE (X12 element 96). The SE segment comes after every
claim of its transaction set, so the writer streams: it keeps the difference in segment count
that re-rendered claims made and corrects SE01 when the trailer passes. GS/GE and ISA/IEA
counts do not change (no ST or GS is added). When nothing changed, SE is written as read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from scrubber import Claim, ClaimPiece, FormatOptions, Piece, Verbatim
from scrubber_x12.payloads import ClaimBlock, SegmentRun, TransactionTrailer
from scrubber_x12.render import render_claim

__all__ = ["write_837"]


def _trailer(trailer: TransactionTrailer, delta: int) -> bytes:
    if delta == 0:
        return trailer.segment.raw
    segment = trailer.segment
    d = segment.delimiters
    elements = segment.elements()
    elements[1] = str(trailer.count + delta)
    return segment.prefix + d.element.join(elements).encode("latin-1") + d.terminator


def write_837(
    pairs: Iterable[tuple[Piece, Claim | None]], options: FormatOptions
) -> Iterator[bytes]:
    """Output chunks for *pairs* of (piece as read, fixed claim or None)."""
    del options
    delta = 0
    for piece, fixed in pairs:
        payload = piece.payload
        if isinstance(piece, Verbatim):
            if isinstance(payload, SegmentRun):
                yield payload.raw
            elif isinstance(payload, TransactionTrailer):
                yield _trailer(payload, delta)
                delta = 0
            else:
                raise TypeError(f"not an X12 piece: {type(payload).__name__}")
            continue
        if fixed is None and type(payload) is ClaimBlock:  # untouched: the bytes as read
            yield payload.raw
            continue
        if not isinstance(payload, ClaimBlock):
            raise TypeError(f"not an X12 claim piece: {type(payload).__name__}")
        raw, change = _claim(piece, payload, fixed)
        delta += change
        yield raw


def _claim(piece: ClaimPiece, block: ClaimBlock, fixed: Claim | None) -> tuple[bytes, int]:
    """The claim's bytes and how many segments they add to (or take from) the ST."""
    if fixed is None or piece.claim is None or fixed is piece.claim:
        return block.raw, 0
    rendered, segments = render_claim(block, piece.claim, fixed)
    return rendered, segments - block.segment_count
