"""Units already billed in this run, for date-of-service edits across claims.

CMS sums MUE units "reported by the same provider for the same beneficiary for the same date
of service" (questions.cms.gov FAQ 11344), and a clearinghouse batch often holds several
claims of one patient for one day. The engine records each claim's final lines here and an
edit asks for the units on *earlier* claims of the same patient and billing provider.

Memory stays bounded on million-claim batches: only the most recent ``max_patients``
(patient, billing provider) pairs are kept (least recently used first out). Claims of one
patient sit together in an 837P subscriber loop, so the window loses nothing in practice;
the engine's ``history_window`` setting widens it.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from decimal import Decimal

from scrubber.models import Claim

__all__ = ["ClaimHistory"]

_Key = tuple[str, str]


class ClaimHistory:
    """Per-run ledger: (patient, billing NPI) -> (code, date) -> units."""

    def __init__(self, max_patients: int = 20_000) -> None:
        self.max_patients = max_patients
        self._ledger: OrderedDict[_Key, dict[tuple[str, date], Decimal]] = OrderedDict()
        # what each claim id added, so a voided claim's units can be taken out again
        self._by_claim: OrderedDict[str, tuple[_Key, tuple[tuple[str, date, Decimal], ...]]] = (
            OrderedDict()
        )

    @staticmethod
    def _key(claim: Claim) -> _Key | None:
        patient = claim.patient_key or claim.subscriber_key
        return (patient, claim.billing_npi or "") if patient else None

    def prior_units(self, claim: Claim, code: str, on: date) -> Decimal:
        """Units of *code* on *on* on earlier claims of this patient and billing provider."""
        key = self._key(claim)
        if key is None:
            return Decimal("0")
        days = self._ledger.get(key)
        return days.get((code, on), Decimal("0")) if days else Decimal("0")

    def record(self, claim: Claim) -> None:
        """Add *claim*'s lines (as they will be billed) to the ledger."""
        key = self._key(claim)
        if key is None or not claim.lines:
            return
        days = self._ledger.get(key)
        if days is None:
            days = self._ledger[key] = {}
            if len(self._ledger) > self.max_patients:
                self._ledger.popitem(last=False)
        else:
            self._ledger.move_to_end(key)
        added = []
        for line in claim.lines:
            slot = (line.code, line.service_date)
            days[slot] = days.get(slot, Decimal("0")) + line.units
            added.append((line.code, line.service_date, line.units))
        self._by_claim[claim.id] = (key, tuple(added))
        if len(self._by_claim) > self.max_patients * 10:
            self._by_claim.popitem(last=False)

    def forget(self, claim_id: str) -> bool:
        """Take the units *claim_id* added out of the day totals; False if it is unknown."""
        found = self._by_claim.pop(claim_id, None)
        if found is None:
            return False
        key, added = found
        days = self._ledger.get(key)
        if days is not None:
            for code, on, units in added:
                left = days.get((code, on), Decimal("0")) - units
                if left > 0:
                    days[(code, on)] = left
                else:
                    days.pop((code, on), None)
        return True
