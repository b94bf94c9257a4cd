"""Day totals across requests, one ledger per tenant (header ``X-Scrubber-Tenant``).

CMS counts MUE units per beneficiary, provider and date of service whatever claim they came
on, so an EHR that sends one claim per request still needs the earlier requests' units. Each
tenant's ledger is used by one request at a time (a lock per tenant): two concurrent requests
for the same patient and date must see each other's units, never interleave.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from scrubber.history import ClaimHistory

__all__ = ["TenantHistories", "TenantHistory"]

T = TypeVar("T")


class TenantHistory:
    """One tenant's ledger and the lock that serialises its use."""

    def __init__(self, history: ClaimHistory) -> None:
        self._history = history
        self._lock = threading.Lock()

    def run(self, work: Callable[[ClaimHistory], T]) -> T:
        with self._lock:
            return work(self._history)


class TenantHistories:
    """Tenants' ledgers, made on first use by *factory* (in memory by default)."""

    def __init__(self, factory: Callable[[str], ClaimHistory] | None = None) -> None:
        self._factory = factory or (lambda _tenant: ClaimHistory())
        self._tenants: dict[str, TenantHistory] = {}
        self._lock = threading.Lock()

    def get(self, tenant: str) -> TenantHistory:
        with self._lock:
            found = self._tenants.get(tenant)
            if found is None:
                found = self._tenants[tenant] = TenantHistory(self._factory(tenant))
            return found
