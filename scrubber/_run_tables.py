"""The reference tables as one run sees them: provenance and rows kept per run."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import cast

from scrubber._tables import ReferenceTables, RowHit, TableInfo

__all__ = ["RunTables"]

_MAX_RUN_SLOTS = 50_000  # (table, date) pairs a run keeps rows for: a bound, not a limit


class RunTables:
    """The engine's tables as this run's edits see them, noting each version looked up.

    Provenance is the run's, never state on the shared snapshot, so two runs on one snapshot
    (or two threads) each report exactly the tables they used. Every lookup rests on the
    version in force for its (table, date), hit or miss, so that version is noted the first
    time the run asks for the pair; the pair's rows are then kept by the run, and each later
    lookup is one dict hit for the pair and one for the key."""

    __slots__ = ("_inner", "_rows", "_used")

    def __init__(self, inner: ReferenceTables) -> None:
        self._inner = inner
        self._used: dict[TableInfo, None] = {}
        self._rows: dict[tuple[str, str, str, date], Mapping[str, RowHit] | None] = {}

    def in_force(self, kind: str, program: str, service_type: str, on: date) -> TableInfo | None:
        return self._inner.in_force(kind, program, service_type, on)

    def lookup(
        self, kind: str, program: str, service_type: str, key: str, on: date
    ) -> RowHit | None:
        slot = (kind, program, service_type, on)
        rows = self._rows.get(slot)
        if rows is None:
            rows = self._rows_for(slot)
            if rows is None:  # tables without whole versions in memory: ask each time
                return self._inner.lookup(kind, program, service_type, key, on)
        return rows.get(key)

    def _rows_for(self, slot: tuple[str, str, str, date]) -> Mapping[str, RowHit] | None:
        kind, program, service_type, on = slot
        info = self._inner.in_force(kind, program, service_type, on)
        if info is not None:
            self._used[info] = None
        rows_in_force = getattr(self._inner, "rows_in_force", None)
        if rows_in_force is None:
            return None
        _info, rows = rows_in_force(kind, program, service_type, on)
        if len(self._rows) >= _MAX_RUN_SLOTS:
            self._rows.clear()
        self._rows[slot] = rows
        return cast("Mapping[str, RowHit]", rows)

    def tables(self) -> tuple[TableInfo, ...]:
        return self._inner.tables()

    def used(self) -> tuple[TableInfo, ...]:
        return tuple(self._used)
