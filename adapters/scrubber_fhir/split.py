"""Cut one large FHIR NDJSON file into units at line boundaries (``--jobs N``).

NDJSON holds one resource per line (FHIR Bulk Data Access, "ndjson" output format), so a
unit is a run of whole lines: it is read exactly as the whole file reads those lines, with
their line numbers and byte offsets in the file, and written line by line; nothing in one
unit's output depends on another's. A Claim, a Bundle or XML is one document (a Bundle's
references need all of it): it is never cut.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import final

from scrubber import Claim, FormatOptions, Piece, Seam, Unit

from .reader import BOM, _head, _is_ndjson, _ndjson_line
from .versions import options_of
from .writer import write

__all__ = ["LinesBefore", "cut_ndjson", "join_ndjson", "read_unit", "write_unit"]


@final
@dataclass(frozen=True, slots=True)
class LinesBefore:
    """The unit's resume state: how many lines of the file come before it."""

    lines: int


def cut_ndjson(chunks: Iterable[bytes], size: int) -> list[Unit]:
    """Units of about *size* bytes, each a run of whole lines; one unit, the whole input,
    for anything that is not NDJSON."""
    stream = iter(chunks)
    head = _head(stream)
    first = head.lstrip(BOM.encode() + b" \t\r\n")
    ndjson = first[:1] == b"{" and _is_ndjson(first)
    cuts = [(0, 0)]
    position = lines = 0
    target = size
    for chunk in chain([head], stream) if ndjson else ():
        at = max(0, target - position)
        while at <= len(chunk):
            newline = chunk.find(b"\n", at)
            if newline < 0:
                break
            cuts.append((position + newline + 1, lines + chunk.count(b"\n", 0, newline + 1)))
            target = position + newline + 1 + size
            at = target - position
        lines += chunk.count(b"\n")
        position += len(chunk)
    if not ndjson:
        position = len(head) + sum(len(chunk) for chunk in stream)
    cuts = [(start, before) for start, before in cuts if start < position or start == 0]
    ends = [start for start, _ in cuts[1:]] + [position]
    return [
        Unit(start=start, end=end, resume=LinesBefore(before))
        for (start, before), end in zip(cuts, ends, strict=True)
    ]


def read_unit(chunks: Iterable[bytes], unit: Unit, options: FormatOptions) -> Iterator[Piece]:
    """The pieces of one unit's lines, numbered as in the whole file."""
    opts = options_of(options)
    resume = unit.resume
    number = resume.lines if isinstance(resume, LinesBefore) else 0
    offset = unit.start
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for raw in lines:
            number += 1
            yield _ndjson_line(raw, b"\n", number, offset, opts)
            offset += len(raw) + 1
    if buffer:
        yield _ndjson_line(buffer, b"", number + 1, offset, opts)


def write_unit(
    pairs: Iterable[tuple[Piece, Claim | None]], unit: Unit, options: FormatOptions
) -> Iterator[bytes | Seam]:
    """One unit's lines as the whole file writes them; its seam carries nothing."""
    del unit
    yield from write(pairs, options)
    yield Seam(payload=None)


def join_ndjson(payload: object, state: object) -> tuple[bytes, object]:
    """NDJSON lines do not depend on each other: a seam writes nothing."""
    del payload
    return b"", state
