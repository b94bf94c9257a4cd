"""Read an 837P stream into pieces: ``Verbatim`` runs and one ``ClaimPiece`` per loop 2300.

Memory is bounded by one claim: segments between claims are yielded as they are passed, and a
claim is yielded as soon as the next CLM, HL or SE shows where it ends (a 2300 loop ends at
the next 2300, the next HL of loops 2000A/B/C, or the transaction trailer; TR3 005010X222A1
loop structure, pyx12 map ``837.5010.X222.A1.xml``).

The envelope is checked on the way (X12.5 / X12.6 control structures): SE01 = segments from ST
to SE, SE02 = ST02, GE01 = number of ST, GE02 = GS06, IEA01 = number of GS, IEA02 = ISA13.
A file that breaks them is not read at all (``AdapterError``); the CLI exits 2 without output.
Both 005010X222A1 and the A2 errata are accepted, and GS08/ST03 are written back as received.
Any other version in GS08 or ST03 (a 4010 file, an 837I or 837D) is refused with the segment
and the version found: 4010 has no ST03, so GS08 is checked too.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from typing import NamedTuple

from scrubber import AdapterError, ClaimPiece, FormatOptions, Piece, Verbatim, opaque_key
from scrubber_x12.claims import ClaimContext, ClaimProblem, build_claim
from scrubber_x12.payloads import ClaimBlock, SegmentRun, TransactionTrailer
from scrubber_x12.tokenizer import Run, Segment, tokenize_runs

__all__ = ["VERSIONS", "SegmentsEnd", "read_837", "read_segments"]

VERSIONS = frozenset({"005010X222A1", "005010X222A2"})


def _error(message: str, segment: Segment) -> AdapterError:
    return AdapterError(message, position=f"segment {segment.number}")


# Implementation guides that share ST01 837 (X12 TR3 titles): what to call a version we refuse.
_GUIDES = {
    "X098": "837P professional",
    "X096": "837I institutional",
    "X097": "837D dental",
    "X222": "837P professional",
    "X223": "837I institutional",
    "X224": "837D dental",
}


def _check_version(version: str, element: str, segment: Segment) -> None:
    """Refuse a transaction set in another guide or X12 release than 005010X222A1/A2.

    GS08 and ST03 both carry the implementation guide version (TR3 005010X222A1, GS08 and
    ST03 notes: ``005010X222A1``). 4010 has no ST03 (004010X098A1 TR3), so GS08 is the only place a
    4010 file says what it is; reading it as 5010 would scrub claims under the wrong rules."""
    if version in VERSIONS:
        return
    words = ["X12 4010"] if version.startswith("00401") else []
    words += [_GUIDES[version[6:10]]] if version[6:10] in _GUIDES else []
    named = f" ({' '.join(words)})" if words else ""
    raise _error(
        f"{element} is {version}{named}: this scrubber reads only 837P 005010X222A1/A2 "
        "(HIPAA 5010); convert the file to 5010 first",
        segment,
    )


class _Context:
    """Mutable reading state for loops 2000A/B/C (kept out of the yielded records)."""

    __slots__ = (
        "billing",
        "frozen",
        "last_nm1",
        "member",
        "patient",
        "payer",
        "sbr09",
        "taxonomy",
        "tin",
    )

    def __init__(self) -> None:
        self.frozen: ClaimContext | None = None  # what freeze() gave, until a run is seen
        self.billing: str | None = None
        self.taxonomy: str | None = None
        self.tin: str | None = None
        self.payer: tuple[str | None, str | None] = (None, None)
        self.sbr09: str | None = None
        self.member = ""
        self.patient: list[str] = []
        self.last_nm1 = ""

    def see_run(self, run: Run) -> None:
        """Take in the segments of a run between claims, in order. Only these change the
        context, so claims that follow one another (several CLMs of one 2000B/C loop) share
        one frozen context and its two hashes."""
        self.frozen = None
        delimiters = run.delimiters
        separator = delimiters.element
        parts = run.raw.decode("latin-1").split(delimiters.segment)[:-1]
        self.take([part.lstrip("\r\n \t").split(separator) for part in parts])

    def see(self, elements: list[str]) -> None:
        """Take in one segment (``[tag, e01, ...]``) of loops 1000A/B or 2000A/B/C."""
        self.take((elements,))

    def take(self, segments: Iterable[list[str]]) -> None:
        """Take in segments (each ``[tag, e01, ...]``) of loops 1000A/B or 2000A/B/C, in
        order; one loop over a run's segments rather than a call for each."""
        for elements in segments:
            tag = elements[0]
            if tag == "REF":
                # 2010AA REF*EI: the billing provider's employer identification number (TR3
                # 005010X222A1); REF*SY (a social security number) is never kept.
                if self.last_nm1 == "85" and len(elements) > 2 and elements[1] == "EI":
                    self.tin = elements[2] or None
                continue
            if tag not in ("HL", "SBR", "NM1", "PRV", "DMG"):
                continue
            size = len(elements)
            if tag == "HL":
                level = elements[3] if size > 3 else ""
                if level == "20":
                    self.billing = self.taxonomy = self.tin = None
                if level in ("20", "22"):
                    self.payer, self.sbr09, self.member = (None, None), None, ""
                self.patient = []
                self.last_nm1 = ""
            elif tag == "SBR":
                self.sbr09 = (elements[9] if size > 9 else "") or None
            elif tag == "NM1":
                entity = elements[1] if size > 1 else ""
                self.last_nm1 = entity
                ident = elements[9] if size > 9 else ""
                if entity == "85":
                    self.billing = ident if size > 8 and elements[8] == "XX" else None
                elif entity == "IL":
                    self.member = ident
                elif entity == "PR":
                    self.payer = (ident or None, (elements[3] if size > 3 else "") or None)
                elif entity == "QC":
                    self.patient = [e for e in elements[3:6]]
            elif tag == "PRV":
                if size > 3 and elements[1] == "BI":
                    self.taxonomy = elements[3] or None
            elif tag == "DMG" and self.last_nm1 == "QC" and size > 2:
                self.patient.append(elements[2])

    def freeze(self) -> ClaimContext:
        if self.frozen is None:
            self.frozen = self._freeze()
        return self.frozen

    def _freeze(self) -> ClaimContext:
        subscriber = opaque_key("member", self.member) if self.member else ""
        # a 2000C patient is told apart from the subscriber and siblings by name and birth date
        patient = opaque_key("patient", self.member, *self.patient) if self.patient else subscriber
        # by position, in ClaimContext's field order (half the cost of keywords)
        return ClaimContext(
            self.billing, self.taxonomy, self.tin, *self.payer, self.sbr09, subscriber, patient
        )


class _Envelope:
    """Control numbers and counts of the open ISA/GS/ST, checked at each trailer."""

    __slots__ = ("gs_control", "gs_count", "isa_control", "st_control", "st_count", "st_start")

    def __init__(self) -> None:
        self.isa_control: str | None = None
        self.gs_control: str | None = None
        self.st_control: str | None = None
        self.gs_count = self.st_count = self.st_start = 0

    def see(self, segment: Segment) -> TransactionTrailer | None:
        tag = segment.tag
        if tag == "ISA":
            if self.isa_control is not None:
                raise _error("ISA inside an open interchange (IEA missing)", segment)
            self.isa_control = segment.elements()[13].strip()
            self.gs_count = 0
        elif self.isa_control is None:
            raise _error(f"{tag} segment outside an interchange", segment)
        elif tag == "GS":
            if self.gs_control is not None:
                raise _error("GS inside an open functional group (GE missing)", segment)
            elements = segment.elements()
            if len(elements) > 8 and elements[8].strip():
                _check_version(elements[8].strip(), "GS08", segment)
            self.gs_control = elements[6] if len(elements) > 6 else ""
            self.gs_count += 1
            self.st_count = 0
        elif tag == "ST":
            if self.gs_control is None or self.st_control is not None:
                raise _error("ST outside a functional group or inside an open ST", segment)
            elements = segment.elements()
            if elements[1:2] != ["837"]:
                found = elements[1] if len(elements) > 1 else ""
                raise _error(f"ST01 is {found or 'empty'}: not an 837 transaction set", segment)
            if len(elements) > 3 and elements[3].strip():
                _check_version(elements[3].strip(), "ST03", segment)
            self.st_control = elements[2] if len(elements) > 2 else ""
            self.st_count += 1
            self.st_start = segment.number
        elif tag == "SE":
            return self._close_st(segment)
        elif tag == "GE":
            self._close(segment, self.st_count, self.gs_control, "GE", "ST")
            self.gs_control = None
        elif tag == "IEA":
            if self.gs_control is not None:
                raise _error("IEA before the GE of an open functional group", segment)
            self._close(segment, self.gs_count, self.isa_control, "IEA", "GS")
            self.isa_control = None
        elif self.st_control is None:
            raise _error(f"{tag} segment outside a transaction set (ST/SE)", segment)
        return None

    def _close_st(self, segment: Segment) -> TransactionTrailer:
        if self.st_control is None:
            raise _error("SE without its ST", segment)
        elements = segment.elements()
        counted = segment.number - self.st_start + 1
        stated = elements[1] if len(elements) > 1 else ""
        control = elements[2] if len(elements) > 2 else ""
        if stated != str(counted):
            raise _error(
                f"SE01 segment count is {stated or 'empty'}, but the transaction set has "
                f"{counted} segments from ST to SE",
                segment,
            )
        if control != self.st_control:
            raise _error(
                f"SE02 control number {control or '(empty)'} does not repeat ST02 "
                f"{self.st_control or '(empty)'}",
                segment,
            )
        self.st_control = None
        return TransactionTrailer(segment=segment, count=counted)

    def _close(
        self, segment: Segment, count: int, control: str | None, tag: str, inner: str
    ) -> None:
        if control is None:
            raise _error(f"{tag} without its header", segment)
        if tag == "GE" and self.st_control is not None:
            raise _error("GE before the SE of an open transaction set", segment)
        elements = segment.elements()
        if len(elements) < 3 or elements[1] != str(count) or elements[2].strip() != control:
            raise _error(
                f"{tag} disagrees with its envelope ({count} {inner}; control number must "
                "repeat the header's)",
                segment,
            )

    def finish(self, last: int) -> None:
        """*last* is the number of the last segment read (0: none)."""
        if self.isa_control is not None or not last:
            raise AdapterError(
                "input ends before SE/GE/IEA (truncated)", position=f"segment {last + 1}"
            )


def read_837(chunks: Iterable[bytes], options: FormatOptions) -> Iterator[Piece]:
    """Pieces of an 837P stream; ``AdapterError`` for input that cannot be read as a whole."""
    del options  # no reading options yet
    envelope = _Envelope()
    end = yield from read_segments(tokenize_runs(chunks), envelope, _Context())
    envelope.finish(end.last)
    if end.run:
        yield Verbatim(payload=SegmentRun(raw=b"".join(end.run)))


class SegmentsEnd(NamedTuple):
    """Where ``read_segments`` stopped: the number of the last segment (0: none), and what
    it had not yielded yet (the open claim's run, the segments after it)."""

    last: int
    claim: Run | None
    run: list[bytes]


def read_segments(
    items: Iterable[Segment | Run], envelope: _Envelope, context: _Context
) -> Generator[Piece, None, SegmentsEnd]:
    """The pieces of *items* (``tokenize_runs``), read on from *envelope* and *context* (a
    whole file starts them empty; one unit of a file cut for ``--jobs`` starts them where
    the file was)."""
    run: list[bytes] = []
    claim: Run | None = None  # read, and yielded when what follows it is checked
    last = 0  # the number of the last segment read
    for item in items:
        if type(item) is Run:
            if envelope.st_control is None:  # outside ST: the envelope names the segment
                envelope.see(Segment(item.number, item.tag, b"", 0, item.delimiters))
            if claim is not None:  # the next CLM or HL ends the claim before it
                yield _claim_piece(claim, context)
                claim = None
            last = item.number + item.size - 1
            if item.tag == "CLM":
                if run:
                    yield Verbatim(payload=SegmentRun(raw=b"".join(run)))
                    run = []
                claim = item
            else:
                context.see_run(item)
                run.append(item.raw)
            continue
        segment: Segment = item  # type: ignore[assignment]
        if not segment.tag:  # whitespace after the last IEA
            run.append(segment.raw)
            continue
        last = segment.number
        trailer = envelope.see(segment)  # only envelope segments come one at a time
        if claim is not None:
            yield _claim_piece(claim, context)
            claim = None
        if trailer is not None:
            if run:
                yield Verbatim(payload=SegmentRun(raw=b"".join(run)))
                run = []
            yield Verbatim(payload=trailer)
        else:
            run.append(segment.raw)
    return SegmentsEnd(last, claim, run)


def _claim_piece(run: Run, context: _Context) -> ClaimPiece:
    block = ClaimBlock(run.raw, run.number, run.size, run.delimiters)
    locator = f"segment {run.number}"
    try:
        claim = build_claim(block, context.freeze())
    except ClaimProblem as problem:
        elements = block.header[0].elements()
        claim_id = elements[1] if len(elements) > 1 else ""
        return ClaimPiece(
            claim=None, payload=block, locator=locator, problem=str(problem), claim_id=claim_id
        )
    return ClaimPiece.trusted(claim=claim, payload=block, locator=locator, claim_id=claim.id)
