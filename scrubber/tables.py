"""Reference tables: the records importers produce, the lookup protocol edits use, and an
in-memory implementation (tests, the Python API). The SQLite store is in ``scrubber.store``.

A table is one published version of one reference file: kind (``mue``), program
(``medicare``/``medicaid``), service type (``practitioner``/``outpatient``/``dme``) and
effective date. A version is in force from its effective date until the next version of the
same (kind, program, service type) takes effect; lookups pick the version in force on each
line's date of service (DESIGN §6). Rows are ``key -> values`` with the values kept as text,
so the store never needs to know what a plugin's columns mean.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol, final

from scrubber.findings import TableRowRef

__all__ = [
    "ImportHints",
    "MemoryTables",
    "ParsedTable",
    "ReferenceTables",
    "RowHit",
    "TableImporter",
    "TableInfo",
    "TableRow",
]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class TableInfo:
    """Provenance of one table version: what it is, where it came from, when it applies."""

    kind: str
    program: str
    service_type: str
    effective: date
    source_file: str
    sha256: str
    rows: int
    imported_at: str = ""

    @property
    def name(self) -> str:
        return f"{self.kind}/{self.program}/{self.service_type}"

    @property
    def family(self) -> tuple[str, str, str]:
        return (self.kind, self.program, self.service_type)

    def as_dict(self) -> dict[str, str | int]:
        return {
            "table": self.name,
            "kind": self.kind,
            "program": self.program,
            "service_type": self.service_type,
            "effective": self.effective.isoformat(),
            "source_file": self.source_file,
            "sha256": self.sha256,
            "rows": self.rows,
            "imported_at": self.imported_at,
        }


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class TableRow:
    """One row: the key (a HCPCS/CPT code) and the other columns as (name, text) pairs."""

    key: str
    values: tuple[tuple[str, str], ...]

    def get(self, name: str, default: str = "") -> str:
        for column, value in self.values:
            if column == name:
                return value
        return default


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedTable:
    """What an importer returns for one table found in a file (a ZIP may hold several)."""

    info: TableInfo
    rows: tuple[TableRow, ...]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ImportHints:
    """What the user said on the command line, for files whose names do not tell."""

    program: str | None = None
    service_type: str | None = None
    effective: date | None = None


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class TableImporter:
    """Recognises and parses one family of published reference files.

    ``recognizes(file_name, head)`` looks at the name and the first bytes only;
    ``parse(file_name, data, hints)`` returns every table the file holds, or raises
    ``TableError`` naming the row that is wrong, so a bad file is rejected whole.
    ``programs`` and ``service_types`` are the ``ImportHints`` values it understands (the
    CLI refuses ``--program`` / ``--service-type`` values no installed importer knows).
    """

    name: str
    kind: str
    recognizes: _Recognizer
    parse: _Parser
    description: str = ""
    programs: tuple[str, ...] = ()
    service_types: tuple[str, ...] = ()


class _Recognizer(Protocol):
    def __call__(self, file_name: str, head: bytes, /) -> bool: ...


class _Parser(Protocol):
    def __call__(
        self, file_name: str, data: bytes, hints: ImportHints, /
    ) -> Iterable[ParsedTable]: ...


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class RowHit:
    """A row found by a lookup, with the table version it came from."""

    row: TableRow
    table: TableInfo

    def ref(self) -> TableRowRef:
        return TableRowRef(
            table=self.table.name,
            key=self.row.key,
            values=self.row.values,
            effective=self.table.effective,
            source_file=self.table.source_file,
            sha256=self.table.sha256,
        )


class ReferenceTables(Protocol):
    """What edits see of the reference tables (``ctx.tables``)."""

    def in_force(self, kind: str, program: str, service_type: str, on: date) -> TableInfo | None:
        """The table version in force on *on*, or None if no version has taken effect."""
        ...

    def lookup(
        self, kind: str, program: str, service_type: str, key: str, on: date
    ) -> RowHit | None:
        """The row for *key* in the version in force on *on*; None when either is missing."""
        ...

    def tables(self) -> tuple[TableInfo, ...]:
        """Every table version available, for reports and ``tables list``."""
        ...

    def used(self) -> tuple[TableInfo, ...]:
        """The versions lookups have touched so far in this run (the report's provenance)."""
        ...


class VersionIndex:
    """Versions of each table family sorted by effective date; picks the one in force.

    Shared by the in-memory tables and the SQLite store; O(log versions) per lookup."""

    def __init__(self, infos: Iterable[TableInfo]) -> None:
        families: dict[tuple[str, str, str], list[TableInfo]] = {}
        for info in infos:
            families.setdefault(info.family, []).append(info)
        self._families = {k: sorted(v, key=lambda i: i.effective) for k, v in families.items()}
        self._dates = {k: [i.effective for i in v] for k, v in self._families.items()}

    def in_force(self, family: tuple[str, str, str], on: date) -> TableInfo | None:
        dates = self._dates.get(family)
        if not dates:
            return None
        at = bisect.bisect_right(dates, on)
        return self._families[family][at - 1] if at else None

    def all(self) -> tuple[TableInfo, ...]:
        return tuple(info for family in sorted(self._families) for info in self._families[family])


class MemoryTables:
    """Reference tables held in memory: for tests and for the Python API."""

    def __init__(self, tables: Iterable[ParsedTable] = ()) -> None:
        parsed = list(tables)
        self._index = VersionIndex(p.info for p in parsed)
        self._rows: dict[TableInfo, Mapping[str, TableRow]] = {
            p.info: {row.key: row for row in p.rows} for p in parsed
        }
        self._used: dict[TableInfo, None] = {}

    def in_force(self, kind: str, program: str, service_type: str, on: date) -> TableInfo | None:
        return self._index.in_force((kind, program, service_type), on)

    def lookup(
        self, kind: str, program: str, service_type: str, key: str, on: date
    ) -> RowHit | None:
        info = self.in_force(kind, program, service_type, on)
        if info is None:
            return None
        self._used[info] = None
        row = self._rows[info].get(key)
        return None if row is None else RowHit(row=row, table=info)

    def tables(self) -> tuple[TableInfo, ...]:
        return self._index.all()

    def used(self) -> tuple[TableInfo, ...]:
        return tuple(self._used)
