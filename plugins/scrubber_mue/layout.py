"""The MUE table layout, whatever the container: find the header, map the columns, check
every row, and build the ``ParsedTable``.

CMS layouts (as published on the CMS MUE page; docs/mue.md):

- Medicare CSV/XLSX: an AMA notice record first, then ``HCPCS/\\nCPT Code``,
  ``<Service type> Services MUE Values``, ``MUE Adjudication Indicator``, ``MUE Rationale``.
  The header row is found, not assumed (older practitioner workbooks have no notice row).
- Medicaid TXT: notice, header, then code, MUE value, rationale: no indicator column.

Headers are matched after collapsing whitespace, case-insensitively, because the first
header cell holds a line break and the Medicaid header text is not confirmed. The indicator
is a digit, a space and a label (``2 Date of Service Edit: Policy``): the digit is the MAI.
A bad row rejects the whole file (``TableError`` naming the row), so a half-read table never
reaches the store. The header is read when the table is built; the data rows are checked and
yielded one at a time as the store inserts them (inside its transaction, which a bad row rolls
back), so a table is never held in memory whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import final

from scrubber import ImportHints, ParsedTable, TableError, TableInfo, TableRow
from scrubber_mue.names import read_name

__all__ = [
    "HEADER_SEARCH_ROWS",
    "MAX_VALUE_DIGITS",
    "RawRow",
    "build_table",
    "effective_label",
    "is_header",
]

MAX_VALUE_DIGITS = 9  # units a day; CMS MUE values are a few digits: a billion is a damaged file
HEADER_SEARCH_ROWS = 20  # the header follows at most a notice row or two; never scan a whole file
_CODE = re.compile(r"^[A-Z0-9]{5}$")  # CPT, Category III, PLA (0001U) and HCPCS II codes
_WHOLE = re.compile(r"^[0-9]+$")
_INDICATOR = re.compile(r"^([123])(?:\s+\S.*)?$")
_VALUE_SERVICE_TYPES = (
    ("practitioner", "practitioner"),
    ("outpatient", "outpatient"),
    ("dme", "dme"),
)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class RawRow:
    """One record as the container read it: its 1-based row number and its cells as text."""

    number: int
    cells: tuple[str, ...]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class _Columns:
    code: int
    value: int
    rationale: int | None
    indicator: int | None
    service_type: str | None  # from "<Service type> Services MUE Values"


def _collapse(text: str) -> str:
    return " ".join(text.split()).lower()


def is_header(cells: Sequence[str]) -> bool:
    if not cells:
        return False
    first = _collapse(cells[0])
    return ("hcpcs" in first or "cpt" in first) and any(
        "mue" in _collapse(cell) for cell in cells[1:]
    )


def _columns(cells: Sequence[str], where: str, number: int) -> _Columns:
    names = [_collapse(cell) for cell in cells]
    value = [i for i, n in enumerate(names) if "mue value" in n]
    if len(value) != 1:
        raise TableError(
            "header has no single 'MUE Values' column", source=where, position=f"row {number}"
        )
    indicator = [i for i, n in enumerate(names) if "adjudication indicator" in n or n == "mai"]
    rationale = [i for i, n in enumerate(names) if "rationale" in n]
    service_type = None
    for word, kind in _VALUE_SERVICE_TYPES:
        if word in names[value[0]]:
            service_type = kind
    return _Columns(
        code=0,
        value=value[0],
        rationale=rationale[0] if rationale else None,
        indicator=indicator[0] if indicator else None,
        service_type=service_type,
    )


def _cell(cells: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def _resolve(
    name_value: str | None, hint: str | None, fallback: str | None, what: str, where: str
) -> str:
    for candidate in (name_value, hint, fallback):
        if candidate:
            return candidate
    raise TableError(
        f"cannot tell the {what} from the file name; give it on import "
        f"(e.g. --{what.replace(' ', '-')})",
        source=where,
    )


def build_table(
    rows: Iterable[RawRow],
    *,
    file_name: str,
    container_name: str | None,
    sha256: str,
    hints: ImportHints,
) -> ParsedTable:
    """Check *rows* and build the table. *file_name* is the file (or ZIP member) the rows
    came from; *container_name* the ZIP around it, whose name is asked when the member's
    name does not tell. The file name wins over *hints*; hints fill what it does not say."""
    where = file_name if container_name is None else f"{container_name}/{file_name}"
    member_facts = read_name(file_name)
    zip_facts = read_name(container_name or "")
    iterator = iter(rows)
    columns: _Columns | None = None
    for raw in iterator:
        if raw.number > HEADER_SEARCH_ROWS:
            break
        if is_header(raw.cells):
            columns = _columns(raw.cells, where, raw.number)
            break
    if columns is None:
        raise TableError(
            "no MUE header row (a first cell naming the HCPCS/CPT code and an 'MUE Values' "
            f"column) in the first {HEADER_SEARCH_ROWS} rows",
            source=where,
        )
    program = _resolve(
        member_facts.program or zip_facts.program, hints.program, None, "program", where
    )
    service_type = _resolve(
        member_facts.service_type or zip_facts.service_type,
        hints.service_type,
        columns.service_type,
        "service type",
        where,
    )
    effective = member_facts.effective or zip_facts.effective or hints.effective
    if effective is None:
        raise TableError(
            "cannot tell the effective date from the file name; give it on import "
            "(e.g. --effective 2026-07-01)",
            source=where,
        )
    if program == "medicare" and columns.indicator is None:
        raise TableError(
            "a Medicare MUE table needs the 'MUE Adjudication Indicator' column "
            "(only Medicaid files go without it)",
            source=where,
        )
    info = TableInfo(
        kind="mue",
        program=program,
        service_type=service_type,
        effective=effective,
        source_file=where,
        sha256=sha256,
        rows=0,  # not known until the rows are read: the store counts them
    )
    return ParsedTable(info=info, rows=_data_rows(iterator, columns, where))


def _data_rows(rows: Iterable[RawRow], columns: _Columns, where: str) -> Iterator[TableRow]:
    """Check each record and yield its row, one at a time: a ``TableError`` names the first
    bad one (the store, reading these inside its transaction, then rolls back)."""
    seen: dict[str, int] = {}
    for raw in rows:
        if not any(cell.strip() for cell in raw.cells):
            continue  # blank records (trailing line breaks, empty sheet rows)
        position = f"row {raw.number}"
        code = _cell(raw.cells, columns.code).upper()
        if not _CODE.match(code):
            raise TableError(
                f"{code or 'an empty cell'!r} is not a 5-character HCPCS/CPT code",
                source=where,
                position=position,
            )
        if code in seen:
            raise TableError(
                f"code {code} appears twice (first in row {seen[code]})",
                source=where,
                position=position,
            )
        seen[code] = raw.number
        value = _cell(raw.cells, columns.value)
        if not _WHOLE.match(value):
            shown = value if len(value) <= 20 else value[:20] + "..."
            raise TableError(
                f"MUE value {shown or '(empty)'!r} for {code} is not a whole number of 0 or more",
                source=where,
                position=position,
            )
        if len(value.lstrip("0")) > MAX_VALUE_DIGITS:
            raise TableError(
                f"MUE value for {code} has {len(value)} digits (at most {MAX_VALUE_DIGITS}:"
                " no MUE comes near a billion units)",
                source=where,
                position=position,
            )
        mai, mai_text = "", ""
        if columns.indicator is not None:
            mai_text = " ".join(_cell(raw.cells, columns.indicator).split())
            match = _INDICATOR.match(mai_text)
            if match is None:
                raise TableError(
                    f"MUE adjudication indicator {mai_text or '(empty)'!r} for {code} is not "
                    "1 (line), 2 (date of service: policy) or 3 (date of service: clinical)",
                    source=where,
                    position=position,
                )
            mai = match.group(1)
        rationale = " ".join(_cell(raw.cells, columns.rationale).split())
        yield TableRow(
            key=code,
            values=(
                ("value", str(int(value))),
                ("mai", mai),
                ("mai_text", mai_text),
                ("rationale", rationale),
            ),
        )
    if not seen:
        raise TableError("the MUE table has a header but no rows", source=where)


def effective_label(effective: date) -> str:
    """``2026-07-01 (2026 Q3)``: how people name an MUE quarter."""
    return f"{effective.isoformat()} ({effective.year} Q{(effective.month - 1) // 3 + 1})"
