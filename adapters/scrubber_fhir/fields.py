"""Typed values out of a FHIR Claim's JSON tree for the mapping (``mapping.py``), and the
error it raises for a Claim that is valid FHIR but lacks what a scrubber claim needs.

Numbers arrive as ``Decimal`` (the JSON is parsed with ``parse_float=Decimal``). ``--fast``
maps without validation, so these check the types themselves and name the JSON pointer of
what they refuse (built only for the error).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .supporting import Json, dicts
from .versions import Problem

__all__ = [
    "MAX_AMOUNT",
    "MAX_QUANTITY",
    "UnmappableClaim",
    "ext_value",
    "number_at",
    "parse_date",
    "parse_datetime",
    "sequences",
]


class UnmappableClaim(ValueError):
    """The Claim is valid FHIR but lacks something a scrubber claim needs. Raised as
    ``UnmappableClaim("<JSON pointer>: <what is missing>")``."""

    @property
    def problem(self) -> Problem:
        where, _, what = str(self).partition(": ")
        return Problem(pointer=where or "/", message=what)


def ext_value(node: Json, url: str) -> Any:
    for ext in dicts(node.get("extension")):
        if ext.get("url") == url:
            for key, value in ext.items():
                if key.startswith("value"):
                    return value
    return None


# The bounds of the 837P TR3 (005010X222A1: amounts R 1-18 with two decimal places, SV104
# quantity R 1-15), so a FHIR Claim holds nothing an 837P could not and no arithmetic runs on
# a value of unbounded size.
MAX_AMOUNT = Decimal(10) ** 16
MAX_QUANTITY = Decimal(10) ** 15


def number_at(value: Any, where: str, path: str, limit: Decimal = MAX_AMOUNT) -> Decimal:
    """*value* as a Decimal below *limit* in size; the pointer is only built for an error."""
    kind = type(value)
    if kind is Decimal:  # the reader parses JSON numbers as Decimal: the common case
        if value.is_finite() and -limit < value < limit:
            return value  # type: ignore[no-any-return]  # it is a Decimal
        number: Decimal = value
    elif kind is int:  # a JSON integer (a quantity of 2): no union isinstance test
        number = Decimal(value)
    elif kind is bool or not isinstance(value, int | Decimal):
        raise UnmappableClaim(f"{where}/{path}: expected a number")
    else:
        number = Decimal(value)
    if not number.is_finite() or abs(number) >= limit:
        raise UnmappableClaim(
            f"{where}/{path}: a number of more than {len(str(limit)) - 1} digits before the "
            "decimal point, beyond what an 837P can carry"
        )
    return number


# Dates already read, by their text: a batch's items share a few dates of service.
_DATES: dict[str, date] = {}
_DATES_MAX = 4096


def parse_date(text: Any, where: str, path: str) -> date:
    if type(text) is str and (known := _DATES.get(text)) is not None:
        return known
    if not isinstance(text, str) or len(text) < 10:
        raise UnmappableClaim(f"{where}/{path}: a full date (YYYY-MM-DD) is needed")
    try:
        found = date.fromisoformat(text[:10])
    except ValueError as exc:
        raise UnmappableClaim(f"{where}/{path}: not a date") from exc
    if len(_DATES) < _DATES_MAX:
        _DATES[text] = found
    return found


def parse_datetime(text: str, where: str, path: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise UnmappableClaim(f"{where}/{path}: not a dateTime") from exc


def sequences(value: Any, where: str, path: str) -> list[int]:
    """The integers of a ``*Sequence`` array (null: none). Validation reports anything else;
    ``--fast`` maps without validation, so the mapping refuses it itself."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) for s in value
    ):
        raise UnmappableClaim(f"{where}/{path}: expected an array of positive integers")
    return [s for s in value]
