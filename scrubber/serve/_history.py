"""Day totals across requests, one ledger per tenant (header ``X-Scrubber-Tenant``).

CMS counts MUE units per beneficiary, provider and date of service whatever claim they came
on, so an EHR that sends one claim per request still needs the earlier requests' units. Each
tenant's ledger is used by one request at a time (a lock per tenant): two concurrent requests
for the same patient and date must see each other's units, never interleave.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from scrubber._history import ClaimHistory, PatientLedger, patient_entry
from scrubber._history_store import SqliteHistory

__all__ = ["TenantHistories", "TenantHistory"]

T = TypeVar("T")


class TenantHistory:
    """One tenant's ledger and the lock that serialises its use."""

    def __init__(self, history: ClaimHistory) -> None:
        self._history = history
        self._lock = threading.Lock()

    def run(self, work: Callable[[ClaimHistory], T], *, keep: bool = True) -> T:
        """*work* with this tenant's history, alone; a persisted history keeps what it
        recorded only when *work* returns (an error, or a 4xx/5xx raised in it, keeps none).
        With *keep* false (``check=true``, as ``scrubber scrub --check``) *work* sees the
        tenant's totals but what it records is dropped."""
        with self._lock:
            if not keep:
                return work(_Scratch(self._history))
            try:
                done = work(self._history)
            except BaseException:
                if isinstance(self._history, SqliteHistory):
                    self._history.rollback()
                raise
            if isinstance(self._history, SqliteHistory):
                self._history.commit()
            return done


class _Scratch(ClaimHistory):
    """A history that reads a patient's claims from *base* and records into its own copy."""

    def __init__(self, base: ClaimHistory) -> None:
        super().__init__(max_patients=base.max_patients)
        self._base = base

    def _load(self, patient: str) -> PatientLedger | None:
        return patient_entry(self._base._entry(patient).claims.items())


class TenantHistories:
    """Tenants' ledgers, made on first use: in memory, or with *directory* one SQLite history
    file per tenant (``<tenant>.db``), so day totals outlive a restart."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = None if directory is None else Path(directory)
        self._tenants: dict[str, TenantHistory] = {}
        self._lock = threading.Lock()

    def get(self, tenant: str) -> TenantHistory:
        with self._lock:
            found = self._tenants.get(tenant)
            if found is None:
                found = self._tenants[tenant] = TenantHistory(self._make(tenant))
            return found

    def _make(self, tenant: str) -> ClaimHistory:
        if self.directory is None:
            return ClaimHistory()
        return SqliteHistory(self.directory / f"{tenant}.db")
