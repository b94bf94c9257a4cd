"""Render a fixed claim over the loop 2300 it was read from (docs/architecture.md, "Writers
render the fixed claim").

Each output line copies the loop 2400 of the input line it descends from (``line.origin``),
sub-loops 2410/2420/2430 included, and rewrites only what the fix algebra can change: SV101
code and modifiers, SV102 charge, SV103 unit basis, SV104 units, LX01, REF*6R, the one line
NTE and new PWK segments. A segment the line did not have is inserted where the 005010X222A1
TR3 puts it (segment order of loops 2300 and 2400 in pyx12's ``837.5010.X222.A1.xml``), so the
output stays valid. A line whose fields all equal its origin's is copied byte for byte.

A claim that ends up with more than 50 lines (loop 2400 repeats 50 in the 837P TR3) is written
as several 2300 loops of at most 50 lines in the same 2000B/2000C context, CLM01 suffixed
``-A``, ``-B`` ... (CLM01 is at most 38 characters), each CLM02 the sum of its own lines so
every part balances; any imbalance the input already had stays on the first part.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, localcontext
from functools import lru_cache
from string import ascii_uppercase

from scrubber import Attachment, Claim, ServiceLine, added_attachments, line_delta
from scrubber_x12.payloads import ClaimBlock
from scrubber_x12.tokenizer import Delimiters
from scrubber_x12.values import MAX_LINES as CLAIM_MAX_LINES
from scrubber_x12.values import NOTE_CODES

__all__ = ["MAX_LINES", "MAX_NOTE", "MAX_PWK", "clip_note", "format_like", "render_claim"]

MAX_LINES = CLAIM_MAX_LINES  # loop 2400 repeat
MAX_NOTE = 80  # NTE02, AN 1-80
MAX_PWK = 10  # PWK repeat in 2300 and in 2400
MAX_CLAIM_ID = 38  # CLM01, AN 1-38
TRUNCATED = "..."  # ASCII: the X12 basic character set has no ellipsis

# IG segment order inside loop 2400 before its sub-loops (pyx12 map, loop 2400).
_LINE_ORDER = {
    "LX": 0, "SV1": 1, "SV5": 2, "PWK": 3, "PWK/CT": 4, "CR1": 5, "CR3": 6, "CRC": 7,
    "DTP": 8, "QTY": 9, "MEA": 10, "CN1": 11, "REF/9B": 12, "REF/9D": 12, "REF/G1": 12,
    "REF/6R": 13, "REF": 14, "AMT": 15, "K3": 16, "NTE": 17, "NTE/TPO": 18, "PS1": 19, "HCP": 20,
}  # fmt: skip
_LINE_SUBLOOPS = frozenset({"LIN", "NM1", "SVD", "LQ"})
# IG segment order inside loop 2300 before loops 2310-2330 (pyx12 map, loop 2300).
_CLAIM_ORDER = {
    "CLM": 0, "DTP": 1, "PWK": 2, "CN1": 3, "AMT": 4, "REF": 5, "K3": 6, "NTE": 7,
    "CR1": 8, "CR2": 9, "CRC": 10, "HI": 11, "HCP": 12,
}  # fmt: skip
_CLAIM_SUBLOOPS = frozenset({"NM1", "SBR", "LX"})


def format_like(value: Decimal, original: str) -> str:
    """*value* written the way *original* was: the same number of decimals when that loses
    nothing (``100.00`` stays two-decimal), else the shortest exact form."""
    decimals = len(original.partition(".")[2]) if "." in original else 0
    text = str(value)  # already that form (a prorated charge in cents, whole units): as it is
    shown = len(text.partition(".")[2]) if "." in text else 0
    if shown == decimals and "E" not in text and text[-1:].isdigit():
        return text
    with localcontext() as exact:  # round() needs room for every digit of a large value
        exact.prec = max(exact.prec, len(value.as_tuple().digits) + decimals + 2)
        if value == round(value, decimals):
            return f"{value:.{decimals}f}"
    text = format(value.normalize(), "f")
    return text


@lru_cache(maxsize=1024)
def clip_note(text: str, delimiters: Delimiters) -> str:
    """The note as NTE02 can carry it: delimiters and non-ASCII removed, at most 80
    characters, truncation marked with an ASCII ``...``. Kept for the batch: an edit writes
    the same few notes on claim after claim."""
    clean = " ".join(delimiters.clean(text).split())
    if len(clean) <= MAX_NOTE:
        return clean
    return clean[: MAX_NOTE - len(TRUNCATED)].rstrip() + TRUNCATED


class _Loop:
    """The segments of one loop being rewritten: their bytes with their order key.

    ``keys`` and ``parts`` run in parallel; a part is one segment's bytes, the whitespace in
    front of it included, its terminator not (``joined()`` puts the terminators back, so a
    segment copied as read costs nothing more than the split). ``end`` is the index of the
    first segment of a sub-loop (loops 2410-2430 of a line, 2310-2330 of a claim), or the
    number of segments when there is none: segments are found, counted and inserted only
    before it. Keys are worked out once, from the segments' bytes, when the loop is split."""

    __slots__ = ("delimiters", "element", "end", "keys", "order", "parts", "terminator")

    def __init__(
        self,
        raw: bytes,
        delimiters: Delimiters,
        order: dict[str, int],
        subloops: frozenset[str],
    ) -> None:
        element = self.element = delimiters.element
        self.terminator = delimiters.terminator
        separator = element.encode("latin-1")
        parts = self.parts = raw.split(self.terminator)
        parts.pop()  # what follows the last terminator: nothing
        keys = self.keys = [_key(part, element, separator) for part in parts]
        end = len(keys)
        for index in range(1, end):
            if keys[index] in subloops:  # a sub-loop starts with a tag that has no qualifier
                end = index
                break
        self.end = end
        self.delimiters = delimiters
        self.order = order

    def joined(self) -> bytes:
        """The loop's bytes: each segment with its terminator."""
        terminator = self.terminator
        return terminator.join(self.parts) + terminator

    def make(self, elements: Sequence[str], prefix: bytes) -> bytes:
        return prefix + self.element.join(elements).rstrip(self.element).encode("latin-1")

    def find(self, key: str) -> int | None:
        keys = self.keys
        wanted = key + "/"
        for index in range(self.end):
            item_key = keys[index]
            if item_key == key or item_key.startswith(wanted):
                return index
        return None

    def elements(self, index: int) -> list[str]:
        return self.parts[index].lstrip(_SPACE).decode("latin-1").split(self.element)

    def replace(self, index: int, elements: Sequence[str]) -> None:
        self.parts[index] = self.make(elements, _prefix(self.parts[index]))

    def remove(self, index: int) -> None:
        del self.keys[index], self.parts[index]
        if index < self.end:
            self.end -= 1

    def insert(self, key: str, elements: Sequence[str]) -> None:
        """Insert a segment after the last one that the IG orders before or with it (after
        the loop's first segment when none is), with the whitespace the loop's first segment
        has in front of it. The search runs backwards: input in IG order stops at once."""
        order = self.order
        rank = order[key] if key in order else order[key.partition("/")[0]]
        keys = self.keys
        at = 1
        for index in range(self.end - 1, 0, -1):
            item_key = keys[index]
            item_rank = order.get(item_key)
            if item_rank is None:
                item_rank = order.get(item_key.partition("/")[0])
            if item_rank is not None and item_rank <= rank:
                at = index + 1
                break
        keys.insert(at, key)
        self.parts.insert(at, self.make(elements, _prefix(self.parts[0])))
        self.end += 1

    def count(self, key: str) -> int:
        return self.keys[: self.end].count(key)


_SPACE = b"\r\n \t"  # what may stand before a segment (kept as its prefix)


_SPACE_FIRST = frozenset(bytes([b]) for b in _SPACE)


def _prefix(raw: bytes) -> bytes:
    """The whitespace in front of a segment: most often none, told by its first byte."""
    if raw[:1] not in _SPACE_FIRST:
        return b""
    return raw[: len(raw) - len(raw.lstrip(_SPACE))]


def _elements(raw: bytes, delimiters: Delimiters) -> list[str]:
    """``[tag, e01, e02, ...]`` of one segment's bytes (prefix and terminator dropped)."""
    return raw[:-1].lstrip(_SPACE).decode("latin-1").split(delimiters.element)


def _key(part: bytes, element: str, separator: bytes) -> str:
    """The segment's tag, with the qualifier that tells apart the REF, PWK and NTE segments
    the writer places (``REF/6R``; ``NTE`` for the one claim or line note). *part* is the
    segment's bytes without its terminator, *separator* the element separator, encoded."""
    body = part.lstrip(_SPACE)
    tag = body[:4].partition(separator)[0].decode("latin-1")
    if tag in ("REF", "PWK", "NTE"):
        # the first element: what follows the tag's separator, up to the next one
        qualifier = body[len(tag) + 1 :].partition(separator)[0].decode("latin-1")
        if tag == "NTE" and qualifier in NOTE_CODES:
            return "NTE"
        if tag == "PWK" and qualifier != "CT":
            return "PWK"
        return f"{tag}/{qualifier}"
    return tag


def _pwk(attachment: Attachment, delimiters: Delimiters) -> list[str]:
    """PWK01 report type, PWK02 transmission; PWK05 AC + PWK06 the control number, never
    with AA (Stedi claim edit)."""
    elements = ["PWK", delimiters.clean(attachment.report_type), attachment.transmission]
    if attachment.control_number and attachment.transmission != "AA":
        elements += ["", "", "AC", delimiters.clean(attachment.control_number)[:80]]
    return elements


def _set_note(loop: _Loop, note: str | None) -> None:
    index = loop.find("NTE")
    if not note:
        if index is not None:
            loop.remove(index)
        return
    text = clip_note(note, loop.delimiters)
    if index is None:
        loop.insert("NTE", ["NTE", "ADD", text])
    else:
        elements = loop.elements(index)
        loop.replace(index, [elements[0], elements[1], text, *elements[3:]])


def _note_full(before: str | None, after: str | None) -> bool:
    """The note was already cut (it ends in ``...``), the fixes only appended to it, and the
    result does not fit NTE02's 80 characters: nothing more can be shown, so the NTE stays as
    it was (rewriting it would cut one more character each time the claim is scrubbed)."""
    return bool(
        before
        and after
        and before.endswith(TRUNCATED)
        and after.startswith(before)
        and len(after) > MAX_NOTE
    )


def _add_attachments(loop: _Loop, new: Sequence[Attachment]) -> None:
    if not new:
        return
    room = MAX_PWK - loop.count("PWK")
    for attachment in new[: max(room, 0)]:
        loop.insert("PWK", _pwk(attachment, loop.delimiters))


def _render_line(
    line: ServiceLine, number: int, origin: ServiceLine, loop_raw: bytes, delimiters: Delimiters
) -> tuple[bytes, int]:
    """The loop 2400 of output *line* (number *number*) over the bytes of its origin's loop,
    and how many segments it holds; the origin's bytes as they are when nothing changed."""
    delta = line_delta(line, origin)
    changed = delta.changed
    if number == origin.number and not changed:
        return loop_raw, loop_raw.count(delimiters.terminator)
    loop = _Loop(loop_raw, delimiters, _LINE_ORDER, _LINE_SUBLOOPS)
    lx = loop.elements(0)
    lx01 = str(number)
    if lx[1:2] != [lx01]:
        loop.replace(0, ["LX", lx01, *lx[2:]])
    if changed:
        sv1_index = loop.find("SV1")
        assert sv1_index is not None  # the reader refuses a 2400 without SV1
        loop.replace(sv1_index, _sv1(loop.elements(sv1_index), line, delimiters.component))
        if delta.control_number:
            index = loop.find("REF/6R")
            if line.control_number is None:
                if index is not None:
                    loop.remove(index)
            else:
                control = delimiters.clean(line.control_number)[:50]
                if index is None:
                    loop.insert("REF/6R", ["REF", "6R", control])
                else:
                    loop.replace(index, ["REF", "6R", control, *loop.elements(index)[3:]])
        if delta.note and not _note_full(origin.note, line.note):
            _set_note(loop, line.note)
        _add_attachments(loop, delta.attachments)
    return loop.joined(), len(loop.parts)


def _sv1(sv1: list[str], line: ServiceLine, component: str) -> list[str]:
    """SV1's elements with *line*'s code, modifiers, charge, unit basis and units (SV101-2,
    SV101-3 to -6, SV102, SV103, SV104); the description (SV101-7) and the rest as read."""
    while len(sv1) < 5:
        sv1.append("")
    composite = sv1[1].split(component)
    description = composite[6:7]
    modifiers = list(line.modifiers) + [""] * (4 - len(line.modifiers))
    parts = [composite[0], line.code, *modifiers, *description]
    while parts and not parts[-1]:
        parts.pop()
    sv1[1] = component.join(parts)
    sv1[2] = format_like(line.charge, sv1[2])
    sv1[3] = line.unit_basis
    sv1[4] = format_like(line.units, sv1[4])
    return sv1


def _part_ids(claim_id: str, parts: int) -> list[str]:
    if parts == 1:
        return [claim_id]
    suffixes = ["-" + (ascii_uppercase[k] if k < 26 else str(k + 1)) for k in range(parts)]
    return [claim_id[: MAX_CLAIM_ID - len(s)] + s for s in suffixes]


def _render_header(
    header: bytes, delimiters: Delimiters, read: Claim, fixed: Claim, claim_id: str, total: Decimal
) -> tuple[list[bytes], int]:
    """The claim-level segments (CLM up to the first LX) for one loop 2300 of *fixed*, and how
    many there are. Most fixes touch lines only: then CLM01/CLM02 are all that can change, and
    the segments after the CLM are copied as one run of bytes."""
    note = fixed.note != read.note and not _note_full(read.note, fixed.note)
    added = added_attachments(read.attachments, fixed.attachments)
    if not note and not added:
        end = header.find(delimiters.terminator) + 1
        clm_raw = header[:end]
        clm = _elements(clm_raw, delimiters)
        new_total = format_like(total, clm[2]) if total != read.total_charge else clm[2]
        if clm[1] != claim_id or clm[2] != new_total:
            body = delimiters.element.join([clm[0], claim_id, new_total, *clm[3:]])
            clm_raw = (
                _prefix(clm_raw)
                + body.rstrip(delimiters.element).encode("latin-1")
                + delimiters.terminator
            )
        return [clm_raw, header[end:]], header.count(delimiters.terminator)
    loop = _Loop(header, delimiters, _CLAIM_ORDER, _CLAIM_SUBLOOPS)
    clm = loop.elements(0)
    new_total = format_like(total, clm[2]) if total != read.total_charge else clm[2]
    if clm[1] != claim_id or clm[2] != new_total:
        loop.replace(0, [clm[0], claim_id, new_total, *clm[3:]])
    if note:
        _set_note(loop, fixed.note)
    _add_attachments(loop, added)
    return [loop.joined()], len(loop.parts)


def render_claim(block: ClaimBlock, read: Claim, fixed: Claim) -> tuple[bytes, int]:
    """The bytes that stand for *fixed* (one or more loops 2300) and how many segments they
    hold. A line that no fix touched and that keeps its number is its input loop's bytes."""
    header, loops = block.loops()
    delimiters = block.delimiters
    terminator = delimiters.terminator
    fixed_lines = fixed.lines
    if len(fixed_lines) <= MAX_LINES:
        groups: list[tuple[ServiceLine, ...]] = [fixed_lines]
    else:
        groups = [fixed_lines[k : k + MAX_LINES] for k in range(0, len(fixed_lines), MAX_LINES)]
    ids = _part_ids(fixed.id, len(groups))
    read_lines = read.lines
    out: list[bytes] = []
    count = 0
    for index, (claim_id, lines) in enumerate(zip(ids, groups, strict=True)):
        if len(groups) == 1:
            total = fixed.total_charge
        else:
            total = sum((ln.charge for ln in lines), Decimal("0"))
            if index == 0:
                total += fixed.total_charge - fixed.line_charge_total  # the input's imbalance
        segments, size = _render_header(header, delimiters, read, fixed, claim_id, total)
        out += segments
        count += size
        for number, line in enumerate(lines, 1):
            at = line.origin - 1
            origin = read_lines[at]
            if line is origin and number == line.number:  # no fix touched it
                rendered = loops[at]
                count += rendered.count(terminator)
            else:
                rendered, size = _render_line(line, number, origin, loops[at], delimiters)
                count += size
            out.append(rendered)
    return b"".join(out), count
