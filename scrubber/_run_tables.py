"""The reference tables as one run sees them: provenance and rows kept per run."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from scrubber._tables import ReferenceTables, RowHit, TableInfo

__all__ = ["RunTables"]

_MAX_RUN_SLOTS = 50_000  # (table, date) pairs a run keeps rows for: a bound, not a limit

Slot = tuple[str, str, str, date]  # (kind, program, service type, date)
InForce = tuple[TableInfo | None, Mapping[str, RowHit]]


class RunTables:
    """The engine's tables as this run's edits see them, noting each version looked up.

    Provenance is the run's, never state on the shared snapshot, so two runs on one snapshot
    (or two threads) each report exactly the tables they used. Every lookup rests on the
    version in force for its (table, date), hit or miss, so that version is noted the first
    time the run asks for the pair; the pair's rows are then kept by the run, and each later
    lookup is one dict hit for the pair and one for the key. An edit that looks up every
    line of a claim asks ``rows_in_force`` once per date instead: one dict hit per line."""

    __slots__ = ("_inner", "_rows", "_used")

    def __init__(self, inner: ReferenceTables) -> None:
        self._inner = inner
        self._used: dict[TableInfo, None] = {}
        self._rows: dict[Slot, InForce | None] = {}

    def in_force(self, kind: str, program: str, service_type: str, on: date) -> TableInfo | None:
        return self._inner.in_force(kind, program, service_type, on)

    def lookup(
        self, kind: str, program: str, service_type: str, key: str, on: date
    ) -> RowHit | None:
        slot = (kind, program, service_type, on)
        found = self._rows.get(slot)
        if found is None:
            found = self._rows_for(slot)
            if found is None:  # tables without whole versions in memory: ask each time
                return self._inner.lookup(kind, program, service_type, key, on)
        return found[1].get(key)

    def rows_in_force(self, kind: str, program: str, service_type: str, on: date) -> InForce | None:
        """The version in force on *on* and its rows by key (empty when none is), noted as
        used like a lookup; None for tables that do not hold whole versions in memory (then
        ask ``lookup`` per key)."""
        slot = (kind, program, service_type, on)
        found = self._rows.get(slot)
        return self._rows_for(slot) if found is None else found

    def _rows_for(self, slot: Slot) -> InForce | None:
        kind, program, service_type, on = slot
        info = self._inner.in_force(kind, program, service_type, on)
        if info is not None:
            self._used[info] = None
        rows_in_force = getattr(self._inner, "rows_in_force", None)
        if rows_in_force is None:
            return None
        found: InForce = rows_in_force(kind, program, service_type, on)
        if len(self._rows) >= _MAX_RUN_SLOTS:
            self._rows.clear()
        self._rows[slot] = found
        return found

    def tables(self) -> tuple[TableInfo, ...]:
        return self._inner.tables()

    def used(self) -> tuple[TableInfo, ...]:
        return tuple(self._used)
