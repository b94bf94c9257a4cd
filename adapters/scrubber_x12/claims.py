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
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import final

from scrubber import Attachment, Claim, ServiceLine, SourceRef
from scrubber_x12.payloads import ClaimBlock
from scrubber_x12.tokenizer import Segment

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


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimContext:
    """What a claim inherits from loops 2000A (billing provider), 2000B (subscriber, payer)
    and 2000C (patient). Keys are opaque hashes; raw member ids are never kept."""

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
    segment: Segment,
    *,
    digits: int = MONEY_DIGITS,
    decimals: int = MONEY_DECIMALS,
) -> Decimal:
    key = (text, digits, decimals)
    value = _DECIMALS.get(key)
    if value is not None:
        return value
    if not _NUMBER.match(text):
        raise ClaimProblem(f"{what} is not a number (segment {segment.number})")
    whole, _, fraction = text.lstrip("-").partition(".")
    if len(whole) + len(fraction) > digits or len(fraction) > decimals:
        places = f" or {decimals} decimal places" if decimals < digits else ""
        raise ClaimProblem(
            f"{what} has more than {digits} digits{places}, beyond 005010X222A1 "
            f"(segment {segment.number})"
        )
    value = Decimal(text)
    if len(_DECIMALS) < _CACHE_MAX:
        _DECIMALS[key] = value
    return value


def parse_date(text: str, segment: Segment) -> date:
    value = _DATES.get(text)
    if value is not None:
        return value
    if len(text) != 8 or not text.isdigit():
        raise ClaimProblem(f"date is not CCYYMMDD (segment {segment.number})")
    try:
        value = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise ClaimProblem(f"date does not exist (segment {segment.number})") from None
    if len(_DATES) < _CACHE_MAX:
        _DATES[text] = value
    return value


def _element(elements: list[str], index: int) -> str:
    return elements[index] if index < len(elements) else ""


def attachment_from_pwk(elements: list[str], segment: Segment) -> Attachment:
    """PWK01 report type, PWK02 transmission, PWK05 = AC with PWK06 the control number."""
    control = _element(elements, 6) if _element(elements, 5) == "AC" else ""
    try:
        return Attachment(
            report_type=_element(elements, 1),
            transmission=_element(elements, 2),
            control_number=control or None,
        )
    except ValueError:
        raise ClaimProblem(f"PWK cannot be understood (segment {segment.number})") from None


def _note(elements: list[str]) -> str | None:
    if _element(elements, 1) in NOTE_CODES and _element(elements, 2):
        return elements[2]
    return None


def _source(segment: Segment) -> SourceRef:
    return SourceRef.trusted(f"segment {segment.number}", segment.number, FORMAT, MAX_LINES)


def _padded(segment: Segment, size: int) -> list[str]:
    """The segment's elements, padded with ``""`` to at least *size*: absent trailing
    elements read as empty without a bounds test per element (the hot path reads ~12 per line)."""
    elements = segment.elements()
    if len(elements) < size:
        elements += [""] * (size - len(elements))
    return elements


_SUBLOOP_TAGS = frozenset({"LIN", "SVD", "LQ", "NM1"})  # loops 2410, 2430, 2440; 2420A-H


def _line(segments: tuple[Segment, ...], position: int, component: str) -> ServiceLine:
    lx = segments[0]
    sv1: list[str] | None = None
    sv1_segment = lx
    dates: tuple[date, date | None] | None = None
    control = note = rendering = None
    attachments: list[Attachment] = []
    in_subloop = False
    for segment in segments[1:]:
        tag = segment.tag
        if in_subloop or tag in _SUBLOOP_TAGS:
            in_subloop = True
            if tag == "NM1":
                elements = _padded(segment, 10)
                if elements[1] == "82" and elements[8] == "XX":
                    rendering = elements[9] or None
            continue
        if tag == "SV1":
            if sv1 is not None:  # the TR3 allows one SV1 per loop 2400: which one bills?
                raise ClaimProblem(
                    f"loop 2400 at segment {lx.number} has a second SV1 (segment "
                    f"{segment.number}); 005010X222A1 allows one per service line"
                )
            sv1 = _padded(segment, 8)
            sv1_segment = segment
        elif tag == "DTP":
            elements = _padded(segment, 4)
            if elements[1] == "472":
                dates = _service_dates(elements, segment)
        elif tag == "REF":
            elements = _padded(segment, 3)
            if elements[1] == "6R":
                # the first, the one a writer rewrites (the TR3 allows one)
                control = control or elements[2] or None
        elif tag == "NTE":
            note = note or _note(segment.elements())
        elif tag == "PWK":
            attachments.append(attachment_from_pwk(segment.elements(), segment))
    if sv1 is None:
        raise ClaimProblem(f"service line has no SV1 (loop 2400 at segment {lx.number})")
    if dates is None:
        raise ClaimProblem(f"service line has no DTP*472 date (loop 2400 at segment {lx.number})")
    composite = sv1[1].split(component)
    if len(composite) < 2 or not composite[1]:
        raise ClaimProblem(
            f"SV101 has no procedure code (segment {sv1_segment.number}); "
            "is the component separator the one ISA16 declares?"
        )
    basis = sv1[3]
    units = parse_decimal(
        sv1[4], "SV104 units", sv1_segment, digits=QUANTITY_DIGITS, decimals=QUANTITY_DIGITS
    )
    pointers = _pointers(sv1[7], component)
    charge = parse_decimal(sv1[2], "SV102 charge", sv1_segment)
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
            raise ClaimProblem(f"{exc} (loop 2400 at segment {lx.number})") from None
    return ServiceLine.trusted(
        number=position,
        code_system=composite[0],
        code=composite[1],
        modifiers=tuple(filter(None, composite[2:6])) if len(composite) > 2 else (),
        charge=charge,
        unit_basis=basis or "UN",
        units=units,
        minutes=units if basis == "MJ" else None,
        place_of_service=sv1[5] or None,
        diagnosis_pointers=pointers,
        service_from=dates[0],
        service_to=dates[1],
        control_number=control,
        rendering_npi=rendering,
        note=note,
        attachments=tuple(attachments) if attachments else (),
        origin=position,
        source=_source(lx),
    )


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


def _service_dates(elements: list[str], segment: Segment) -> tuple[date, date | None]:
    qualifier, value = _element(elements, 2), _element(elements, 3)
    if qualifier == "D8":
        return parse_date(value, segment), None
    if qualifier == "RD8":
        start, _, end = value.partition("-")
        return parse_date(start, segment), parse_date(end, segment)
    raise ClaimProblem(f"DTP*472 format is neither D8 nor RD8 (segment {segment.number})")


def build_claim(block: ClaimBlock, context: ClaimContext) -> Claim:
    """The ``Claim`` of *block*; ``ClaimProblem`` if it cannot be understood."""
    component = block.delimiters.component
    clm_segment = block.header[0]
    clm = clm_segment.elements()
    claim_id = _element(clm, 1)
    if not claim_id:
        raise ClaimProblem(f"CLM01 is empty (segment {clm_segment.number})")
    total = parse_decimal(_element(clm, 2), "CLM02 total charge", clm_segment)
    facility = _element(clm, 5).split(component)
    diagnoses: list[str] = []
    note = rendering = original_ref = None
    attachments: list[Attachment] = []
    for segment in block.header[1:]:
        tag = segment.tag
        if tag in ("SBR",):
            break  # loops 2320/2330: other payers, not this claim's own data
        if tag == "NM1":
            elements = segment.elements()
            if _element(elements, 1) == "82" and _element(elements, 8) == "XX":
                rendering = _element(elements, 9) or None
        elif tag == "HI":
            for composite in segment.elements()[1:]:
                parts = composite.split(component)
                if parts[0] in DIAGNOSIS_QUALIFIERS and len(parts) > 1 and parts[1]:
                    diagnoses.append(parts[1])
        elif tag == "NTE":
            # The first provider note is the one a writer merges into, so reading it (not a
            # later repeat) keeps a second scrub from merging the same text again.
            note = note or _note(segment.elements())
        elif tag == "PWK":
            attachments.append(attachment_from_pwk(segment.elements(), segment))
        elif tag == "REF":
            elements = segment.elements()
            if _element(elements, 1) == "F8":  # payer claim control number (on a 7 or 8)
                original_ref = _element(elements, 2) or None
    if not block.lines:
        raise ClaimProblem(f"claim has no service line (loop 2300 at segment {clm_segment.number})")
    lines = tuple(_line(seg, n, component) for n, seg in enumerate(block.lines, 1))
    return Claim.trusted(  # the id is not empty, the total a number, the lines numbered 1..n
        id=claim_id,
        lines=lines,
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
        source=_source(clm_segment),
    )
