"""Helpers for the X12 adapter tests: read, fix with the core algebra, write, read back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import pytest

from scrubber._fixes import Fix, apply_fixes
from scrubber._formats import ClaimPiece, Piece
from scrubber._models import Claim
from scrubber_x12.reader import read_837
from scrubber_x12.validation import validate_837
from scrubber_x12.writer import write_837

FixPlan = Callable[[Claim], Sequence[Fix]]


class X12Kit:
    """Read, fix, write and inspect 837P bytes (one instance per test via ``kit``)."""

    @staticmethod
    def pieces_of(data: bytes, chunk: int | None = None) -> list[Piece]:
        chunks: Iterable[bytes] = [data]
        if chunk:
            chunks = [data[k : k + chunk] for k in range(0, len(data), chunk)]
        return list(read_837(chunks, {}))

    @staticmethod
    def claims_of(data: bytes) -> list[Claim]:
        return [p.claim for p in X12Kit.pieces_of(data) if isinstance(p, ClaimPiece) and p.claim]

    @staticmethod
    def rewrite(data: bytes, plan: FixPlan) -> bytes:
        """Apply ``plan(claim)`` to every readable claim (as edit TST001) and write the result."""
        pairs: list[tuple[Piece, Claim | None]] = []
        for piece in X12Kit.pieces_of(data):
            fixed = None
            if isinstance(piece, ClaimPiece) and piece.claim is not None:
                fixes = [("TST001", fix) for fix in plan(piece.claim)]
                outcome = apply_fixes(piece.claim, fixes)
                assert not outcome.rejected, outcome.rejected
                fixed = outcome.claim if outcome.applied else None
            pairs.append((piece, fixed))
        return b"".join(write_837(pairs, {}))

    @staticmethod
    def segments(data: bytes) -> list[list[str]]:
        """Every segment's elements (``~`` terminator, ``*`` separator, line breaks dropped)."""
        text = data.decode("latin-1")
        return [s.strip().split("*") for s in text.split("~") if s.strip()]

    @staticmethod
    def se_counts_right(data: bytes) -> bool:
        ok = True
        start = 0
        for index, seg in enumerate(X12Kit.segments(data)):
            if seg[0] == "ST":
                start = index
            elif seg[0] == "SE":
                ok &= int(seg[1]) == index - start + 1
        return ok

    @staticmethod
    def issues(data: bytes) -> set[str]:
        return {i.message for i in validate_837(data, {})}

    @staticmethod
    def issue_counts(data: bytes) -> Counter[str]:
        return Counter(i.message for i in validate_837(data, {}))


@pytest.fixture
def kit() -> X12Kit:
    return X12Kit()
