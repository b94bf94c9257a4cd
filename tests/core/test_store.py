"""The SQLite table store: provenance, idempotent import, date selection, damage handling."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from scrubber._errors import TableError
from scrubber._store import IMPORT_BATCH_ROWS, TableStore
from scrubber._tables import MemoryTables, ParsedTable, TableInfo, TableRow
from scrubber.testing import make_table


def q(effective: date, value: str, sha: str = "a" * 64) -> ParsedTable:
    table = make_table(
        "mue", "medicare", "practitioner", effective, {"97110": {"value": value, "mai": "1"}}
    )
    return ParsedTable(info=TableInfo(**{**_fields(table.info), "sha256": sha}), rows=table.rows)


def _fields(info: TableInfo) -> dict:
    return {f: getattr(info, f) for f in info.__dataclass_fields__}


def test_import_records_provenance_and_is_idempotent(tmp_path: Path) -> None:
    store = TableStore.open(tmp_path / "t.db", create=True)
    [first] = store.import_tables(
        [q(date(2026, 1, 1), "4")], imported_at="2026-11-27T00:00:00+00:00"
    )
    assert first.outcome == "added"
    [again] = store.import_tables([q(date(2026, 1, 1), "4")])
    assert again.outcome == "unchanged"
    [info] = store.list_tables()
    assert (info.name, info.rows, info.imported_at) == (
        "mue/medicare/practitioner",
        1,
        "2026-11-27T00:00:00+00:00",
    )
    [replaced] = store.import_tables([q(date(2026, 1, 1), "6", sha="b" * 64)])
    assert replaced.outcome == "replaced"
    hit = store.snapshot().lookup("mue", "medicare", "practitioner", "97110", date(2026, 2, 1))
    assert hit is not None and hit.row.get("value") == "6"


def test_lookup_picks_the_version_in_force_on_the_date() -> None:
    store = TableStore.open(":memory:")
    store.import_tables([q(date(2026, 1, 1), "4", "a" * 64), q(date(2026, 7, 1), "2", "c" * 64)])
    tables = store.snapshot()
    assert tables.used() == ()
    value = lambda d: tables.lookup("mue", "medicare", "practitioner", "97110", d).row.get("value")  # noqa: E731
    assert value(date(2026, 6, 30)) == "4"
    assert value(date(2026, 7, 1)) == "2"
    assert tables.lookup("mue", "medicare", "practitioner", "97110", date(2025, 12, 31)) is None
    assert tables.lookup("mue", "medicare", "practitioner", "99999", date(2026, 7, 1)) is None
    assert [t.effective for t in tables.used()] == [date(2026, 1, 1), date(2026, 7, 1)]


def test_memory_tables_match_store_semantics() -> None:
    tables = MemoryTables([q(date(2026, 1, 1), "4"), q(date(2026, 7, 1), "2")])
    assert tables.in_force("mue", "medicare", "practitioner", date(2026, 8, 1)).effective == date(
        2026, 7, 1
    )
    assert tables.in_force("mue", "medicaid", "practitioner", date(2026, 8, 1)) is None


def test_failed_import_leaves_the_store_unchanged(tmp_path: Path) -> None:
    store = TableStore.open(tmp_path / "t.db", create=True)
    bad = ParsedTable(
        info=q(date(2026, 4, 1), "1").info,
        rows=(TableRow(key="A", values=()), TableRow(key="A", values=())),
    )
    with pytest.raises(TableError):
        store.import_tables([q(date(2026, 1, 1), "4"), bad])
    assert store.list_tables() == ()


def test_a_file_that_is_not_a_store_is_a_table_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(TableError, match="not a readable table store"):
        TableStore.open(junk)
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE foo (x)")
    con.commit()
    con.close()
    with pytest.raises(TableError, match="not a claim-scrubber table store"):
        TableStore.open(other)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    TableStore.open(path, create=True).close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(TableError, match="newer"):
        TableStore.open(path)


def test_missing_store_without_create(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="no table store"):
        TableStore.open(tmp_path / "missing.db", create=False)


def _streamed(table: ParsedTable, bad_at: int | None = None) -> ParsedTable:
    """*table* with its rows as a one-shot generator (``info.rows`` unknown: 0), raising a
    ``TableError`` at row *bad_at* when given, as a streaming importer does."""

    def rows() -> Iterator[TableRow]:
        for number, row in enumerate(table.rows, start=1):
            if number == bad_at:
                raise TableError("not a code", source="f.csv", position=f"row {number}")
            yield row

    return ParsedTable(info=dataclasses.replace(table.info, rows=0), rows=rows())


def _many(effective: date, count: int, sha: str) -> ParsedTable:
    table = make_table(
        "mue",
        "medicare",
        "practitioner",
        effective,
        {f"{n:05d}": {"value": "1", "mai": "1"} for n in range(count)},
    )
    return ParsedTable(info=dataclasses.replace(table.info, sha256=sha), rows=table.rows)


def test_streamed_rows_are_counted_as_they_are_inserted(tmp_path: Path) -> None:
    store = TableStore.open(tmp_path / "t.db", create=True)
    count = IMPORT_BATCH_ROWS * 2 + 7  # several batches and a short last one
    [outcome] = store.import_tables([_streamed(_many(date(2026, 1, 1), count, "a" * 64))])
    assert (outcome.outcome, outcome.table.rows) == ("added", count)
    [info] = store.list_tables()
    assert info.rows == count == len(store.load_rows(info))


def test_a_bad_row_rolls_back_every_table_and_file_of_the_import(tmp_path: Path) -> None:
    store = TableStore.open(tmp_path / "t.db", create=True)
    store.import_tables([q(date(2026, 1, 1), "4")], imported_at="2026-11-27T00:00:00+00:00")
    before = store.list_tables()
    count = IMPORT_BATCH_ROWS + 10
    replacing = _streamed(_many(date(2026, 1, 1), count, "b" * 64), bad_at=count - 1)
    with pytest.raises(TableError, match="row 5009"):
        store.import_files([[q(date(2026, 7, 1), "2", "c" * 64)], [replacing]])
    assert store.list_tables() == before
    hit = store.snapshot().lookup("mue", "medicare", "practitioner", "97110", date(2026, 8, 1))
    assert hit is not None and hit.row.get("value") == "4"
    log = sqlite3.connect(tmp_path / "t.db").execute("SELECT count(*) FROM import_log")
    assert log.fetchone() == (1,)


def test_a_tuple_of_rows_still_imports_and_its_count_is_what_was_stored(tmp_path: Path) -> None:
    """A third-party importer returning a tuple (and a wrong ``info.rows``) still works."""
    table = q(date(2026, 1, 1), "4")
    assert isinstance(table.rows, tuple)
    wrong = ParsedTable(info=dataclasses.replace(table.info, rows=99), rows=table.rows)
    store = TableStore.open(tmp_path / "t.db", create=True)
    [outcome] = store.import_tables([wrong])
    assert outcome.table.rows == 1


def test_memory_tables_read_streamed_rows_once_and_count_them() -> None:
    tables = MemoryTables([_streamed(q(date(2026, 1, 1), "4"))])
    [info] = tables.tables()
    assert info.rows == 1
    hit = tables.lookup("mue", "medicare", "practitioner", "97110", date(2026, 2, 1))
    assert hit is not None and hit.row.get("value") == "4"
