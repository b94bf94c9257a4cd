"""Cut one large 837P into units that worker processes scrub side by side (``--jobs N``).

A unit starts at a loop 2000B (the subscriber ``HL`` whose HL03 is ``22``), so no claim is
ever cut: every loop 2300 sits under a 2000B (or a 2000C under it) and ends at the next HL
(TR3 005010X222A1 loop structure). A transaction set may be shared by several units.

``cut`` streams the file once at C speed (a regular expression finds only the envelope
segments and the HL loops; a claim's segments are never looked at) and records, at each
cut, what the reader would know there: the segment number, the open ISA/GS/ST with their
control numbers and counts, and the segments of the billing provider's loop 2000A, the only
reading context that crosses a 2000B. A unit is then read with the reader's own code from
that state (``read_unit``), so positions in messages and the report are those of the whole
file and every envelope check is made, in the unit that holds the trailer.

SE01 is the one byte a unit cannot write alone: it counts the segments of the whole
transaction set (X12 element 96), and claims rewritten in earlier units may have changed
that count. ``write_unit`` leaves a ``Seam`` for the SE of a transaction set that began in an
earlier unit and another at its end (the segments it added to the set still open); ``join``
writes SE01 from those counts, in input order. GS/GE and ISA/IEA are never added, so GE01
and IEA01 are written as read.

A file this cannot follow exactly (delimiters that change between interchanges, a byte
order mark, a billing provider segment outside loop 2000A, text that is not an 837P) is one
unit, read by ``read_837`` as without ``--jobs``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import chain, islice
from typing import final

from scrubber import AdapterError, Claim, ClaimPiece, FormatOptions, Piece, Seam, Unit, Verbatim
from scrubber_x12.payloads import ClaimBlock, SegmentRun, TransactionTrailer
from scrubber_x12.reader import _claim_piece, _Context, _Envelope, read_segments
from scrubber_x12.tokenizer import ISA_LENGTH, Segment, parse_isa, tokenize
from scrubber_x12.writer import _claim, _trailer

__all__ = ["Resume", "cut_837", "join_837", "read_unit", "write_unit"]

_WHITESPACE = b"\r\n \t"
_LOOK_BACK = 64 * 1024  # how far back the previous 2000B's member is looked for (50 lines)
_LOOK_AHEAD = 4 * 1024  # how far into a 2000B its NM1*IL is looked for


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Resume:
    """What the reader knows where a unit starts (``number`` 0: the start of the file)."""

    number: int  # segments before the unit
    count: int = 0  # segments in the unit (0: it runs to the end of the file)
    isa: bytes = b""  # the open interchange's ISA segment (its delimiters)
    isa_control: str = ""
    gs_control: str = ""
    gs_count: int = 0
    st_control: str = ""
    st_count: int = 0
    st_start: int = 0
    billing: bytes = b""  # the last loop 2000A's segments, its HL up to the next HL


@final
@dataclass(frozen=True, slots=True)
class _Close:
    """Seam: the SE of a transaction set begun in an earlier unit, and this unit's change
    to its segment count."""

    trailer: TransactionTrailer
    delta: int


@final
@dataclass(frozen=True, slots=True)
class _Carry:
    """Seam at a unit's end: its change to the count of the transaction set still open."""

    delta: int


class _Cannot(Exception):
    """The file is not one this module can cut exactly: scrub it whole."""


class _Scan:
    """The streaming state of ``cut_837``: envelope, segment numbers, the last 2000A.

    Input arrives in regions: ``region[:last]`` is done when ``region`` is, and the next
    region starts with the terminator at ``last`` (offsets ``base`` + index)."""

    def __init__(self, first_isa: bytes, size: int) -> None:
        self.delimiters = parse_isa(first_isa, 1)
        self.term = self.delimiters.terminator
        self.sep = self.delimiters.element
        sep = re.escape(self.sep.encode("latin-1"))
        self.pattern = re.compile(
            re.escape(self.term)
            + rb"[\r\n \t]*(ISA|GS|ST|SE|GE|IEA|HL|NM1"
            + sep
            + rb"85|PRV"
            + sep
            + rb"BI)"
            + sep
        )
        self.member = b"NM1" + self.sep.encode("latin-1") + b"IL" + self.sep.encode("latin-1")
        self.hl = re.compile(re.escape(self.term) + rb"[\r\n \t]*HL" + sep)
        self.size = size
        self.terms = 0  # terminators before offset ``counted``
        self.counted = 0
        self.isa = first_isa[:ISA_LENGTH]
        self.isa_control = self._fields(self.isa)[13].strip()
        self.gs_control: str | None = None
        self.gs_count = self.st_count = self.st_start = 0
        self.st_control: str | None = None
        self.billing = bytearray()
        self.billing_from = 0  # the offset the 2000A bytes still to keep start at
        self.in_billing = False  # between a 2000A HL and the next HL or SE
        self.dirty = False  # a billing provider segment outside loop 2000A
        self.expect_isa: int | None = None  # an IEA's terminator: only an ISA may follow it
        self.cuts: list[tuple[int, Resume]] = [(0, Resume(number=0))]

    def _fields(self, content: bytes) -> list[str]:
        return content.decode("latin-1").split(self.sep)

    def region(self, region: bytes, base: int, begin: int, last: int) -> None:
        """The structural segments after the terminators ``region[begin:last]`` (what
        comes before *begin* was seen with the previous region, and is kept to look back)."""
        for match in self.pattern.finditer(region, begin, last):
            at = match.start()
            self.terms += region.count(self.term, self.counted - base, at + 1)
            self.counted = base + at + 1
            tag_at = match.start(1)
            end = region.find(self.term, tag_at)
            self._see(match.group(1).decode("latin-1"), region, base, at, tag_at, end)
        self.terms += region.count(self.term, self.counted - base, last)
        self.counted = base + last
        if self.in_billing:
            self.billing += region[self.billing_from - base : last]
            self.billing_from = base + last

    def _see(self, tag: str, region: bytes, base: int, at: int, tag_at: int, end: int) -> None:
        number = self.terms + 1  # this segment's number in the file
        start = base + at + 1  # where it begins, with its leading line break
        if self.expect_isa is not None and (tag != "ISA" or base + at != self.expect_isa):
            raise _Cannot  # something the pattern cannot see follows an IEA
        if tag == "ISA":
            isa = region[tag_at : tag_at + ISA_LENGTH]
            if self.expect_isa is None or parse_isa(isa, number) != self.delimiters:
                raise _Cannot
            self.expect_isa = None
            self.isa = isa
            self.isa_control = self._fields(isa)[13].strip()
            self.gs_count = 0
            return
        if tag in ("HL", "SE") and self.in_billing:  # loop 2000A ends here
            self.billing += region[self.billing_from - base : at + 1]
            self.in_billing = False
        if tag.startswith(("NM1", "PRV")):
            if not self.in_billing:
                self.dirty = True  # replaying loop 2000A would miss it: no cut until the next
            return
        fields = self._fields(region[tag_at:end])
        if tag == "HL":
            level = fields[3] if len(fields) > 3 else ""
            if level == "20":
                self.billing = bytearray()
                self.billing_from = start
                self.in_billing = True
                self.dirty = False
            elif (
                level == "22"
                and self.st_control is not None
                and self.gs_control is not None
                and not self.dirty
                and start - self.cuts[-1][0] >= self.size
                and not self._same_member(region, at, end)
            ):
                self.cuts.append((start, self._resume(number - 1)))
        elif tag == "GS":
            self.gs_control = fields[6] if len(fields) > 6 else ""
            self.gs_count += 1
            self.st_count = 0
        elif tag == "ST":
            self.st_control = fields[2] if len(fields) > 2 else ""
            self.st_count += 1
            self.st_start = number
        elif tag == "SE":
            self.st_control = None
        elif tag == "GE":
            self.gs_control = None
        elif tag == "IEA":
            self.expect_isa = base + end

    def _same_member(self, region: bytes, at: int, end: int) -> bool:
        """Whether the 2000B loop starting after *at* names the member (NM1*IL, NM1-09) the
        loop before it names. A sender that puts one beneficiary's claims in consecutive
        2000B loops keeps them in one unit this way: a beneficiary in two units costs the
        run a second pass over the later one (``scrubber._grouping``). A cut is only ever
        moved to a later 2000B, never made elsewhere."""
        before = region.rfind(self.member, max(0, at - _LOOK_BACK), at)
        after = region.find(self.member, end, end + _LOOK_AHEAD)
        if after < 0:
            return True  # not in sight: leave the cut to a later 2000B
        if before < 0 or self.hl.search(region, end, after):
            return False
        return self._member_at(region, before) == self._member_at(region, after)

    def _member_at(self, region: bytes, at: int) -> str:
        fields = self._fields(region[at : region.find(self.term, at)])
        return fields[9] if len(fields) > 9 else ""

    def _resume(self, number: int) -> Resume:
        assert self.gs_control is not None and self.st_control is not None
        return Resume(
            number=number,
            isa=self.isa,
            isa_control=self.isa_control,
            gs_control=self.gs_control,
            gs_count=self.gs_count,
            st_control=self.st_control,
            st_count=self.st_count,
            st_start=self.st_start,
            billing=bytes(self.billing),
        )


def cut_837(chunks: Iterable[bytes], size: int) -> list[Unit]:
    """Units of about *size* bytes, each but the first starting at a loop 2000B (see the
    module docstring); one unit, the whole input, when the file cannot be cut exactly."""
    scan: _Scan | None = None
    buffer = b""
    base = 0  # the input offset of buffer[0]
    begin = 0  # where buffer's unseen part starts (at a terminator)
    total = 0
    try:
        for chunk in chunks:
            total += len(chunk)
            buffer += chunk
            if scan is None:
                if len(buffer) < ISA_LENGTH:
                    continue
                if not buffer.startswith(b"ISA"):
                    raise _Cannot  # leading blanks, a byte order mark, UTF-16: read whole
                scan = _Scan(buffer[:ISA_LENGTH], size)
            last = buffer.rfind(scan.term)
            if last <= begin:
                continue
            scan.region(buffer[: last + 1], base, begin, last)
            keep = max(0, last - _LOOK_BACK)  # the bytes before ``last`` stay in sight
            buffer = buffer[keep:]
            base += keep
            begin = last - keep
        if (
            scan is None
            or scan.expect_isa != base + begin
            or buffer[begin + 1 :].strip(_WHITESPACE)
        ):
            raise _Cannot  # not ended by an IEA the pattern saw: the reader names the error
    except (_Cannot, AdapterError, UnicodeDecodeError, IndexError):
        return [Unit(start=0, end=total)]
    units = []
    cuts = scan.cuts
    for (start, resume), (end, after) in zip(cuts, [*cuts[1:], (total, None)], strict=True):
        count = after.number - resume.number if after is not None else 0
        units.append(Unit(start=start, end=end, resume=replace(resume, count=count)))
    return units


def _numbered(segments: Iterator[Segment], offset: int) -> Iterator[Segment]:
    """*segments* numbered as in the whole file."""
    for number, tag, raw, prefix_length, delimiters in segments:
        yield Segment(number + offset, tag, raw, prefix_length, delimiters)


def read_unit(chunks: Iterable[bytes], unit: Unit, options: FormatOptions) -> Iterator[Piece]:
    """The pieces of one unit, given its bytes; as ``read_837`` reads them in the file."""
    del options
    resume = unit.resume
    assert isinstance(resume, Resume)
    envelope = _Envelope()
    context = _Context()
    if resume.number == 0:
        segments: Iterator[Segment] = tokenize(chunks)
    else:
        envelope.isa_control = resume.isa_control
        envelope.gs_control = resume.gs_control
        envelope.gs_count = resume.gs_count
        envelope.st_control = resume.st_control
        envelope.st_count = resume.st_count
        envelope.st_start = resume.st_start
        # the 2000A loop's segments set the billing provider context, as they did in the file
        billing = resume.billing.count(resume.isa[-1:])
        for segment in islice(tokenize([resume.isa, resume.billing]), 1, 1 + billing):
            context.see(segment)
        tokens = tokenize(chain([resume.isa], chunks))
        # the tokenizer wants an ISA first (its delimiters); the unit's segments follow it
        segments = _numbered(islice(tokens, 1, None), resume.number - 1)
    if resume.count:  # not the last unit: its input ends inside an interchange, on purpose
        segments = islice(segments, resume.count)
    end = yield from read_segments(segments, envelope, context)
    if not resume.count:
        envelope.finish(end.last)
    if end.claim:
        yield _claim_piece(end.claim, context)
    if end.run:
        yield Verbatim(payload=SegmentRun(raw=b"".join(end.run)))


def write_unit(
    pairs: Iterable[tuple[Piece, Claim | None]], unit: Unit, options: FormatOptions
) -> Iterator[bytes | Seam]:
    """One unit's output as ``write_837`` writes it, with a ``Seam`` for the SE of a
    transaction set begun in an earlier unit and one at the end (see ``join_837``)."""
    del options
    resume = unit.resume
    assert isinstance(resume, Resume)
    inherited = resume.number > 0  # the unit starts inside a transaction set
    delta = 0
    for piece, fixed in pairs:
        payload = piece.payload
        if isinstance(piece, Verbatim):
            if isinstance(payload, SegmentRun):
                yield payload.raw
            elif isinstance(payload, TransactionTrailer):
                if inherited:
                    yield Seam(payload=_Close(payload, delta))
                    inherited = False
                else:
                    yield _trailer(payload, delta)
                delta = 0
            else:
                raise TypeError(f"not an X12 piece: {type(payload).__name__}")
            continue
        if not isinstance(payload, ClaimBlock) or not isinstance(piece, ClaimPiece):
            raise TypeError(f"not an X12 claim piece: {type(payload).__name__}")
        raw, change = _claim(piece, payload, fixed)
        delta += change
        yield raw
    yield Seam(payload=_Carry(delta))


def join_837(payload: object, state: object) -> tuple[bytes, object]:
    """A seam's bytes: SE01 counts the segments the earlier units added to its transaction
    set too (*state*: their change to the count of the set still open)."""
    carried = state if isinstance(state, int) else 0
    if isinstance(payload, _Close):
        return _trailer(payload.trailer, carried + payload.delta), 0
    if isinstance(payload, _Carry):
        return b"", carried + payload.delta
    raise TypeError(f"not an X12 seam: {type(payload).__name__}")
