"""Build the ``ServiceLine``s of one claim from its loops 2400, and parse the values they hold.

Element positions follow the 005010X222A1 TR3 as machine-read from pyx12's map
(``837.5010.X222.A1.xml``): SV101 composite ``HC:code:mod1..mod4``, SV102 charge, SV103 unit
basis (UN units, MJ minutes), SV104 quantity, SV105 place of service, SV107 diagnosis
pointers; DTP*472 service date (D8 or RD8); REF*6R line item control number; NTE*ADD/DCP the
one provider note; PWK the supplemental information (attachments); NM1*82 in loop 2420A the
rendering provider.

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

from scrubber import Attachment, ServiceLine, SourceRef

__all__ = [
    "FORMAT",
    "MAX_LINES",
    "ClaimProblem",
    "attachment_from_pwk",
    "note_text",
    "parse_date",
    "parse_decimal",
    "read_lines",
    "source",
]

FORMAT = "x12"
MAX_LINES = 50  # loop 2400 repeats at most 50 times per claim (005010X222A1 TR3)
NOTE_CODES = frozenset({"ADD", "CER", "DCP", "DGN"})  # provider notes; TPO belongs to repricers
_NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")


class ClaimProblem(Exception):
    """One claim cannot be understood; the message names segments only."""


# 005010X222A1 element sizes (type R, digits counted without sign or decimal point): CLM02 and
# SV102 are amounts of at most 18 digits with at most 2 decimal places, SV104 a quantity of at
# most 15 digits. A larger value is bad input for its claim, never arithmetic on it.
MONEY_DIGITS = 18
MONEY_DECIMALS = 2
QUANTITY_DIGITS = 15

# A batch repeats the same few hundred dates and unit counts, and many charges: each text is
# parsed once (Decimal and date are immutable, so one value serves every line that has it).
# _CHARGES and _UNITS hold only values a line accepts (a number within the element's size,
# not negative): a line whose two texts are found there needs no check on them at all.
_CACHE_MAX = 8192
_DECIMALS: dict[tuple[str, int, int], Decimal] = {}
_DATES: dict[str, date] = {}
_CHARGES: dict[str, Decimal] = {}
_UNITS: dict[str, Decimal] = {}
_SERVICE_DATES: dict[str, tuple[date, date | None]] = {}  # by the whole DTP*472 segment
_POINTERS: dict[tuple[str, str], tuple[int, ...]] = {}


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


def note_text(elements: list[str]) -> str | None:
    """The text of an NTE that is a provider note (NTE01 ADD, CER, DCP or DGN), else None."""
    if _element(elements, 1) in NOTE_CODES and _element(elements, 2):
        return elements[2]
    return None


def source(number: int) -> SourceRef:
    """Where a claim or line came from: the number of its CLM or LX segment in the file."""
    return SourceRef.trusted(f"segment {number}", number, FORMAT, MAX_LINES)


def _padded(elements: list[str], size: int) -> list[str]:
    """*elements* padded with ``""`` to at least *size*: absent trailing elements read as
    empty without a bounds test per element (a line reads ~12)."""
    if len(elements) < size:
        elements += [""] * (size - len(elements))
    return elements


class _Heads(NamedTuple):
    """How the segments of a common line begin, for one element separator."""

    sv1: str  # SV1*
    dtp: str  # DTP*472*
    ref: str  # REF*6R*
    lx: str  # LX*


@cache
def _heads(separator: str) -> _Heads:
    return _Heads(
        f"SV1{separator}",
        f"DTP{separator}472{separator}",
        f"REF{separator}6R{separator}",
        f"LX{separator}",
    )


# False reads every line segment by segment (``_line``): the tests compare both ways.
_QUICK = True


def read_lines(
    segments: list[str], start: int, first: int, separator: str, component: str
) -> list[ServiceLine]:
    """The lines of loops 2400 ``segments[start:]`` (each a segment's text without its
    terminator or the whitespace before it; ``segments[start]`` is the first LX). *first* is
    the segment number of ``segments[0]``, so ``segments[k]`` is segment ``first + k``.

    Most lines of a clearinghouse batch have the common shape: LX, SV1, DTP*472, optionally
    REF*6R, and nothing else before the next LX or the claim's end. Such a line is read from
    those segments directly; any other line (a note, an attachment, a rendering provider, a
    second SV1, segments in another order) is split into elements and read segment by
    segment by ``_line``. Both give the same line for the same input: a common line is read
    with ``_line``'s rules, only without its search for which segment is which.

    A common line whose charge, units and date were seen before (so are known good) is built
    right here rather than through ``_finish_line``: the call and its arguments were a fifth
    of the time of building a 5-line claim."""
    sv1_head, dtp_head, ref_head, lx_head = _heads(separator)
    count = len(segments)
    lines: list[ServiceLine] = []
    index = start
    while index < count:
        position = len(lines) + 1
        number = first + index
        after = index + 3  # past LX, SV1, DTP
        line = None
        if after <= count and _QUICK:
            sv1, dtp = segments[index + 1], segments[index + 2]
            if sv1[:4] == sv1_head and dtp[:8] == dtp_head:
                control = None
                if after < count and segments[after][:7] == ref_head:
                    # REF02; the TR3 allows one REF*6R per line
                    control = segments[after][7:].partition(separator)[0] or None
                    after += 1
                if after == count or segments[after][:3] == lx_head or segments[after] == "LX":
                    dates = _SERVICE_DATES.get(dtp)
                    if dates is None:
                        dates = _dtp_dates(dtp, separator, number + 2)
                    sv1_elements = sv1.split(separator)
                    if len(sv1_elements) < 8:
                        sv1_elements += [""] * (8 - len(sv1_elements))
                    _, procedure, charge_text, basis, units_text, place, _, pointers_text = (
                        sv1_elements[:8]
                    )
                    composite = procedure.split(component)
                    units, charge = _UNITS.get(units_text), _CHARGES.get(charge_text)
                    if (
                        units is None
                        or charge is None
                        or len(composite) < 2
                        or not composite[1]
                        or (dates[1] is not None and dates[1] < dates[0])
                    ):  # a value not seen before, or a line the model refuses: check it all
                        line = _finish_line(
                            position, number, number + 1, procedure, charge_text, basis,
                            units_text, place, pointers_text, dates, control, None, None, (),
                            component,
                        )  # fmt: skip
                    else:  # what _finish_line gives for values known good, without the call
                        pointers = _POINTERS.get((pointers_text, component))
                        if pointers is None:
                            pointers = _pointers(pointers_text, component)
                        line = ServiceLine.trusted(
                            number=position,
                            code_system=composite[0],
                            code=composite[1],
                            modifiers=_modifiers(composite) if len(composite) > 2 else (),
                            charge=charge,
                            unit_basis=basis or "UN",
                            units=units,
                            minutes=units if basis == "MJ" else None,
                            place_of_service=place or None,
                            diagnosis_pointers=pointers,
                            service_from=dates[0],
                            service_to=dates[1],
                            control_number=control,
                            origin=position,
                            source=SourceRef.trusted(
                                f"segment {number}", number, FORMAT, MAX_LINES
                            ),
                        )
        if line is None:  # any other shape: segment by segment, up to the next LX
            after = index + 1
            while after < count and segments[after][:3] != lx_head and segments[after] != "LX":
                after += 1
            loop = [segment.split(separator) for segment in segments[index:after]]
            line = _line(loop, position, number, component)
        lines.append(line)
        index = after
    return lines


def _dtp_dates(segment: str, separator: str, number: int) -> tuple[date, date | None]:
    dates = _service_dates(segment.split(separator), number)
    if len(_SERVICE_DATES) < _CACHE_MAX:
        _SERVICE_DATES[segment] = dates
    return dates


_SUBLOOP_TAGS = frozenset({"LIN", "SVD", "LQ", "NM1"})  # loops 2410, 2430, 2440; 2420A-H


def _line(segments: list[list[str]], position: int, lx_number: int, component: str) -> ServiceLine:
    """Loop 2400 from its split segments (LX first), segment by segment; *lx_number* is the
    segment number of the LX."""
    sv1: list[str] | None = None
    sv1_number = lx_number
    dates: tuple[date, date | None] | None = None
    control = note = rendering = None
    attachments: list[Attachment] = []
    in_subloop = False
    for index in range(1, len(segments)):
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
                    f"{lx_number + index}); 005010X222A1 allows one per service line"
                )
            sv1 = _padded(elements, 8)
            sv1_number = lx_number + index
        elif tag == "DTP":
            if len(elements) > 1 and elements[1] == "472":
                dates = _service_dates(elements, lx_number + index)
        elif tag == "REF":
            if len(elements) > 2 and elements[1] == "6R":
                # the first, the one a writer rewrites (the TR3 allows one)
                control = control or elements[2] or None
        elif tag == "NTE":
            note = note or note_text(elements)
        elif tag == "PWK":
            attachments.append(attachment_from_pwk(elements, lx_number + index))
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
    units = _UNITS.get(units_text)
    charge = _CHARGES.get(charge_text)
    if units is None or charge is None:  # a text not seen yet: parse it, and check it
        units = parse_decimal(
            units_text, "SV104 units", sv1_number, digits=QUANTITY_DIGITS, decimals=QUANTITY_DIGITS
        )
        charge = parse_decimal(charge_text, "SV102 charge", sv1_number)
        if units < 0 or charge < 0:
            _refuse(position, composite[1], units, charge, dates, lx_number)
        if len(_UNITS) < _CACHE_MAX:
            _UNITS[units_text] = units
        if len(_CHARGES) < _CACHE_MAX:
            _CHARGES[charge_text] = charge
    # What the constructor would check and this reader does not already ensure (numbers
    # were matched by parse_decimal, the code is not empty, at most four modifiers, dates
    # exist): signs (above) and date order. Only a line that fails them pays for the
    # constructor, which names the problem.
    if dates[1] is not None and dates[1] < dates[0]:
        _refuse(position, composite[1], units, charge, dates, lx_number)
    pointers = _POINTERS.get((pointers_text, component))
    if pointers is None:
        pointers = _pointers(pointers_text, component)
    return ServiceLine.trusted(
        number=position,
        code_system=composite[0],
        code=composite[1],
        modifiers=_modifiers(composite) if len(composite) > 2 else (),
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
        source=source(lx_number),
    )


def _modifiers(composite: list[str]) -> tuple[str, ...]:
    """SV101-3 to SV101-6, the empty ones left out."""
    return tuple(filter(None, composite[2:6]))


def _refuse(
    position: int,
    code: str,
    units: Decimal,
    charge: Decimal,
    dates: tuple[date, date | None],
    lx_number: int,
) -> None:
    """Raise the ``ClaimProblem`` for a line the model refuses, in the constructor's words."""
    try:
        ServiceLine(
            number=position,
            code=code,
            units=units,
            charge=charge,
            service_from=dates[0],
            service_to=dates[1],
        )
    except ValueError as exc:
        raise ClaimProblem(f"{exc} (loop 2400 at segment {lx_number})") from None
    raise AssertionError("a line the reader refuses was accepted by the model")


def _pointers(text: str, component: str) -> tuple[int, ...]:
    """SV107 diagnosis pointers 1..12 (``1:2:3``); a batch repeats a few dozen of them."""
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
