"""A history kept between runs in SQLite, so yesterday's batch counts for today's claims.

An MUE is per date of service, and a clearinghouse sees one provider's claims for one patient
and day in different batches (a late line, a replacement). ``SqliteHistory`` is a
``ClaimHistory`` whose ledger is read from and written to a small SQLite file (the CLI keeps
it as ``history.db`` beside the table store; ``--history PATH`` / ``--no-history``).

- One row per claim: patient key (already an opaque hash, never a member id), claim id, the
  claim it replaces, its units per (billing NPI, code, date) as JSON, and its newest date of
  service. A claim seen again replaces its row, so re-running a batch adds nothing.
- Nothing is kept until ``commit()``: the CLI commits only after every output was written,
  so a failed or ``--check`` run leaves the history as it was. Rows are buffered and written
  a few thousand at a time (and before a patient who left memory is read back).
- Bounded: ``commit()`` drops claims whose newest date of service is more than
  ``retain_days`` (default 90) before the newest date in the file. Medicare accepts claims up
  to 12 months after the date of service (42 CFR 424.44); raise ``retain_days`` to 366 to
  cover that window.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from scrubber._errors import TableError
from scrubber._history import ClaimHistory, ClaimUnits, PatientLedger, Slot, patient_entry

__all__ = ["DEFAULT_RETAIN_DAYS", "SqliteHistory"]

DEFAULT_RETAIN_DAYS = 90
FLUSH_EVERY = 2000  # claim rows buffered before one executemany
APPLICATION_ID = 0x43534848  # "CSHH": marks a file as a claim-scrubber history

SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (
    patient TEXT NOT NULL,
    claim_id TEXT NOT NULL,
    original_ref TEXT,
    units TEXT NOT NULL,
    newest TEXT NOT NULL,
    PRIMARY KEY (patient, claim_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS claims_newest ON claims (newest);
"""


class SqliteHistory(ClaimHistory):
    """A ``ClaimHistory`` persisted in SQLite at *path* (created if missing)."""

    def __init__(
        self,
        path: str | Path,
        *,
        retain_days: int = DEFAULT_RETAIN_DAYS,
        max_patients: int = 20_000,
    ) -> None:
        super().__init__(max_patients=max_patients)
        self.path = str(path)
        self.retain_days = retain_days
        self._pending: dict[tuple[str, str], tuple[str | None, str, str] | None] = {}
        self._pending_patients: set[str] = set()
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            # one run uses a history at a time; the service hands it from thread to thread
            self._conn = sqlite3.connect(
                self.path, isolation_level="DEFERRED", check_same_thread=False
            )
            (app_id,) = self._conn.execute("PRAGMA application_id").fetchone()
            empty = not self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app_id != APPLICATION_ID and not empty:
                raise TableError(
                    "this SQLite file is not a claim-scrubber history", source=self.path
                )
            self._conn.executescript(SCHEMA + f"PRAGMA application_id = {APPLICATION_ID};")
        except (sqlite3.DatabaseError, OSError) as exc:
            raise TableError(f"cannot open the claim history ({exc})", source=self.path) from None

    def _load(self, patient: str) -> PatientLedger | None:
        if patient in self._pending_patients:  # left memory with rows not yet written
            self._flush()
        rows = self._conn.execute(
            "SELECT claim_id, original_ref, units FROM claims WHERE patient = ?", (patient,)
        ).fetchall()
        if not rows:
            return None
        return patient_entry(
            (claim_id, ClaimUnits(original_ref=ref, units=_units_from(text)))
            for claim_id, ref, text in rows
        )

    def _changed(
        self, patient: str, *, removed: Iterable[str], added: tuple[str, ClaimUnits | None]
    ) -> None:
        for ref in removed:
            self._pending[(patient, ref)] = None
        claim_id, units = added
        if units is not None and units.marks:
            newest = max(mark[1] for mark in units.marks)
            row = (units.original_ref, _units_text(units), newest.isoformat())
            self._pending[(patient, claim_id)] = row
        self._pending_patients.add(patient)
        if len(self._pending) >= FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        """Write the buffered claim rows (the latest state of each claim wins)."""
        self._conn.executemany(
            "DELETE FROM claims WHERE patient = ? AND claim_id = ?",
            [key for key, row in self._pending.items() if row is None],
        )
        self._conn.executemany(
            "INSERT OR REPLACE INTO claims (patient, claim_id, original_ref, units, newest)"
            " VALUES (?, ?, ?, ?, ?)",
            [(*key, *row) for key, row in self._pending.items() if row is not None],
        )
        self._pending.clear()
        self._pending_patients.clear()

    def commit(self) -> None:
        """Keep what this run recorded, dropping claims older than the retention window."""
        try:
            self._flush()
            (newest,) = self._conn.execute("SELECT max(newest) FROM claims").fetchone()
            if newest:
                cutoff = date.fromisoformat(newest) - timedelta(days=self.retain_days)
                self._conn.execute("DELETE FROM claims WHERE newest < ?", (cutoff.isoformat(),))
            self._conn.commit()
        except sqlite3.DatabaseError as exc:
            raise TableError(f"cannot write the claim history ({exc})", source=self.path) from None

    def forget(self, claim_id: str) -> bool:
        """As ``ClaimHistory.forget``, for claims kept in the file too (call ``commit()``)."""
        self._flush()
        rows = self._conn.execute(
            "SELECT patient FROM claims WHERE claim_id = ?", (claim_id,)
        ).fetchall()
        for (patient,) in rows:
            self._entry(patient)
        return super().forget(claim_id)

    def rollback(self) -> None:
        """Forget what this run recorded (a failed run)."""
        self._pending.clear()
        self._pending_patients.clear()
        self._conn.rollback()
        self._patients.clear()
        self._held = 0

    def close(self) -> None:
        self._conn.close()


def _units_text(units: ClaimUnits) -> str:
    """Each slot's parts (its date of service last, ISO) followed by its units."""
    return json.dumps(
        [[*slot[:-1], slot[-1].isoformat(), str(value)] for slot, value in units.units.items()]
    )


def _units_from(text: str) -> dict[Slot, Decimal]:
    out: dict[Slot, Decimal] = {}
    for *parts, on, value in json.loads(text):
        out[(*parts, date.fromisoformat(on))] = Decimal(value)
    return out
