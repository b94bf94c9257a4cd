"""Values of an 837P claim, each parsed once per text: amounts, quantities, dates, diagnosis
pointers; and the small readers the claim and its lines share (notes, attachments, where a
segment is).

Element sizes and formats follow the 005010X222A1 TR3 (pyx12 map ``837.5010.X222.A1.xml``):
CLM02 and SV102 are amounts (type R, at most 18 digits, 2 decimal places), SV104 a quantity
(type R, at most 15 digits), DTP*472 a date (D8 ``CCYYMMDD``) or a range (RD8
``CCYYMMDD-CCYYMMDD``), SV107 up to four diagnosis pointers 1-12. A batch repeats the same few
hundred dates and unit counts, and many charges: each text is parsed once, and its value (an
immutable ``Decimal`` or ``date``) serves every line that has it.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from scrubber import Attachment, SourceRef

__all__ = [
    "CACHE_MAX",
    "CHARGES",
    "FORMAT",
    "MAX_LINES",
    "NOTE_CODES",
    "POINTERS",
    "QUANTITY_DIGITS",
    "SERVICE_DATES",
    "UNITS",
    "ClaimProblem",
    "attachment_from_pwk",
    "element",
    "note_text",
    "parse_date",
    "parse_decimal",
    "parse_dtp",
    "parse_pointers",
    "parse_service_dates",
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
# CHARGES and UNITS hold only values a line accepts (a number within the element's size,
# not negative): a line whose two texts are found there needs no check on them at all.
CACHE_MAX = 8192
_DECIMALS: dict[tuple[str, int, int], Decimal] = {}
_DATES: dict[str, date] = {}
CHARGES: dict[str, Decimal] = {}
UNITS: dict[str, Decimal] = {}
SERVICE_DATES: dict[str, tuple[date, date | None]] = {}  # by the whole DTP*472 segment
POINTERS: dict[tuple[str, str], tuple[int, ...]] = {}


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
    if len(_DECIMALS) < CACHE_MAX:
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
    if len(_DATES) < CACHE_MAX:
        _DATES[text] = value
    return value


def element(elements: list[str], index: int) -> str:
    """Element *index* of a split segment, or "" when the segment stops before it."""
    return elements[index] if index < len(elements) else ""


def attachment_from_pwk(elements: list[str], number: int) -> Attachment:
    """PWK01 report type, PWK02 transmission, PWK05 = AC with PWK06 the control number."""
    control = element(elements, 6) if element(elements, 5) == "AC" else ""
    try:
        return Attachment(
            report_type=element(elements, 1),
            transmission=element(elements, 2),
            control_number=control or None,
        )
    except ValueError:
        raise ClaimProblem(f"PWK cannot be understood (segment {number})") from None


def note_text(elements: list[str]) -> str | None:
    """The text of an NTE that is a provider note (NTE01 ADD, CER, DCP or DGN), else None."""
    if element(elements, 1) in NOTE_CODES and element(elements, 2):
        return elements[2]
    return None


def source(number: int) -> SourceRef:
    """Where a claim or line came from: the number of its CLM or LX segment in the file."""
    return _make_source(f"segment {number}", number, FORMAT, MAX_LINES)


_make_source = SourceRef.trusted_maker("locator", "index", "format", "max_lines")


def parse_dtp(segment: str, separator: str, number: int) -> tuple[date, date | None]:
    """The dates of a whole DTP*472 segment's text, remembered in ``SERVICE_DATES`` by that
    text (its element separator is part of it, so one text never means two things)."""
    dates = parse_service_dates(segment.split(separator), number)
    if len(SERVICE_DATES) < CACHE_MAX:
        SERVICE_DATES[segment] = dates
    return dates


def parse_pointers(text: str, component: str) -> tuple[int, ...]:
    """SV107 diagnosis pointers 1..12 (``1:2:3``); a batch repeats a few dozen of them."""
    found = tuple(
        int(p)
        for p in text.split(component)
        if len(p) <= 2 and p.isascii() and p.isdigit() and 1 <= int(p) <= 12
    )
    if len(POINTERS) < CACHE_MAX:
        POINTERS[(text, component)] = found
    return found


def parse_service_dates(elements: list[str], number: int) -> tuple[date, date | None]:
    """DTP03 of a split DTP*472: a date (DTP02 D8) or a range ``start-end`` (RD8)."""
    qualifier, value = element(elements, 2), element(elements, 3)
    if qualifier == "D8":
        return parse_date(value, number), None
    if qualifier == "RD8":
        start, _, end = value.partition("-")
        return parse_date(start, number), parse_date(end, number)
    raise ClaimProblem(f"DTP*472 format is neither D8 nor RD8 (segment {number})")
