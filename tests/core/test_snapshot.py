"""A table snapshot: loaded once per version, immutable after, readable from several threads."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import pytest

from scrubber._store import TableStore
from scrubber._tables import MemoryTables, ParsedTable, TableSnapshot
from scrubber.testing import make_table

CODES = [f"{n:05d}" for n in range(10_000, 10_400)]


def _quarter(effective: date, bump: int) -> ParsedTable:
    rows = {code: {"value": str(i % 7 + bump), "mai": "2"} for i, code in enumerate(CODES)}
    return make_table("mue", "medicare", "practitioner", effective, rows)


QUARTERS = [_quarter(date(2026, 1, 1), 0), _quarter(date(2026, 7, 1), 10)]
DAYS = [date(2025, 12, 30) + timedelta(days=k * 3) for k in range(100)]


def _answers(tables: TableSnapshot) -> list[str | None]:
    out = []
    for on in DAYS:
        for code in (*CODES[::7], "99999"):
            hit = tables.lookup("mue", "medicare", "practitioner", code, on)
            out.append(None if hit is None else f"{hit.table.effective}:{hit.row.get('value')}")
    return out


def _from_four_threads(tables: TableSnapshot) -> list[list[str | None]]:
    start = threading.Barrier(4)
    results: list[list[str | None]] = [[] for _ in range(4)]
    errors: list[BaseException] = []

    def work(slot: int) -> None:
        try:
            start.wait()
            results[slot] = _answers(tables)
        except BaseException as exc:  # reported below, never swallowed
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


@pytest.mark.parametrize("where", ["file", "memory-store", "memory-tables"])
def test_four_threads_on_one_snapshot_see_what_one_thread_sees(where: str, tmp_path: Path) -> None:
    if where == "memory-tables":
        make = lambda: MemoryTables(QUARTERS)  # noqa: E731
    else:
        store = TableStore.open(tmp_path / "t.db" if where == "file" else ":memory:", create=True)
        store.import_tables(QUARTERS)
        make = store.snapshot
    expected = _answers(make())
    assert "2026-01-01:0" in expected and "2026-07-01:10" in expected and None in expected
    shared = make()  # nothing loaded yet: the threads race to load both versions
    assert all(result == expected for result in _from_four_threads(shared))
    assert sorted(t.effective for t in shared.used()) == [date(2026, 1, 1), date(2026, 7, 1)]


def test_a_version_is_loaded_once_and_lookups_return_its_rows() -> None:
    loads: list[date] = []
    rows = {q.info: {row.key: row for row in q.rows} for q in QUARTERS}

    def load(info):  # type: ignore[no-untyped-def]
        loads.append(info.effective)
        return rows[info]

    tables = TableSnapshot(rows, load)
    first = tables.lookup("mue", "medicare", "practitioner", CODES[0], date(2026, 2, 1))
    again = tables.lookup("mue", "medicare", "practitioner", CODES[0], date(2026, 3, 1))
    assert first is not None and first is again  # one hit per (version, code)
    tables.lookup("mue", "medicare", "practitioner", CODES[1], date(2026, 8, 1))
    assert loads == [date(2026, 1, 1), date(2026, 7, 1)]
    tables.preload(rows)
    assert len(loads) == 2


def test_the_version_in_force_is_the_same_asked_twice_or_from_a_new_snapshot() -> None:
    tables = MemoryTables(QUARTERS)
    for on in DAYS:
        first = tables.in_force("mue", "medicare", "practitioner", on)
        assert first == tables.in_force("mue", "medicare", "practitioner", on)
        assert first == MemoryTables(QUARTERS).in_force("mue", "medicare", "practitioner", on)
    assert tables.in_force("mue", "medicare", "practitioner", date(2025, 12, 31)) is None
    assert tables.in_force("mue", "medicaid", "practitioner", date(2026, 8, 1)) is None
