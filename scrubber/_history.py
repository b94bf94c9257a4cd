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
patients, holding at most ``max_claims`` claims between them, are kept (least recently used
patient first out). Claims of one patient sit together in an 837P subscriber loop, so the
window loses nothing in practice. A claim is held as one small tuple per line and day (its
code, date, the three provider identities and its units), indexed by (code, date) the first
time the patient's day totals are asked for after it was recorded: a lookup is one dict
hit, nothing per key kind is stored three times, and a claim no later claim asks about is
never indexed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Container, Iterable, Iterator, Mapping
from datetime import date, timedelta
from decimal import Decimal

from scrubber._models import Claim, ServiceLine

__all__ = [
    "DAY_TOTAL_KEYS",
    "DEFAULT_MAX_CLAIMS",
    "REPLACEMENT",
    "VOID",
    "ClaimHistory",
    "ClaimUnits",
    "Mark",
    "PatientLedger",
    "Slot",
    "claim_marks",
    "claim_slots",
    "patient_entry",
    "provider_for",
]

REPLACEMENT = "7"  # X12 CLM05-3: replacement of prior claim
VOID = "8"  # X12 CLM05-3: void/cancel of prior claim

DAY_TOTAL_KEYS = ("billing_npi", "rendering_npi", "billing_tin")
MAX_SPAN_DAYS = 366  # a longer date span is recorded on its first year of days only
MINUTES = "MJ"  # SV103 MJ: a line reported in minutes is one service a day
DEFAULT_MAX_CLAIMS = 50_000  # claims held in memory across patients (about 2 KB each)

Slot = tuple[str, str, str, date]  # (key kind, provider, code, date of service)
# What one line adds on one day: code, date, then the provider under each of DAY_TOTAL_KEYS
# (None: not recorded under that key) and the units. One mark serves all three keys.
Mark = tuple[str, date, str | None, str | None, str | None, Decimal]
_KEY_AT = {key: 2 + n for n, key in enumerate(DAY_TOTAL_KEYS)}
_ZERO = Decimal("0")


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


class ClaimUnits:
    """What one claim contributes to its patient's day totals: one ``Mark`` per line and day.

    ``units`` gives the same as day-total slots (every mark under each key it names); a
    ``ClaimUnits`` made from slots (a persisted history) keeps each slot as a mark naming
    its one key, so it counts exactly as it was stored."""

    __slots__ = ("marks", "original_ref")

    def __init__(
        self,
        original_ref: str | None,
        units: Mapping[Slot, Decimal] | None = None,
        *,
        marks: Iterable[Mark] = (),
    ) -> None:
        self.original_ref = original_ref
        from_slots = () if not units else (_slot_mark(s, v) for s, v in units.items())
        self.marks: tuple[Mark, ...] = (*marks, *from_slots)

    @property
    def units(self) -> dict[Slot, Decimal]:
        """The claim's units per (key kind, provider, code, date of service)."""
        out: dict[Slot, Decimal] = {}
        for code, on, billing, rendering, tin, units in self.marks:
            for key, provider in (
                ("billing_npi", billing),
                ("rendering_npi", rendering),
                ("billing_tin", tin),
            ):
                if provider is not None:
                    slot = (key, provider, code, on)
                    held = out.get(slot)
                    out[slot] = units if held is None else held + units
        return out

    def __reduce__(self) -> tuple[object, ...]:  # pickled between --jobs processes
        return (_claim_units, (self.original_ref, self.marks))


def _claim_units(original_ref: str | None, marks: tuple[Mark, ...]) -> ClaimUnits:
    """``ClaimUnits(original_ref, marks=marks)`` for a tuple of marks, without the
    constructor's copy (one per claim recorded)."""
    units = object.__new__(ClaimUnits)
    units.original_ref = original_ref
    units.marks = marks
    return units


def _slot_mark(slot: Slot, units: Decimal) -> Mark:
    key, provider, code, on = slot
    at = _KEY_AT[key]
    return (
        code,
        on,
        provider if at == 2 else None,
        provider if at == 3 else None,
        provider if at == 4 else None,
        units,
    )


class PatientLedger:
    """One patient's held claims, and their marks by (code, date of service) for lookups.

    The index by day is brought up to date when it is read (``days``): a claim recorded
    and never asked about, as most patients' last claim of a batch, is never indexed, and
    recording one costs a dict and a list entry."""

    __slots__ = ("_days", "_unindexed", "claims")

    def __init__(self) -> None:
        self.claims: dict[str, ClaimUnits] = {}
        self._days: dict[tuple[str, date], list[tuple[str, Mark]]] = {}
        self._unindexed: list[tuple[str, ClaimUnits]] = []  # added since the index was read

    @property
    def days(self) -> dict[tuple[str, date], list[tuple[str, Mark]]]:
        """The held claims' marks by (code, date of service), with the claim each is of."""
        if self._unindexed:
            days = self._days
            for claim_id, units in self._unindexed:
                for mark in units.marks:
                    day = (mark[0], mark[1])
                    held = days.get(day)
                    if held is None:
                        days[day] = [(claim_id, mark)]
                    else:
                        held.append((claim_id, mark))
            self._unindexed.clear()
        return self._days

    def add(self, claim_id: str, units: ClaimUnits) -> None:
        self.claims[claim_id] = units
        self._unindexed.append((claim_id, units))

    def remove(self, claim_id: str) -> ClaimUnits | None:
        units = self.claims.pop(claim_id, None)
        if units is not None:
            days = self.days
            for day in {(mark[0], mark[1]) for mark in units.marks}:
                left = [held for held in days.get(day, ()) if held[0] != claim_id]
                if left:
                    days[day] = left
                else:
                    days.pop(day, None)
        return units


def _patient_of(claim: Claim) -> str:
    return claim.patient_key or claim.subscriber_key


def claim_marks(claim: Claim) -> tuple[Mark, ...]:
    """The marks *claim*'s lines make: each line on each day of its date span, with its
    provider under every key kind."""
    billing, tin = claim.billing_npi or "", claim.billing_tin or ""
    rendering = claim.rendering_npi or claim.billing_npi or ""
    marks: list[Mark] = []
    for line in claim.lines:
        own = line.rendering_npi or rendering
        if line.service_to is None and line.unit_basis != MINUTES:  # one day, its units
            marks.append((line.code, line.service_from, billing, own, tin, line.units))
            continue
        span, per_day = _per_day(line)
        for n in range(span):
            on = line.service_from + timedelta(days=n)
            marks.append((line.code, on, billing, own, tin, per_day))
    return tuple(marks)


def claim_slots(claim: Claim) -> Iterator[tuple[Slot, Decimal]]:
    """The day-total slots *claim*'s lines fill, with their units: every line under every
    key kind, on each day of its date span."""
    for code, on, *providers, units in claim_marks(claim):
        for key, provider in zip(DAY_TOTAL_KEYS, providers, strict=True):
            yield (key, provider or "", code, on), units


def _per_day(line: ServiceLine) -> tuple[int, Decimal]:
    """Days recorded for *line* and its units on each: a date span's units are spread evenly
    over its days (at most ``MAX_SPAN_DAYS`` are recorded), and a line still reported in
    minutes (SV103 ``MJ``) is one service a day, not one unit per minute."""
    days = 1
    timed = line.start is not None  # one continuous service, e.g. a visit past midnight
    if line.service_to is not None and line.service_to > line.service_from and not timed:
        days = (line.service_to - line.service_from).days + 1
    if line.unit_basis == MINUTES:
        return min(days, MAX_SPAN_DAYS), Decimal(1)
    if days == 1:
        return 1, line.units
    return min(days, MAX_SPAN_DAYS), line.units / days


class ClaimHistory:
    """A run's ledger: patient -> claim id -> units per (code, date, provider).

    Bounded two ways, least recently used patient out first: at most *max_patients*
    patients and at most *max_claims* claims in memory (a ``SqliteHistory`` reads an
    evicted patient back from its file when one of their claims comes again)."""

    def __init__(self, max_patients: int = 20_000, max_claims: int = DEFAULT_MAX_CLAIMS) -> None:
        self.max_patients = max_patients
        self.max_claims = max_claims
        self._patients: OrderedDict[str, PatientLedger] = OrderedDict()
        self._held = 0  # claims held across the patients in memory

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
            return _ZERO
        entry = self._entry(patient)
        held = entry.days.get((code, on))
        if not held:
            return _ZERO
        at = _KEY_AT[key]
        # most claims are new and replace nothing: nothing to leave out
        superseding = claim.id in entry.claims or claim.original_ref
        skip = set(_superseded(claim, entry)) if superseding else ()
        total = _ZERO
        for claim_id, mark in held:
            if mark[at] == provider and claim_id not in skip:
                total += mark[5]
        return total

    def billed_days(self, claim: Claim) -> Container[tuple[str, date]]:
        """The (code, date of service) pairs that claims held for *claim*'s patient bill,
        whoever the provider: ``prior_units`` is 0 for every key on a pair not in it, so an
        edit can test a whole claim with one call and ask for units only where it matters."""
        patient = _patient_of(claim)
        if not patient:
            return ()
        return self._entry(patient).days.keys()

    def record(self, claim: Claim) -> None:
        """Count *claim*'s lines (as they will be billed); see the module docstring for
        replacements and voids."""
        patient = _patient_of(claim)
        if not patient:
            return
        entry = self._entry(patient)
        removed = []
        if claim.id in entry.claims or claim.original_ref:  # else it supersedes nothing
            for ref in list(_superseded(claim, entry)):
                if entry.remove(ref) is not None:
                    removed.append(ref)
            self._held -= len(removed)
        added = None
        if claim.frequency_code != VOID and claim.lines:
            added = _claim_units(claim.original_ref, claim_marks(claim))
            entry.add(claim.id, added)
            self._held += 1
        self._changed(patient, removed=removed, added=(claim.id, added))
        while self._held > self.max_claims and len(self._patients) > 1:
            self._evict()

    def forget(self, claim_id: str) -> bool:
        """Take the claim *claim_id* (a voided claim, as ``DELETE /v1/history/{claim_id}``
        of the service) out of the day totals of the patients held in memory; False if no
        such claim is held."""
        found = False
        for patient, entry in list(self._patients.items()):
            if entry.remove(claim_id) is None:
                continue
            self._held -= 1
            self._changed(patient, removed=[claim_id], added=(claim_id, None))
            found = True
        return found

    # --- storage hooks (SqliteHistory loads and saves through these) -----------------------

    def _entry(self, patient: str) -> PatientLedger:
        entry = self._patients.get(patient)
        if entry is None:
            entry = self._patients[patient] = self._load(patient) or PatientLedger()
            self._held += len(entry.claims)
            if len(self._patients) > self.max_patients:
                self._evict()
        else:
            self._patients.move_to_end(patient)
        return entry

    def _evict(self) -> None:
        """The least recently used patient leaves memory."""
        _patient, entry = self._patients.popitem(last=False)
        self._held -= len(entry.claims)

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


def patient_entry(claims: Iterable[tuple[str, ClaimUnits]]) -> PatientLedger:
    """A ledger entry rebuilt from stored claims (for persisted histories)."""
    entry = PatientLedger()
    for claim_id, units in claims:
        entry.add(claim_id, units)
    return entry
