"""Build the core ``Claim`` from one loop 2300 and the 2000A/B/C context above it.

Element positions follow the 005010X222A1 TR3 as machine-read from pyx12's map
(``837.5010.X222.A1.xml``): CLM01 patient control number, CLM02 total charge,
CLM05-1 place of service, CLM05-3 frequency; HI diagnosis codes; REF*F8 the payer claim
control number; NTE*ADD/DCP the one provider note; PWK the supplemental information
(attachments); NM1*82 in loop 2310B the rendering provider. The service lines (loops 2400)
are read by ``scrubber_x12.lines``.

Anything this module cannot understand raises ``ClaimProblem`` with a message naming segment
numbers only (never a value, which could be PHI); the reader then passes the claim through
unchanged.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from scrubber import Attachment, Claim
from scrubber_x12.lines import read_lines
from scrubber_x12.payloads import ClaimBlock
from scrubber_x12.values import (
    ClaimProblem,
    attachment_from_pwk,
    element,
    note_text,
    parse_decimal,
    source,
)

__all__ = [
    "ClaimContext",
    "ClaimProblem",
    "build_claim",
]

DIAGNOSIS_QUALIFIERS = frozenset(
    {"ABK", "ABF", "BK", "BF"}
)  # ICD-10-CM / ICD-9-CM principal, other


class ClaimContext(NamedTuple):
    """What a claim inherits from loops 2000A (billing provider), 2000B (subscriber, payer)
    and 2000C (patient). Keys are opaque hashes; raw member ids are never kept. A NamedTuple:
    one is made per claim, and a frozen dataclass costs several times more to make."""

    billing_npi: str | None = None
    billing_taxonomy: str | None = None
    billing_tin: str | None = None
    payer_id: str | None = None
    payer_name: str | None = None
    filing_indicator: str | None = None
    subscriber_key: str = ""
    patient_key: str = ""


_WHITESPACE = "\r\n \t"  # line breaks a sender may put between segments (the tokenizer's)


@cache
def _gap(terminator: str) -> re.Pattern[str]:
    """A terminator followed by whitespace: only a claim that has one needs its segments
    stripped (most files have no line breaks, or none inside a claim run)."""
    return re.compile(f"{re.escape(terminator)}[{_WHITESPACE}]")


def build_claim(block: ClaimBlock, context: ClaimContext) -> Claim:
    """The ``Claim`` of *block*; ``ClaimProblem`` if it cannot be understood.

    The block's bytes are decoded and split into segments once: every segment number is
    ``block.number`` plus its index. Loop 2300's own segments are split into elements here,
    the lines by ``read_lines``."""
    delimiters = block.delimiters
    component, separator = delimiters.component, delimiters.element
    terminator = delimiters.segment
    text = block.raw.decode("latin-1")
    segments = text.split(terminator)
    segments.pop()  # what follows the last terminator: nothing
    if _gap(terminator).search(text):
        segments = [segment.lstrip(_WHITESPACE) for segment in segments]
    else:
        segments[0] = segments[0].lstrip(_WHITESPACE)  # the line break before the CLM
    first = block.number
    clm = segments[0].split(separator)
    claim_id = element(clm, 1)
    if not claim_id:
        raise ClaimProblem(f"CLM01 is empty (segment {first})")
    total = parse_decimal(element(clm, 2), "CLM02 total charge", first)
    facility = element(clm, 5).split(component)
    diagnoses: list[str] = []
    note = rendering = original_ref = None
    attachments: list[Attachment] = []
    lx_head = f"LX{separator}"
    in_2300 = True  # until an SBR: loops 2320/2330 (other payers) are not this claim's data
    index, count = 1, len(segments)
    while index < count:
        segment = segments[index]
        if segment[:3] == lx_head or segment == "LX":
            break
        index += 1
        if not in_2300:
            continue
        elements = segment.split(separator)
        tag = elements[0]
        if tag == "SBR":
            in_2300 = False
        elif tag == "NM1":
            if element(elements, 1) == "82" and element(elements, 8) == "XX":
                rendering = element(elements, 9) or None
        elif tag == "HI":
            for composite in elements[1:]:
                codes = composite.split(component)
                if codes[0] in DIAGNOSIS_QUALIFIERS and len(codes) > 1 and codes[1]:
                    diagnoses.append(codes[1])
        elif tag == "NTE":
            # The first provider note is the one a writer merges into, so reading it (not a
            # later repeat) keeps a second scrub from merging the same text again.
            note = note or note_text(elements)
        elif tag == "PWK":
            attachments.append(attachment_from_pwk(elements, first + index - 1))
        elif tag == "REF" and element(elements, 1) == "F8":
            # the payer claim control number (on a replacement or void, frequency 7 or 8)
            original_ref = element(elements, 2) or None
    if index == count:
        raise ClaimProblem(f"claim has no service line (loop 2300 at segment {first})")
    lines = read_lines(segments, index, first, separator, component)
    # the id is not empty, the total a number, the lines numbered 1..n: no checks again
    return _make_claim(
        claim_id, tuple(lines), total, *context, rendering, original_ref,
        (facility[2] if len(facility) > 2 else "") or "1", facility[0] or None,
        tuple(diagnoses), note, tuple(attachments), source(first),
    )  # fmt: skip


# By position (a claim is made per claim read: keywords cost three times more); ClaimContext's
# fields are Claim fields of the same names, taken in its order.
_make_claim = Claim.trusted_maker(
    "id", "lines", "total_charge", *ClaimContext._fields, "rendering_npi", "original_ref",
    "frequency_code", "place_of_service", "diagnosis_codes", "note", "attachments", "source",
)  # fmt: skip
