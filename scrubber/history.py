"""Units already billed, for date-of-service edits across claims: a run's history.

CMS sums MUE units "reported by the same provider for the same beneficiary for the same date
of service" (questions.cms.gov FAQ 11344), and a clearinghouse batch often holds several
claims of one patient for one day. The engine records each claim's final lines here and an
edit asks for the units on *other* claims of the same patient and billing provider.

One history belongs to one run, across every input of it (``Engine.start(history=...)``);
an EHR scrubbing one claim at a time passes the same history to each ``scrub_bytes`` call,
and ``SqliteHistory`` keeps it between runs so yesterday's batch counts for today's claims of
the same date of service.

Units are kept per claim, so a claim is counted once however often it is seen:

- a claim seen again with the same id (CLM01 / the FHIR Claim's identifier) replaces its
  earlier units (re-scrubbing a batch does not double its totals);
- a replacement (837P CLM05-3 = ``7`` with REF*F8, the payer claim control number of the
  claim it replaces; FHIR ``Claim.related`` with relationship ``prior``) supersedes the claim
  it names (``Claim.original_ref``): the original's units leave the totals, its own enter;
- a void (CLM05-3 = ``8``; FHIR ``Claim.status`` = ``cancelled``) removes the claim it names
  and adds nothing.

Memory stays bounded on million-claim batches: only the most recent ``max_patients``
patients are kept (least recently used first out). Claims of one patient sit together in an
837P subscriber loop, so the window loses nothing in practice.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from scrubber.models import Claim

__all__ = [
    "REPLACEMENT",
    "VOID",
    "ClaimHistory",
    "ClaimUnits",
    "PatientLedger",
    "Slot",
    "claim_slots",
    "patient_entry",
]

REPLACEMENT = "7"  # X12 CLM05-3: replacement of prior claim
VOID = "8"  # X12 CLM05-3: void/cancel of prior claim

Slot = tuple[str, str, date]  # (billing provider, code, date of service)


@dataclass(slots=True)
class ClaimUnits:
    """What one claim contributes to its patient's day totals."""

    original_ref: str | None
    units: dict[Slot, Decimal] = field(default_factory=dict)


@dataclass(slots=True)
class PatientLedger:
    totals: dict[Slot, Decimal] = field(default_factory=dict)
    claims: dict[str, ClaimUnits] = field(default_factory=dict)


def _patient_of(claim: Claim) -> str:
    return claim.patient_key or claim.subscriber_key


def claim_slots(claim: Claim) -> Iterator[tuple[Slot, Decimal]]:
    """The day-total slots *claim*'s lines fill, with their units."""
    provider = claim.billing_npi or ""
    for line in claim.lines:
        yield (provider, line.code, line.service_date), line.units


def _slot(claim: Claim, code: str, on: date) -> Slot:
    return (claim.billing_npi or "", code, on)


class ClaimHistory:
    """A run's ledger: patient -> claim id -> units per (billing NPI, code, date)."""

    def __init__(self, max_patients: int = 20_000) -> None:
        self.max_patients = max_patients
        self._patients: OrderedDict[str, PatientLedger] = OrderedDict()

    def prior_units(self, claim: Claim, code: str, on: date) -> Decimal:
        """Units of *code* on *on* on the patient's other claims of the same billing provider
        (neither *claim* itself, seen before, nor the claim it replaces or voids)."""
        patient = _patient_of(claim)
        if not patient:
            return Decimal("0")
        entry = self._entry(patient)
        slot = _slot(claim, code, on)
        total = entry.totals.get(slot, Decimal("0"))
        for ref in _superseded(claim, entry):
            total -= entry.claims[ref].units.get(slot, Decimal("0"))
        return total

    def record(self, claim: Claim) -> None:
        """Count *claim*'s lines (as they will be billed); see the module docstring for
        replacements and voids."""
        patient = _patient_of(claim)
        if not patient:
            return
        entry = self._entry(patient)
        removed = [(ref, entry.claims.pop(ref)) for ref in list(_superseded(claim, entry))]
        for _ref, old in removed:
            _add(entry.totals, old.units, sign=-1)
        added = None
        if claim.frequency_code != VOID and claim.lines:
            added = ClaimUnits(original_ref=claim.original_ref)
            for slot, units in claim_slots(claim):
                added.units[slot] = added.units.get(slot, Decimal("0")) + units
            entry.claims[claim.id] = added
            _add(entry.totals, added.units, sign=1)
        self._changed(patient, removed=[ref for ref, _ in removed], added=(claim.id, added))

    # --- storage hooks (SqliteHistory loads and saves through these) -----------------------

    def _entry(self, patient: str) -> PatientLedger:
        entry = self._patients.get(patient)
        if entry is None:
            entry = self._patients[patient] = self._load(patient) or PatientLedger()
            if len(self._patients) > self.max_patients:
                self._patients.popitem(last=False)
        else:
            self._patients.move_to_end(patient)
        return entry

    def _load(self, patient: str) -> PatientLedger | None:
        """Claims of *patient* kept from earlier runs (none in memory-only history)."""
        return None

    def _changed(
        self, patient: str, *, removed: Iterable[str], added: tuple[str, ClaimUnits | None]
    ) -> None:
        """*patient*'s claims *removed* left the ledger and *added* entered it."""


def _superseded(claim: Claim, entry: PatientLedger) -> Iterator[str]:
    """Ids of recorded claims *claim* stands in for: itself seen before, the claim its
    ``original_ref`` names, and earlier replacements of that same original."""
    if claim.id in entry.claims:
        yield claim.id
    ref = claim.original_ref
    if ref and claim.frequency_code in (REPLACEMENT, VOID):
        for other, units in entry.claims.items():
            if other != claim.id and (other == ref or units.original_ref == ref):
                yield other


def _add(totals: dict[Slot, Decimal], units: dict[Slot, Decimal], *, sign: int) -> None:
    for slot, value in units.items():
        left = totals.get(slot, Decimal("0")) + sign * value
        if left:
            totals[slot] = left
        else:
            totals.pop(slot, None)


def patient_entry(claims: Iterable[tuple[str, ClaimUnits]]) -> PatientLedger:
    """A ledger entry rebuilt from stored claims (for persisted histories)."""
    entry = PatientLedger()
    for claim_id, units in claims:
        entry.claims[claim_id] = units
        _add(entry.totals, units.units, sign=1)
    return entry
