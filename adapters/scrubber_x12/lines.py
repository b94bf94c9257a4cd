"""Build the ``ServiceLine``s of one claim from its loops 2400.

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

from datetime import date
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from scrubber import Attachment, ServiceLine
from scrubber_x12.values import (
    CACHE_MAX,
    CHARGES,
    POINTERS,
    QUANTITY_DIGITS,
    SERVICE_DATES,
    UNITS,
    ClaimProblem,
    attachment_from_pwk,
    note_text,
    parse_decimal,
    parse_dtp,
    parse_pointers,
    parse_service_dates,
    source,
)

__all__ = ["read_lines"]


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

    A common line whose charge, units and date were seen before (so are known good) skips
    ``_finish_line``'s parsing and checks and goes straight to ``_made_line``: those were a
    fifth of the time of building a 5-line claim."""
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
                    dates = SERVICE_DATES.get(dtp)
                    if dates is None:
                        dates = parse_dtp(dtp, separator, number + 2)
                    sv1_elements = sv1.split(separator)
                    if len(sv1_elements) < 8:
                        sv1_elements += [""] * (8 - len(sv1_elements))
                    _, procedure, charge_text, basis, units_text, place, _, pointers_text = (
                        sv1_elements[:8]
                    )
                    composite = procedure.split(component)
                    units, charge = UNITS.get(units_text), CHARGES.get(charge_text)
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
                    else:  # what _finish_line gives for values known good, without its checks
                        line = _made_line(
                            position, composite, charge, basis, units, place, pointers_text,
                            component, dates, control, None, None, (), number,
                        )  # fmt: skip
        if line is None:  # any other shape: segment by segment, up to the next LX
            after = index + 1
            while after < count and segments[after][:3] != lx_head and segments[after] != "LX":
                after += 1
            loop = [segment.split(separator) for segment in segments[index:after]]
            line = _line(loop, position, number, component)
        lines.append(line)
        index = after
    return lines


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
                dates = parse_service_dates(elements, lx_number + index)
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
    units = UNITS.get(units_text)
    charge = CHARGES.get(charge_text)
    if units is None or charge is None:  # a text not seen yet: parse it, and check it
        units = parse_decimal(
            units_text, "SV104 units", sv1_number, digits=QUANTITY_DIGITS, decimals=QUANTITY_DIGITS
        )
        charge = parse_decimal(charge_text, "SV102 charge", sv1_number)
        if units < 0 or charge < 0:
            _refuse(position, composite[1], units, charge, dates, lx_number)
        if len(UNITS) < CACHE_MAX:
            UNITS[units_text] = units
        if len(CHARGES) < CACHE_MAX:
            CHARGES[charge_text] = charge
    # What the constructor would check and this reader does not already ensure (numbers
    # were matched by parse_decimal, the code is not empty, at most four modifiers, dates
    # exist): signs (above) and date order. Only a line that fails them pays for the
    # constructor, which names the problem.
    if dates[1] is not None and dates[1] < dates[0]:
        _refuse(position, composite[1], units, charge, dates, lx_number)
    return _made_line(
        position, composite, charge, basis, units, place, pointers_text, component, dates,
        control, rendering, note, attachments, lx_number,
    )  # fmt: skip


def _made_line(
    position: int, composite: list[str], charge: Decimal, basis: str, units: Decimal,
    place: str, pointers_text: str, component: str, dates: tuple[date, date | None],
    control: str | None, rendering: str | None, note: str | None,
    attachments: tuple[Attachment, ...], lx_number: int,
) -> ServiceLine:  # fmt: skip
    """The model line from values both read paths have already checked (no constructor)."""
    pointers = POINTERS.get((pointers_text, component))
    if pointers is None:
        pointers = parse_pointers(pointers_text, component)
    return _make_line(
        position, composite[0], composite[1], _modifiers(composite) if len(composite) > 2 else (),
        charge, basis or "UN", units, units if basis == "MJ" else None, place or None,
        pointers, dates[0], dates[1], control, rendering, note, attachments, source(lx_number),
    )  # fmt: skip


# By position, in this order (a line is made per line read: keywords cost three times more).
_make_line = ServiceLine.trusted_maker(
    "number", "code_system", "code", "modifiers", "charge", "unit_basis", "units", "minutes",
    "place_of_service", "diagnosis_pointers", "service_from", "service_to", "control_number",
    "rendering_npi", "note", "attachments", "source",
)  # fmt: skip


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
