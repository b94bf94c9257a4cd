"""Reference tables: the records importers produce, the lookup protocol edits use, and an
in-memory implementation (tests, the Python API). The SQLite store is in ``scrubber._store``.

A table is one published version of one reference file: kind (``mue``), program
(``medicare``/``medicaid``), service type (``practitioner``/``outpatient``/``dme``) and
effective date. A version is in force from its effective date until the next version of the
same (kind, program, service type) takes effect; lookups pick the version in force on each
line's date of service. Rows are ``key -> values`` with the values kept as text,
so the store never needs to know what a plugin's columns mean.
"""

from __future__ import annotations

import bisect
import dataclasses
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Protocol, final

from scrubber._findings import TableRowRef

__all__ = [
    "ImportHints",
    "MemoryTables",
    "ParsedTable",
    "ReferenceTables",
    "RowHit",
    "TableImporter",
    "TableInfo",
    "TableRow",
    "TableSnapshot",
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
    """What an importer returns for one table found in a file (a ZIP may hold several).

    ``rows`` is any iterable of rows: a tuple, or a generator that checks and yields them one
    at a time, so a large table never sits in memory whole. The store consumes it once,
    inside its import transaction; a ``TableError`` raised while it is read (a bad row)
    rolls the whole import back. ``info.rows`` need not be known before the rows are read:
    the store counts the rows it inserts and records that count (use ``materialized()``
    for a table whose rows and count are needed in memory).
    """

    info: TableInfo
    rows: Iterable[TableRow]

    def materialized(self) -> ParsedTable:
        """This table with its rows read into a tuple and ``info.rows`` set to their count.

        Reads the rows once: raises what they raise (a ``TableError`` naming a bad row)."""
        rows = tuple(self.rows)
        return ParsedTable(info=dataclasses.replace(self.info, rows=len(rows)), rows=rows)


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
    ``TableError`` naming the row that is wrong, so a bad file is rejected whole. Each
    table's rows may be a tuple or a lazy iterable that raises ``TableError`` at a bad row
    as it is read; the store reads it inside its transaction and rolls back on the error.
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

    Shared by the in-memory tables and the SQLite store; O(log versions) the first time a
    (family, date) is asked for, a dict hit after that (a batch has a few hundred dates)."""

    def __init__(self, infos: Iterable[TableInfo]) -> None:
        families: dict[tuple[str, str, str], list[TableInfo]] = {}
        for info in infos:
            families.setdefault(info.family, []).append(info)
        self._families = {k: sorted(v, key=lambda i: i.effective) for k, v in families.items()}
        self._dates = {k: [i.effective for i in v] for k, v in self._families.items()}
        self._by_day: dict[tuple[str, str, str], dict[date, TableInfo | None]] = {}

    def in_force(self, family: tuple[str, str, str], on: date) -> TableInfo | None:
        days = self._by_day.get(family)
        if days is None:
            days = self._by_day.setdefault(family, {})
        elif on in days:
            return days[on]
        dates = self._dates.get(family)
        found = None
        if dates:
            at = bisect.bisect_right(dates, on)
            found = self._families[family][at - 1] if at else None
        if len(days) < _MAX_CACHED_DAYS:
            days[on] = found  # the same answer whichever thread stores it first
        return found

    def all(self) -> tuple[TableInfo, ...]:
        return tuple(info for family in sorted(self._families) for info in self._families[family])


_NO_ROWS: Mapping[str, RowHit] = MappingProxyType({})
_MAX_CACHED_DAYS = 20_000  # about 55 years of dates per family: a bound, not a working limit


class TableSnapshot:
    """The lookup side of ``ReferenceTables``, shared by ``MemoryTables`` and the store.

    Each table version's rows are loaded the first time a lookup needs them (by *load*),
    turned into one ``RowHit`` per key, and never changed after: a lookup is two dict hits.
    Loading happens under a lock and a loaded version is published whole, so one snapshot
    can be read from several threads at once (the SQLite store is only read while the lock
    is held)."""

    def __init__(
        self, infos: Iterable[TableInfo], load: Callable[[TableInfo], Mapping[str, TableRow]]
    ) -> None:
        self._index = VersionIndex(infos)
        self._load = load
        self._lock = threading.Lock()
        self._hits: dict[TableInfo, Mapping[str, RowHit]] = {}
        # by id: the index holds every TableInfo for the snapshot's life, and hashing one
        # (eight fields) per lookup costs more than the rest of the lookup
        self._by_id: dict[int, Mapping[str, RowHit]] = {}

    def in_force(self, kind: str, program: str, service_type: str, on: date) -> TableInfo | None:
        return self._index.in_force((kind, program, service_type), on)

    def lookup(
        self, kind: str, program: str, service_type: str, key: str, on: date
    ) -> RowHit | None:
        info = self._index.in_force((kind, program, service_type), on)
        if info is None:
            return None
        hits = self._by_id.get(id(info))
        if hits is None:
            hits = self._loaded(info)
        return hits.get(key)

    def rows_in_force(
        self, kind: str, program: str, service_type: str, on: date
    ) -> tuple[TableInfo | None, Mapping[str, RowHit]]:
        """The version in force on *on* and its rows by key (empty when none is): what a
        run caches per (table, date) so that each later lookup is one dict hit."""
        info = self._index.in_force((kind, program, service_type), on)
        if info is None:
            return None, _NO_ROWS
        hits = self._by_id.get(id(info))
        return info, self._loaded(info) if hits is None else hits

    def _loaded(self, info: TableInfo) -> Mapping[str, RowHit]:
        with self._lock:
            hits = self._hits.get(info)
            if hits is None:
                rows = self._load(info)
                hits = MappingProxyType({k: RowHit(row=r, table=info) for k, r in rows.items()})
                self._hits[info] = self._by_id[id(info)] = hits
            return hits

    def preload(self, infos: Iterable[TableInfo]) -> None:
        """Load these versions now (e.g. before threads start, or to time loading apart)."""
        for info in infos:
            if info not in self._hits:
                self._loaded(info)

    def tables(self) -> tuple[TableInfo, ...]:
        return self._index.all()

    def used(self) -> tuple[TableInfo, ...]:
        return tuple(self._hits)


class MemoryTables(TableSnapshot):
    """Reference tables held in memory: for tests and for the Python API."""

    def __init__(self, tables: Iterable[ParsedTable] = ()) -> None:
        parsed = [table.materialized() for table in tables]
        rows: dict[TableInfo, Mapping[str, TableRow]] = {
            p.info: {row.key: row for row in p.rows} for p in parsed
        }
        super().__init__(rows, rows.__getitem__)
