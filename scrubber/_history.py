"""Units already billed, for date-of-service edits across claims: a run's history.

CMS sums MUE units "reported by the same provider for the same beneficiary for the same date
of service" (questions.cms.gov FAQ 11344), and a clearinghouse batch often holds several
claims of one patient for one day. The engine records each claim's final lines here and an
edit asks for the units on *other* claims of the same patient and provider.

Which identity is "the same provider" is a payer setting (the MUE plugin's ``day_total_key``):
the billing NPI, the rendering NPI (a line's own, else the claim's, else the billing NPI, as
837P loops 2420A/2310B are only sent when they differ from the billing provider) or the
billing TIN. The ledger records every line under all three, so any key can be asked for.
A date-span line is recorded as its units divided by its days on each day of the span.

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
from datetime import date, timedelta
from decimal import Decimal

from scrubber._models import Claim, ServiceLine

__all__ = [
    "DAY_TOTAL_KEYS",
    "REPLACEMENT",
    "VOID",
    "ClaimHistory",
    "ClaimUnits",
    "PatientLedger",
    "Slot",
    "claim_slots",
    "patient_entry",
    "provider_for",
]

REPLACEMENT = "7"  # X12 CLM05-3: replacement of prior claim
VOID = "8"  # X12 CLM05-3: void/cancel of prior claim

DAY_TOTAL_KEYS = ("billing_npi", "rendering_npi", "billing_tin")
MAX_SPAN_DAYS = 366  # a longer date span is recorded on its first year of days only

Slot = tuple[str, str, str, date]  # (key kind, provider, code, date of service)


def provider_for(claim: Claim, line: ServiceLine | None, key: str) -> str:
    """The provider identity *key* names for *line* of *claim* (``""`` when unknown)."""
    if key == "billing_tin":
        return claim.billing_tin or ""
    if key == "rendering_npi":
        own = line.rendering_npi if line is not None else None
        return own or claim.rendering_npi or claim.billing_npi or ""
    if key == "billing_npi":
        return claim.billing_npi or ""
    raise ValueError(f"unknown day-total key {key!r} (one of {', '.join(DAY_TOTAL_KEYS)})")


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
    """The day-total slots *claim*'s lines fill, with their units: every line under every
    key kind, on each day of its date span."""
    for line in claim.lines:
        span, per_day = _per_day(line)
        for key in DAY_TOTAL_KEYS:
            provider = provider_for(claim, line, key)
            for n in range(span):
                yield (key, provider, line.code, line.service_from + timedelta(days=n)), per_day


def _per_day(line: ServiceLine) -> tuple[int, Decimal]:
    """Days recorded for *line* and its units on each: a date span's units are spread evenly
    over its days (at most ``MAX_SPAN_DAYS`` are recorded), and a line still reported in
    minutes (SV103 ``MJ``) is one service a day, not one unit per minute."""
    days = 1
    timed = line.start is not None  # one continuous service, e.g. a visit past midnight
    if line.service_to is not None and line.service_to > line.service_from and not timed:
        days = (line.service_to - line.service_from).days + 1
    if line.unit_basis == "MJ":
        return min(days, MAX_SPAN_DAYS), Decimal(1)
    return min(days, MAX_SPAN_DAYS), line.units / days


class ClaimHistory:
    """A run's ledger: patient -> claim id -> units per (key kind, provider, code, date)."""

    def __init__(self, max_patients: int = 20_000) -> None:
        self.max_patients = max_patients
        self._patients: OrderedDict[str, PatientLedger] = OrderedDict()

    def prior_units(
        self,
        claim: Claim,
        code: str,
        on: date,
        *,
        key: str = "billing_npi",
        line: ServiceLine | None = None,
    ) -> Decimal:
        """Units of *code* on *on* on the patient's other claims of the same provider, the
        provider being the identity *key* names (for *line*, with ``rendering_npi``); neither
        *claim* itself, seen before, nor the claim it replaces or voids counts. Claims that
        give no such identity count as one unnamed provider."""
        patient = _patient_of(claim)
        provider = provider_for(claim, line, key)
        if not patient:
            return Decimal("0")
        entry = self._entry(patient)
        slot = (key, provider, code, on)
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

    def forget(self, claim_id: str) -> bool:
        """Take the claim *claim_id* (a voided claim, as ``DELETE /v1/history/{claim_id}``
        of the service) out of the day totals of the patients held in memory; False if no
        such claim is held."""
        found = False
        for patient, entry in list(self._patients.items()):
            old = entry.claims.pop(claim_id, None)
            if old is None:
                continue
            _add(entry.totals, old.units, sign=-1)
            self._changed(patient, removed=[claim_id], added=(claim_id, None))
            found = True
        return found

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
