"""The embedded SQLite table store.

The CLI opens it (``--tables PATH`` / ``SCRUBBER_TABLES`` / the platform's user data dir);
the core only sees the ``ReferenceTables`` a snapshot provides. One row of
``table_versions`` per imported table version, with its provenance; its rows in
``table_rows`` as ``key -> JSON values``. A run loads a version's rows into a dict the first
time a lookup needs it, so a run over Medicaid claims never loads the Medicare tables and
per-line lookups are O(1) after that.

The schema is versioned with ``PRAGMA user_version`` and migrated forward on open; a file
that is not a store (or is damaged) is a ``TableError``, never a traceback.

Several processes may share a store (an import while scrubs run, two imports at once). Every
write (the schema migration, an import) is one ``BEGIN IMMEDIATE`` transaction, which takes
the write lock before reading, so two first-time imports cannot both create the schema and
two imports of one version cannot both insert it. A process that finds the store locked
waits up to ``BUSY_TIMEOUT_SECONDS``, then fails with a "busy" error, not a "damaged" one.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import final

from scrubber._errors import TableError
from scrubber._tables import ParsedTable, TableInfo, TableRow, TableSnapshot

__all__ = ["ImportOutcome", "StoreTables", "TableStore"]

IMPORT_BATCH_ROWS = 5_000  # rows per executemany: bounds what an import holds at once
APPLICATION_ID = 0x43534352  # "CSCR": marks a file as a claim-scrubber table store
BUSY_TIMEOUT_SECONDS = 60.0  # how long to wait for another process's import to finish

MIGRATIONS: tuple[str, ...] = (
    # 1: table versions with provenance, their rows, and a log of every import
    """
    CREATE TABLE table_versions (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        program TEXT NOT NULL,
        service_type TEXT NOT NULL,
        effective TEXT NOT NULL,
        source_file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        row_count INTEGER NOT NULL,
        imported_at TEXT NOT NULL,
        UNIQUE (kind, program, service_type, effective)
    );
    CREATE TABLE table_rows (
        table_id INTEGER NOT NULL REFERENCES table_versions (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (table_id, key)
    ) WITHOUT ROWID;
    CREATE TABLE import_log (
        id INTEGER PRIMARY KEY,
        source_file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        table_name TEXT NOT NULL,
        effective TEXT NOT NULL,
        outcome TEXT NOT NULL,
        at TEXT NOT NULL
    );
    """,
)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ImportOutcome:
    """``added``, ``unchanged`` (the same file again: a no-op) or ``replaced`` (a corrected
    file for a version already in the store)."""

    table: TableInfo
    outcome: str


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _store_error(exc: sqlite3.Error, path: str, what: str) -> TableError:
    """A locked store is busy (try again later), not damaged."""
    if _is_busy(exc):
        return TableError(
            f"the table store is busy (another process is writing it; waited"
            f" {BUSY_TIMEOUT_SECONDS:g} s): try again when it has finished",
            source=path,
        )
    return TableError(f"{what} ({exc})", source=path)


def _info(row: sqlite3.Row) -> TableInfo:
    return TableInfo(
        kind=row["kind"],
        program=row["program"],
        service_type=row["service_type"],
        effective=date.fromisoformat(row["effective"]),
        source_file=row["source_file"],
        sha256=row["sha256"],
        rows=row["row_count"],
        imported_at=row["imported_at"],
    )


class TableStore:
    """An open table store. Use ``TableStore.open(path)``; ``":memory:"`` works for tests."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self._conn = conn
        self.path = path
        self._lock = threading.Lock()  # one statement at a time on the shared connection

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False) -> TableStore:
        """Open (and migrate) the store at *path* for lookups.

        A path where no store exists is a ``TableError``: a misspelled ``--tables`` must not
        silently scrub against an empty store. Only an import passes ``create=True``.
        One store may serve several threads (the connection is shared, its use serialised).
        """
        name = str(path)
        if name != ":memory:":
            p = Path(name)
            if not p.exists() and not create:
                raise TableError(
                    "no table store here (check the path; 'scrubber tables import' creates one)",
                    source=name,
                )
            if create:
                p.parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: transactions are explicit (see _write), never implicit;
            # read by a snapshot from any thread, one thread at a time (its lock)
            conn = sqlite3.connect(
                name,
                timeout=BUSY_TIMEOUT_SECONDS,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            store = cls(conn, name)
            store._migrate()
        except sqlite3.DatabaseError as exc:
            raise _store_error(exc, name, "not a readable table store") from None
        return store

    def close(self) -> None:
        self._conn.close()

    @classmethod
    def import_into(
        cls,
        path: str | Path,
        read: Callable[[], Iterable[Iterable[ParsedTable]]],
        *,
        imported_at: str | None = None,
    ) -> list[list[ImportOutcome]]:
        """Import the files *read* returns (``import_files``) into the store at *path*,
        creating it if needed (*read* is called again if the store appeared meanwhile).

        A new store is built in a temporary file beside *path* and linked into place only
        when the import succeeded, so a failed first import leaves no empty store behind (a
        later scrub would take it for a store with no tables), and no other process ever
        opens a half-built one. If another process put a store at *path* meanwhile, the
        files are imported into that one instead: a store is never replaced."""
        target = Path(path)
        if str(path) == ":memory:" or target.exists():
            return cls._import_and_close(cls.open(path), read(), imported_at)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".new"
        )
        os.close(handle)
        try:
            done = cls._import_and_close(cls.open(temporary), read(), imported_at)
            try:
                os.link(temporary, target)  # atomic, and fails rather than replace a store
            except FileExistsError:
                return cls._import_and_close(cls.open(target), read(), imported_at)
            except OSError as exc:
                raise TableError(
                    f"cannot create the table store ({exc.strerror})", source=str(target)
                ) from None
            return done
        finally:
            for leftover in (temporary, f"{temporary}-journal"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(leftover)

    @classmethod
    def _import_and_close(
        cls, store: TableStore, files: Iterable[Iterable[ParsedTable]], at: str | None
    ) -> list[list[ImportOutcome]]:
        try:
            return store.import_files(files, imported_at=at)
        finally:
            store.close()

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction holding the write lock from its start (BEGIN IMMEDIATE)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _migrate(self) -> None:
        self._conn.execute("BEGIN")  # one read snapshot: another process may be migrating
        try:
            (version,) = self._conn.execute("PRAGMA user_version").fetchone()
            self._check_identity(version)
        finally:
            self._conn.execute("COMMIT")
        if version == len(MIGRATIONS):
            return
        with self._write():  # read the version again under the lock: another process may
            (version,) = self._conn.execute("PRAGMA user_version").fetchone()  # have migrated
            self._check_identity(version)
            for number in range(version, len(MIGRATIONS)):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        self._conn.execute(statement)
                self._conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self._conn.execute(f"PRAGMA user_version = {number + 1}")

    def _check_identity(self, version: int) -> None:
        (app_id,) = self._conn.execute("PRAGMA application_id").fetchone()
        if app_id not in (0, APPLICATION_ID):
            raise TableError(
                "this SQLite file is not a claim-scrubber table store", source=self.path
            )
        if app_id == 0 and version == 0:
            tables = self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables:
                raise TableError(
                    "this SQLite file is not a claim-scrubber table store", source=self.path
                )
        if version > len(MIGRATIONS):
            raise TableError(
                f"table store schema {version} is newer than this scrubber knows "
                f"({len(MIGRATIONS)}); upgrade claim-scrubber",
                source=self.path,
            )

    def import_tables(
        self, parsed: Iterable[ParsedTable], *, imported_at: str | None = None
    ) -> list[ImportOutcome]:
        """Store every table of one file in one transaction: all or nothing."""
        [outcomes] = self.import_files([parsed], imported_at=imported_at)
        return outcomes

    def import_files(
        self, files: Iterable[Iterable[ParsedTable]], *, imported_at: str | None = None
    ) -> list[list[ImportOutcome]]:
        """Store the tables of several files in one transaction: all of them or none.

        *files* (and each file's tables, and each table's rows) are read lazily, inside the
        transaction, so rows stream from the importer into the store in batches of
        ``IMPORT_BATCH_ROWS`` and never sit in memory whole. Anything raised while they are
        read (a ``TableError`` at a bad row, a file that cannot be read) rolls back every
        file of the call and propagates unchanged. The write lock is held while they are
        read: other writers wait (up to ``BUSY_TIMEOUT_SECONDS``), readers do not.
        """
        at = imported_at or datetime.now(UTC).isoformat(timespec="seconds")
        done: list[list[ImportOutcome]] = []
        try:
            with self._write():
                for tables in files:
                    done.append([self._import_one(table, at) for table in tables])
        except sqlite3.DatabaseError as exc:
            raise _store_error(exc, self.path, "could not write the table store") from None
        return done

    def _import_one(self, table: ParsedTable, at: str) -> ImportOutcome:
        info = table.info
        existing = self._conn.execute(
            "SELECT id, sha256 FROM table_versions"
            " WHERE kind = ? AND program = ? AND service_type = ? AND effective = ?",
            (info.kind, info.program, info.service_type, info.effective.isoformat()),
        ).fetchone()
        outcome = "added"
        if existing is not None:
            if existing["sha256"] == info.sha256:
                outcome = "unchanged"  # the same file again: its rows are not read
            else:
                self._conn.execute("DELETE FROM table_versions WHERE id = ?", (existing["id"],))
                outcome = "replaced"
        if outcome != "unchanged":
            cursor = self._conn.execute(
                "INSERT INTO table_versions (kind, program, service_type, effective,"
                " source_file, sha256, row_count, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    info.kind,
                    info.program,
                    info.service_type,
                    info.effective.isoformat(),
                    info.source_file,
                    info.sha256,
                    0,  # counted while the rows are inserted, set below before the commit
                    at,
                ),
            )
            table_id = cursor.lastrowid
            count = 0
            rows = iter(table.rows)
            while batch := list(itertools.islice(rows, IMPORT_BATCH_ROWS)):
                self._conn.executemany(
                    "INSERT INTO table_rows (table_id, key, data) VALUES (?, ?, ?)",
                    [(table_id, row.key, json.dumps(row.values)) for row in batch],
                )
                count += len(batch)
            self._conn.execute(
                "UPDATE table_versions SET row_count = ? WHERE id = ?", (count, table_id)
            )
        self._conn.execute(
            "INSERT INTO import_log (source_file, sha256, table_name, effective, outcome, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (info.source_file, info.sha256, info.name, info.effective.isoformat(), outcome, at),
        )
        stored = self._version(info.family, info.effective)
        return ImportOutcome(table=stored or info, outcome=outcome)

    def _version(self, family: tuple[str, str, str], effective: date) -> TableInfo | None:
        row = self._conn.execute(
            "SELECT * FROM table_versions"
            " WHERE kind = ? AND program = ? AND service_type = ? AND effective = ?",
            (*family, effective.isoformat()),
        ).fetchone()
        return None if row is None else _info(row)

    def list_tables(self) -> tuple[TableInfo, ...]:
        try:
            rows = self._conn.execute(
                "SELECT * FROM table_versions ORDER BY kind, program, service_type, effective"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _store_error(exc, self.path, "table store is damaged") from None
        return tuple(_info(r) for r in rows)

    def load_rows(self, info: TableInfo) -> dict[str, TableRow]:
        """All rows of one stored version, keyed by code."""
        try:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT r.key, r.data FROM table_rows r"
                    " JOIN table_versions v ON v.id = r.table_id"
                    " WHERE v.kind = ? AND v.program = ? AND v.service_type = ?"
                    " AND v.effective = ?",
                    (*info.family, info.effective.isoformat()),
                ).fetchall()
            return {
                key: TableRow(key=key, values=tuple(tuple(pair) for pair in json.loads(data)))
                for key, data in rows
            }
        except sqlite3.DatabaseError as exc:
            raise _store_error(exc, self.path, "table store is damaged") from None
        except (ValueError, TypeError) as exc:
            raise TableError(f"table store is damaged ({exc})", source=self.path) from None

    def snapshot(self) -> StoreTables:
        """The tables as a ``ReferenceTables`` for one run (rows load on first use)."""
        return StoreTables(self)


class StoreTables(TableSnapshot):
    """``ReferenceTables`` backed by a store; each version is loaded once, when first used,
    and kept in memory for the snapshot's life (safe to share between threads)."""

    def __init__(self, store: TableStore) -> None:
        self._store = store
        super().__init__(store.list_tables(), store.load_rows)
