"""Build the core ``Claim`` from one loop 2300 and the 2000A/B/C context above it.

Element positions follow the 005010X222A1 TR3 as machine-read from pyx12's map
(``837.5010.X222.A1.xml``): CLM01 patient control number, CLM02 total charge,
CLM05-1 place of service, CLM05-3 frequency; SV101 composite ``HC:code:mod1..mod4``, SV102
charge, SV103 unit basis (UN units, MJ minutes), SV104 quantity, SV105 place of service,
SV107 diagnosis pointers; DTP*472 service date (D8 or RD8); REF*6R line item control number;
NTE*ADD/DCP the one provider note; PWK the supplemental information (attachments).

Anything this module cannot understand raises ``ClaimProblem`` with a message naming segment
numbers only (never a value, which could be PHI); the reader then passes the claim through
unchanged.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from scrubber import Attachment, Claim, ServiceLine, SourceRef
from scrubber_x12.payloads import ClaimBlock

__all__ = ["ClaimContext", "ClaimProblem", "build_claim", "parse_decimal"]

FORMAT = "x12"
MAX_LINES = 50  # loop 2400 repeats at most 50 times per claim (005010X222A1 TR3)
_NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
DIAGNOSIS_QUALIFIERS = frozenset(
    {"ABK", "ABF", "BK", "BF"}
)  # ICD-10-CM / ICD-9-CM principal, other
NOTE_CODES = frozenset({"ADD", "CER", "DCP", "DGN"})  # provider notes; TPO belongs to repricers


class ClaimProblem(Exception):
    """One claim cannot be understood; the message names segments only."""


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


# 005010X222A1 element sizes (type R, digits counted without sign or decimal point): CLM02 and
# SV102 are amounts of at most 18 digits with at most 2 decimal places, SV104 a quantity of at
# most 15 digits. A larger value is bad input for its claim, never arithmetic on it.
MONEY_DIGITS = 18
MONEY_DECIMALS = 2
QUANTITY_DIGITS = 15

# A batch repeats the same few hundred dates and unit counts, and many charges: each text is
# parsed once (Decimal and date are immutable, so one value serves every line that has it).
_CACHE_MAX = 8192
_DECIMALS: dict[tuple[str, int, int], Decimal] = {}
_DATES: dict[str, date] = {}


def parse_decimal(
    text: str,
    what: str,
    number: int,
    *,
    digits: int = MONEY_DIGITS,
    decimals: int = MONEY_DECIMALS,
) -> Decimal:
    key = (text, digits, decimals)
    value = _DECIMALS.get(key)
    if value is not None:
        return value
    if not _NUMBER.match(text):
        raise ClaimProblem(f"{what} is not a number (segment {number})")
    whole, _, fraction = text.lstrip("-").partition(".")
    if len(whole) + len(fraction) > digits or len(fraction) > decimals:
        places = f" or {decimals} decimal places" if decimals < digits else ""
        raise ClaimProblem(
            f"{what} has more than {digits} digits{places}, beyond 005010X222A1 (segment {number})"
        )
    value = Decimal(text)
    if len(_DECIMALS) < _CACHE_MAX:
        _DECIMALS[key] = value
    return value


def parse_date(text: str, number: int) -> date:
    value = _DATES.get(text)
    if value is not None:
        return value
    if len(text) != 8 or not text.isdigit():
        raise ClaimProblem(f"date is not CCYYMMDD (segment {number})")
    try:
        value = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise ClaimProblem(f"date does not exist (segment {number})") from None
    if len(_DATES) < _CACHE_MAX:
        _DATES[text] = value
    return value


def _element(elements: list[str], index: int) -> str:
    return elements[index] if index < len(elements) else ""


def attachment_from_pwk(elements: list[str], number: int) -> Attachment:
    """PWK01 report type, PWK02 transmission, PWK05 = AC with PWK06 the control number."""
    control = _element(elements, 6) if _element(elements, 5) == "AC" else ""
    try:
        return Attachment(
            report_type=_element(elements, 1),
            transmission=_element(elements, 2),
            control_number=control or None,
        )
    except ValueError:
        raise ClaimProblem(f"PWK cannot be understood (segment {number})") from None


def _note(elements: list[str]) -> str | None:
    if _element(elements, 1) in NOTE_CODES and _element(elements, 2):
        return elements[2]
    return None


def _source(number: int) -> SourceRef:
    return SourceRef.trusted(f"segment {number}", number, FORMAT, MAX_LINES)


def _padded(elements: list[str], size: int) -> list[str]:
    """*elements* padded with ``""`` to at least *size*: absent trailing elements read as
    empty without a bounds test per element (the hot path reads ~12 per line)."""
    if len(elements) < size:
        elements += [""] * (size - len(elements))
    return elements


_SUBLOOP_TAGS = frozenset({"LIN", "SVD", "LQ", "NM1"})  # loops 2410, 2430, 2440; 2420A-H


def _line(
    segments: list[list[str]], start: int, end: int, position: int, first: int, component: str
) -> ServiceLine:
    """Loop 2400 from its split segments ``segments[start:end]`` (LX first); *first* is the
    segment number of ``segments[0]``, so segment ``k`` is number ``first + k``."""
    lx_number = first + start
    sv1: list[str] | None = None
    sv1_number = lx_number
    dates: tuple[date, date | None] | None = None
    control = note = rendering = None
    attachments: list[Attachment] = []
    in_subloop = False
    for index in range(start + 1, end):
        elements = segments[index]
        tag = elements[0]
        if in_subloop or tag in _SUBLOOP_TAGS:
            in_subloop = True
            if tag == "NM1":
                elements = _padded(elements, 10)
                if elements[1] == "82" and elements[8] == "XX":
                    rendering = elements[9] or None
            continue
        if tag == "SV1":
            if sv1 is not None:  # the TR3 allows one SV1 per loop 2400: which one bills?
                raise ClaimProblem(
                    f"loop 2400 at segment {lx_number} has a second SV1 (segment "
                    f"{first + index}); 005010X222A1 allows one per service line"
                )
            sv1 = _padded(elements, 8)
            sv1_number = first + index
        elif tag == "DTP":
            if len(elements) > 1 and elements[1] == "472":
                dates = _service_dates(elements, first + index)
        elif tag == "REF":
            if len(elements) > 2 and elements[1] == "6R":
                # the first, the one a writer rewrites (the TR3 allows one)
                control = control or elements[2] or None
        elif tag == "NTE":
            note = note or _note(elements)
        elif tag == "PWK":
            attachments.append(attachment_from_pwk(elements, first + index))
    if sv1 is None:
        raise ClaimProblem(f"service line has no SV1 (loop 2400 at segment {lx_number})")
    if dates is None:
        raise ClaimProblem(f"service line has no DTP*472 date (loop 2400 at segment {lx_number})")
    return _finish_line(
        position, lx_number, sv1_number, sv1[1], sv1[2], sv1[3], sv1[4], sv1[5], sv1[7],
        dates, control, rendering, note, tuple(attachments) if attachments else (), component,
    )  # fmt: skip


def _finish_line(
    position: int, lx_number: int, sv1_number: int, procedure: str, charge_text: str,
    basis: str, units_text: str, place: str, pointers_text: str,
    dates: tuple[date, date | None], control: str | None, rendering: str | None,
    note: str | None, attachments: tuple[Attachment, ...], component: str,
) -> ServiceLine:  # fmt: skip
    """The line from the SV1 elements and what the other segments of its loop 2400 gave."""
    composite = procedure.split(component)
    if len(composite) < 2 or not composite[1]:
        raise ClaimProblem(
            f"SV101 has no procedure code (segment {sv1_number}); "
            "is the component separator the one ISA16 declares?"
        )
    units = parse_decimal(
        units_text, "SV104 units", sv1_number, digits=QUANTITY_DIGITS, decimals=QUANTITY_DIGITS
    )
    pointers = _pointers(pointers_text, component)
    charge = parse_decimal(charge_text, "SV102 charge", sv1_number)
    # What the constructor would check and this reader does not already ensure (numbers
    # were matched by parse_decimal, the code is not empty, at most four modifiers, dates
    # exist): signs and date order. Only a line that fails them pays for the constructor,
    # which names the problem.
    if units < 0 or charge < 0 or (dates[1] is not None and dates[1] < dates[0]):
        try:
            ServiceLine(
                number=position,
                code=composite[1],
                units=units,
                charge=charge,
                service_from=dates[0],
                service_to=dates[1],
            )
        except ValueError as exc:
            raise ClaimProblem(f"{exc} (loop 2400 at segment {lx_number})") from None
    return ServiceLine.trusted(
        number=position,
        code_system=composite[0],
        code=composite[1],
        modifiers=tuple(filter(None, composite[2:6])) if len(composite) > 2 else (),
        charge=charge,
        unit_basis=basis or "UN",
        units=units,
        minutes=units if basis == "MJ" else None,
        place_of_service=place or None,
        diagnosis_pointers=pointers,
        service_from=dates[0],
        service_to=dates[1],
        control_number=control,
        rendering_npi=rendering,
        note=note,
        attachments=attachments,
        origin=position,
        source=_source(lx_number),
    )


@cache
def _patterns(separator: str, terminator: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(the next LX segment, one loop 2400 of the common shape) for one pair of delimiters.

    The common shape is what most lines of a clearinghouse batch are: LX, SV1, DTP*472 (D8
    or RD8, nothing after the date), optionally REF*6R with the control number alone, and no
    other segment before the next LX or the claim's end. A match reads SV101-SV105 and SV107
    in one pass instead of splitting four segments; any other line (a note, an attachment,
    a rendering provider, a second SV1, segments in another order) is read segment by
    segment by ``_line``, and both give the same line for the same input."""
    s, t = re.escape(separator), re.escape(terminator)
    w = r"[\r\n \t]*"
    e = f"[^{s}{t}]*"
    next_lx = re.compile(f"{t}{w}LX(?={s}|{t})")
    line = re.compile(
        f"{w}LX(?:{s}[^{t}]*)?{t}"
        f"{w}SV1{s}({e}){s}({e}){s}({e}){s}({e})"  # SV101 procedure, SV102, SV103, SV104
        f"(?:{s}({e})(?:{s}{e}(?:{s}({e})(?:{s}[^{t}]*)?)?)?)?{t}"  # SV105, SV107 pointers
        f"{w}DTP{s}472{s}(D8|RD8){s}({e}){t}"
        f"(?:{w}REF{s}6R{s}({e}){t})?"
        rf"(?={w}LX(?:{s}|{t})|\Z)"
    )
    return next_lx, line


def _common_line(
    found: re.Match[str], position: int, lx_number: int, component: str
) -> tuple[ServiceLine, int]:
    """The line of a ``_patterns`` match, and how many segments it spans."""
    procedure, charge, basis, units, place, pointers, qualifier, when, control = found.groups()
    if qualifier == "D8":
        dates: tuple[date, date | None] = (parse_date(when, lx_number + 2), None)
    else:
        start, _, end = when.partition("-")
        dates = (parse_date(start, lx_number + 2), parse_date(end, lx_number + 2))
    line = _finish_line(
        position, lx_number, lx_number + 1, procedure, charge, basis, units, place or "",
        pointers or "", dates, control or None, None, None, (), component,
    )  # fmt: skip
    return line, 3 if control is None else 4


_POINTERS: dict[tuple[str, str], tuple[int, ...]] = {}


def _pointers(text: str, component: str) -> tuple[int, ...]:
    """SV107 diagnosis pointers 1..12 (``1:2:3``); a batch repeats a few dozen of them."""
    found = _POINTERS.get((text, component))
    if found is None:
        found = tuple(
            int(p)
            for p in text.split(component)
            if len(p) <= 2 and p.isascii() and p.isdigit() and 1 <= int(p) <= 12
        )
        if len(_POINTERS) < _CACHE_MAX:
            _POINTERS[(text, component)] = found
    return found


def _service_dates(elements: list[str], number: int) -> tuple[date, date | None]:
    qualifier, value = _element(elements, 2), _element(elements, 3)
    if qualifier == "D8":
        return parse_date(value, number), None
    if qualifier == "RD8":
        start, _, end = value.partition("-")
        return parse_date(start, number), parse_date(end, number)
    raise ClaimProblem(f"DTP*472 format is neither D8 nor RD8 (segment {number})")


_WHITESPACE = "\r\n \t"  # line breaks a sender may put between segments (the tokenizer's)


def build_claim(block: ClaimBlock, context: ClaimContext) -> Claim:
    """The ``Claim`` of *block*; ``ClaimProblem`` if it cannot be understood.

    The block's bytes are decoded and split once (segments, then elements): every segment
    number is ``block.number`` plus its index."""
    delimiters = block.delimiters
    component, separator = delimiters.component, delimiters.element
    terminator = delimiters.segment
    text = block.raw.decode("latin-1")
    next_lx, common_line = _patterns(separator, terminator)
    found = next_lx.search(text)
    lines_from = found.start() + 1 if found else len(text)
    segments = [
        part.lstrip(_WHITESPACE).split(separator) for part in text[:lines_from].split(terminator)
    ]
    segments.pop()  # what follows the last terminator: nothing
    first = block.number
    clm = segments[0]
    claim_id = _element(clm, 1)
    if not claim_id:
        raise ClaimProblem(f"CLM01 is empty (segment {first})")
    total = parse_decimal(_element(clm, 2), "CLM02 total charge", first)
    facility = _element(clm, 5).split(component)
    diagnoses: list[str] = []
    note = rendering = original_ref = None
    attachments: list[Attachment] = []
    for index in range(1, len(segments)):
        elements = segments[index]
        tag = elements[0]
        if tag == "SBR":
            break  # loops 2320/2330: other payers, not this claim's own data
        if tag == "NM1":
            if _element(elements, 1) == "82" and _element(elements, 8) == "XX":
                rendering = _element(elements, 9) or None
        elif tag == "HI":
            for composite in elements[1:]:
                codes = composite.split(component)
                if codes[0] in DIAGNOSIS_QUALIFIERS and len(codes) > 1 and codes[1]:
                    diagnoses.append(codes[1])
        elif tag == "NTE":
            # The first provider note is the one a writer merges into, so reading it (not a
            # later repeat) keeps a second scrub from merging the same text again.
            note = note or _note(elements)
        elif tag == "PWK":
            attachments.append(attachment_from_pwk(elements, first + index))
        elif tag == "REF" and _element(elements, 1) == "F8":
            # the payer claim control number (on a replacement or void, frequency 7 or 8)
            original_ref = _element(elements, 2) or None
    if found is None:
        raise ClaimProblem(f"claim has no service line (loop 2300 at segment {first})")
    lines: list[ServiceLine] = []
    at, number, size = lines_from, first + len(segments), len(text)
    while at < size:
        common = common_line.match(text, at)
        if common is not None:
            line, spans = _common_line(common, len(lines) + 1, number, component)
            at = common.end()
        else:  # any other shape: segment by segment, up to the next LX
            found = next_lx.search(text, at)
            end = found.start() + 1 if found else size
            loop = [p.lstrip(_WHITESPACE).split(separator) for p in text[at:end].split(terminator)]
            loop.pop()
            line, spans = _line(loop, 0, len(loop), len(lines) + 1, number, component), len(loop)
            at = end
        lines.append(line)
        number += spans
    return Claim.trusted(  # the id is not empty, the total a number, the lines numbered 1..n
        id=claim_id,
        lines=tuple(lines),
        total_charge=total,
        patient_key=context.patient_key,
        subscriber_key=context.subscriber_key,
        billing_npi=context.billing_npi,
        billing_taxonomy=context.billing_taxonomy,
        rendering_npi=rendering,
        billing_tin=context.billing_tin,
        payer_id=context.payer_id,
        payer_name=context.payer_name,
        filing_indicator=context.filing_indicator,
        frequency_code=(facility[2] if len(facility) > 2 else "") or "1",
        original_ref=original_ref,
        place_of_service=facility[0] or None,
        diagnosis_codes=tuple(diagnoses),
        note=note,
        attachments=tuple(attachments),
        source=_source(first),
    )
