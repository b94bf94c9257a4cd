"""A streaming X12 tokenizer: byte chunks in, segments out, every input byte kept.

Why our own: pyx12 walks the implementation-guide map for every segment (about 110 µs each,
measured in bench/), far too slow for the scrub path. This tokenizer only splits segments and
checks the envelope, so a file is never held whole and unchanged bytes can be written back
exactly.

Delimiters come from the fixed-width ISA segment (X12.5 interchange control structure; the
005010X222A1 TR3 appendix B): the element separator is the byte after ``ISA`` (position 3),
the repetition separator ISA11 is at position 82, the component separator ISA16 at 104 and
the segment terminator right after it at 105. Line breaks after a terminator are tolerated
and kept: each segment carries the whitespace in front of it as ``prefix``, so joining every
segment's ``raw`` gives the input back byte for byte.

Segments are numbered 1.. across the whole file (not per ST); that number is what positions in
errors and ``SourceRef`` locators name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple, final

from scrubber import AdapterError

__all__ = [
    "ENVELOPE_TAGS",
    "ISA_LENGTH",
    "Delimiters",
    "Run",
    "Segment",
    "tokenize",
    "tokenize_runs",
]

ISA_LENGTH = 106  # "ISA" + 16 fixed-width elements + the segment terminator
_WHITESPACE = b"\r\n \t"
_BOM = b"\xef\xbb\xbf"
_MAX_SEGMENT = 64 * 1024  # no 837P segment comes near this; beyond it the input is not X12


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Delimiters:
    """The four delimiters of one interchange, as declared by its ISA."""

    element: str
    repetition: str
    component: str
    segment: str
    # made once: the writer reads the terminator bytes, and its caches hash the delimiters,
    # claim after claim
    terminator: bytes = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "terminator", self.segment.encode("latin-1"))
        declared = (self.element, self.repetition, self.component, self.segment)
        object.__setattr__(self, "_hash", hash(declared))

    def __hash__(self) -> int:
        return self._hash

    def clean(self, text: str) -> str:
        """Make free text safe inside an element: no delimiter, ASCII printable only.

        The 005010 basic and extended character sets are printable ASCII; a delimiter inside
        a value would split it (X12.6 §3.3)."""
        if text.isascii() and text.isprintable():  # most text (a code, a note) is safe as is
            taken = self.element in text or self.repetition in text
            if not (taken or self.component in text or self.segment in text):
                return text
        out = []
        for char in text:
            if char in (self.element, self.repetition, self.component, self.segment):
                out.append(" ")
            elif " " <= char <= "~":
                out.append(char)
            elif char == "\u2026":
                out.append("...")
            else:
                out.append(" ")
        return "".join(out)


class Segment(NamedTuple):
    """One segment: its number in the file, tag (``CLM``), and its exact bytes.

    ``raw`` is ``prefix + content + terminator`` where prefix is the whitespace (line breaks)
    that preceded the segment in the input. A NamedTuple, not a dataclass: the tokenizer makes
    one per segment on the hot path and tuple construction is several times cheaper.
    """

    number: int
    tag: str
    raw: bytes
    prefix_length: int
    delimiters: Delimiters

    @property
    def prefix(self) -> bytes:
        return self.raw[: self.prefix_length]

    @property
    def content(self) -> str:
        # the terminator is one character (ISA position 105)
        return self.raw[self.prefix_length : -1].decode("latin-1")

    def elements(self) -> list[str]:
        """``[tag, e01, e02, ...]`` split on the element separator."""
        return self.content.split(self.delimiters.element)


class Run(NamedTuple):
    """Segments found and checked as one run of bytes: a loop 2300 (``tag`` is ``CLM``: CLM
    up to the segment before the next CLM, HL, SE or envelope segment), or the segments
    between claims inside a transaction set (BHT, loops 1000A/B and 2000A/B/C: up to the next
    CLM or envelope segment). ``raw`` is every byte of them, ``number`` the first segment's
    number, ``size`` how many segments the run holds and ``tag`` the first one's id."""

    number: int
    size: int
    raw: bytes
    delimiters: Delimiters
    tag: str


def _error(message: str, number: int) -> AdapterError:
    return AdapterError(message, position=f"segment {number}")


def parse_isa(head: bytes, number: int) -> Delimiters:
    """Delimiters from the 106 fixed-width bytes of an ISA segment."""
    if len(head) < ISA_LENGTH:
        raise _error("truncated ISA segment: an ISA is 106 characters", number)
    if head[:3] != b"ISA":
        raise _error("not an X12 interchange: expected an ISA segment", number)
    text = head[:ISA_LENGTH].decode("latin-1")
    element, repetition, component, segment = text[3], text[82], text[104], text[105]
    fields = text[:105].split(element)
    if len(fields) != 17:
        raise _error(
            f"ISA has {len(fields) - 1} elements instead of 16 (wrong ISA length or delimiters)",
            number,
        )
    if not all(fields[k] == "" or len(fields[k]) == n for k, n in _ISA_WIDTHS.items()):
        raise _error("ISA elements are not fixed width (wrong ISA length)", number)
    chosen = (element, component, segment)
    # a newline may end segments (some senders do), but may not separate elements
    unusable = [c.isalnum() or c in " \r\n" for c in (element, component)]
    if any(unusable) or segment.isalnum() or segment == " " or len(set(chosen)) != 3:
        raise _error("ISA declares unusable delimiters", number)
    if repetition.isalnum() or repetition in chosen:
        repetition = "^" if element != "^" else "\x00"  # 00401 ISA11 is a standards id (U)
    return Delimiters(element=element, repetition=repetition, component=component, segment=segment)


# ISA element widths (X12.5): elements 1..16 are fixed width; a wrong width means the ISA
# is not 106 characters and every later delimiter position is off.
_ISA_WIDTHS = {1: 2, 2: 10, 3: 2, 4: 10, 5: 2, 6: 15, 7: 2, 8: 15, 9: 6, 10: 4, 12: 5, 13: 9}


def _is_tag(tag: str) -> bool:
    return 2 <= len(tag) <= 3 and tag.isascii() and tag.isalnum() and tag[0].isalpha()


def _skip_to_isa(buffer: bytes, number: int) -> bytes:
    """*buffer* without the line breaks (and, at the start of a file, a UTF-8 byte order mark
    some Windows tools add) in front of an ISA; they are kept as the ISA's prefix."""
    stripped = buffer.lstrip(_WHITESPACE)
    if number == 0 and stripped.startswith(_BOM):
        stripped = stripped[len(_BOM) :].lstrip(_WHITESPACE)
    return stripped


class _Chunks:
    """The input's chunks, taken one at a time as the buffer needs more."""

    __slots__ = ("_chunks", "exhausted")

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self.exhausted = False

    def take(self) -> bytes:
        """The next non-empty chunk, or ``b""`` (and ``exhausted``) at the end of input."""
        for chunk in self._chunks:
            if chunk:
                return chunk
        self.exhausted = True
        return b""


def _interchange(buffer: bytes, number: int, source: _Chunks) -> tuple[Segment | None, bytes]:
    """Between interchanges: whitespace, then an ISA of 106 fixed-width bytes. Returns the ISA
    segment and the bytes after it; at the end of input, the trailing line breaks after the
    last IEA as a segment without a tag (None if there are none) and no bytes."""
    stripped = _skip_to_isa(buffer, number)
    while len(stripped) < ISA_LENGTH and not source.exhausted:
        more = source.take()
        if not more:
            break
        buffer += more
        stripped = _skip_to_isa(buffer, number)
    if not stripped:
        if number == 0:
            raise _error("empty input", 1)
        tail = Segment(number + 1, "", buffer, len(buffer), _NO_DELIMITERS) if buffer else None
        return tail, b""
    prefix_length = len(buffer) - len(stripped)
    delimiters = parse_isa(stripped, number + 1)
    end = prefix_length + ISA_LENGTH
    return Segment(number + 1, "ISA", buffer[:end], prefix_length, delimiters), buffer[end:]


def _more(buffer: bytes, number: int, source: _Chunks) -> bytes:
    """*buffer*, which holds no complete segment, with the next chunk; or the error that says
    why no segment will come (too long to be X12, truncated input)."""
    if len(buffer) > _MAX_SEGMENT:
        raise _error("no segment terminator found: not X12 or binary data", number + 1)
    more = source.take()
    if more:
        return buffer + more
    if buffer.strip(_WHITESPACE):
        raise _error("input ends inside a segment (truncated)", number + 1)
    raise _error("input ends before the interchange trailer IEA (truncated)", number + 1)


def _new_tag(head: bytes, number: int, tags: dict[bytes, str]) -> str:
    """The text of segment id *head*, checked the first time a file uses it (then kept in
    *tags*, so the hot loops pay one dict lookup per segment)."""
    tag = head.decode("latin-1")
    if not _is_tag(tag):
        raise _error("not an X12 segment (bad segment id or binary data)", number)
    tags[head] = tag
    return tag


def tokenize(chunks: Iterable[bytes]) -> Iterator[Segment]:
    """Split *chunks* into segments. Raises ``AdapterError`` (with a segment position) for
    input that is not X12: no ISA, a bad ISA, a segment id that is not one, a segment without
    its terminator at the end of input. Envelope counts are the reader's job."""
    buffer = b""
    number = 0
    delimiters: Delimiters | None = None
    terminator = separator = b""
    tags: dict[bytes, str] = {}  # segment ids already checked, and their text
    source = _Chunks(chunks)
    while True:
        if delimiters is None:
            isa, buffer = _interchange(buffer, number, source)
            if isa is None or not isa.tag:
                if isa is not None:
                    yield isa
                return
            delimiters = isa.delimiters
            terminator = delimiters.terminator
            separator = delimiters.element.encode("latin-1")
            number += 1
            yield isa
            continue
        cut = buffer.find(terminator)
        if cut < 0:
            buffer = _more(buffer, number, source)
            continue
        # Split every complete segment in the buffer at once (the hot loop).
        parts = buffer.split(terminator)
        buffer = parts.pop()
        for index, part in enumerate(parts):
            body = part.lstrip(_WHITESPACE)
            head = body[:4].partition(separator)[0]
            number += 1
            tag = tags.get(head) or _new_tag(head, number, tags)
            yield Segment(number, tag, part + terminator, len(part) - len(body), delimiters)
            if tag == "IEA":
                # The next interchange may declare other delimiters: re-read from its ISA.
                rest = terminator.join(parts[index + 1 :])
                buffer = (rest + terminator + buffer) if index + 1 < len(parts) else buffer
                delimiters = None
                break


_NO_DELIMITERS = Delimiters(element="*", repetition="^", component=":", segment="~")


ENVELOPE_TAGS = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})
# A loop 2300 ends at the next CLM or HL or at the SE (005010X222A1 loop structure), the
# segments between claims at the next CLM; an envelope segment ends either kind of run (the
# reader checks it on its own, and inside a claim it is an error the reader reports).
_CLAIM_ENDS = ("CLM", "HL", *sorted(ENVELOPE_TAGS))
_OTHER_ENDS = ("CLM", *sorted(ENVELOPE_TAGS))


@cache
def _run_patterns(terminator: bytes, separator: bytes) -> tuple[re.Pattern[bytes], ...]:
    """(where a claim run ends, where another run ends, a terminator *not* followed by a
    well-formed segment id) for one pair of delimiters.

    A segment id is 2-3 ASCII letters or digits, the first a letter, ended by the element
    separator or the terminator: what ``_is_tag`` accepts, as a pattern. The whitespace a
    segment id may follow is the tokenizer's, less the terminator itself (a newline may end
    segments: then an empty line is an empty segment, not a line break)."""
    t, s = re.escape(terminator), re.escape(separator)
    ahead = rb"(?=" + s + b"|" + t + b")"

    def ends(tags: tuple[str, ...]) -> re.Pattern[bytes]:
        alternatives = b"|".join(tag.encode() for tag in tags)
        return re.compile(t + rb"[\r\n \t]*(?:" + alternatives + b")" + ahead)

    # after a terminator (a run's first segment is checked before the run is looked for):
    # starting with the terminator itself lets the engine skip ahead to each one. One
    # search for the first terminator without a segment id after it costs half of
    # counting the terminators with one.
    space = re.escape(bytes(c for c in _WHITESPACE if c != terminator[0]))
    odd = re.compile(t + rb"(?![" + space + rb"]*[A-Za-z][A-Za-z0-9]{1,2}" + ahead + b")")
    return ends(_CLAIM_ENDS), ends(_OTHER_ENDS), odd


def tokenize_runs(chunks: Iterable[bytes]) -> Iterator[Segment | Run]:
    """``tokenize``, except that only envelope segments come one ``Segment`` at a time:
    everything else comes as ``Run``s (each loop 2300, and the segments between claims),
    whose end is found and whose segment ids are checked by regular expressions over the
    run's bytes, so the reader's per-segment work is spent where it reads something. The
    same input is refused with the same error at the same segment number as ``tokenize``,
    and what comes before a bad segment id is yielded before the error, as there."""
    buffer = b""
    number = 0
    delimiters: Delimiters | None = None
    terminator = separator = b""
    claim_end = other_end = odd_terminator = re.compile(b"")
    tags: dict[bytes, str] = {}
    source = _Chunks(chunks)
    while True:
        if delimiters is None:
            isa, buffer = _interchange(buffer, number, source)
            if isa is None or not isa.tag:
                if isa is not None:
                    yield isa
                return
            delimiters = isa.delimiters
            terminator = delimiters.terminator
            separator = delimiters.element.encode("latin-1")
            claim_end, other_end, odd_terminator = _run_patterns(terminator, separator)
            number += 1
            yield isa
            continue
        position = 0
        waiting = False  # for the end of a run that lies beyond the buffer
        while True:
            cut = buffer.find(terminator, position)
            if cut < 0:
                break
            part = buffer[position:cut]
            body = part.lstrip(_WHITESPACE)
            head = body[:4].partition(separator)[0]
            tag = tags.get(head) or _new_tag(head, number + 1, tags)
            if tag not in ENVELOPE_TAGS:
                found = (claim_end if tag == "CLM" else other_end).search(buffer, cut)
                if found is None and not source.exhausted:
                    waiting = True
                    break
                stop = found.start() + 1 if found else buffer.rfind(terminator) + 1
                raw = buffer[position:stop]
                size = raw.count(terminator)
                # the last terminator ends the run: the first odd one must be that one
                odd = odd_terminator.search(raw)
                if odd is None or odd.end() != len(raw):
                    good, bad = _good_part(raw, terminator, separator)
                    yield Run(number + 1, bad - 1, good, delimiters, tag)
                    raise _error("not an X12 segment (bad segment id or binary data)", number + bad)
                yield Run(number + 1, size, raw, delimiters, tag)
                number += size
                position = stop
                continue
            number += 1
            yield Segment(number, tag, part + terminator, len(part) - len(body), delimiters)
            position = cut + 1
            if tag == "IEA":
                delimiters = None
                break
        buffer = buffer[position:]
        if delimiters is None:
            continue
        # a run's end lies beyond the buffer (a chunk more), or no segment is complete
        buffer = buffer + source.take() if waiting else _more(buffer, number, source)


def _good_part(raw: bytes, terminator: bytes, separator: bytes) -> tuple[bytes, int]:
    """The segments of a run before its first bad segment id, and that segment's position
    in the run (1-based; the first segment was checked before the run was looked for)."""
    parts = raw.split(terminator)[:-1]
    for offset, part in enumerate(parts[1:], 2):
        tag = part.lstrip(_WHITESPACE)[:4].partition(separator)[0].decode("latin-1")
        if not _is_tag(tag):
            return b"".join(p + terminator for p in parts[: offset - 1]), offset
    raise AssertionError("a run failed its check but every segment id is well formed")
