"""Units already billed in this run, for date-of-service edits across claims.

CMS sums MUE units "reported by the same provider for the same beneficiary for the same date
of service" (questions.cms.gov FAQ 11344), and a clearinghouse batch often holds several
claims of one patient for one day. The engine records each claim's final lines here and an
edit asks for the units on *earlier* claims of the same patient and provider.

Which identity is "the same provider" is a payer setting (the MUE plugin's ``day_total_key``):
the billing NPI, the rendering NPI (a line's own, else the claim's, else the billing NPI, as
837P loops 2420A/2310B are only sent when they differ from the billing provider) or the
billing TIN. The ledger records every line under all three, so any key can be asked for.
A date-span line is recorded as its units divided by its days on each day of the span.

Memory stays bounded on million-claim batches: only the most recent ``max_patients``
patients are kept (least recently used first out). Claims of one patient sit together in an
837P subscriber loop, so the window loses nothing in practice; the engine's
``history_window`` setting widens it.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, timedelta
from decimal import Decimal

from scrubber.models import Claim, ServiceLine

__all__ = ["DAY_TOTAL_KEYS", "ClaimHistory", "provider_for"]

DAY_TOTAL_KEYS = ("billing_npi", "rendering_npi", "billing_tin")
MAX_SPAN_DAYS = 366  # a longer date span is recorded on its first year of days only

_Slot = tuple[str, str, str, date]  # (key kind, provider, code, date)


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


class ClaimHistory:
    """Per-run ledger: patient -> (key kind, provider, code, date) -> units."""

    def __init__(self, max_patients: int = 20_000) -> None:
        self.max_patients = max_patients
        self._ledger: OrderedDict[str, dict[_Slot, Decimal]] = OrderedDict()

    @staticmethod
    def _patient(claim: Claim) -> str:
        return claim.patient_key or claim.subscriber_key

    def prior_units(
        self,
        claim: Claim,
        code: str,
        on: date,
        *,
        key: str = "billing_npi",
        line: ServiceLine | None = None,
    ) -> Decimal:
        """Units of *code* on *on* on earlier claims of this patient and the same provider,
        the provider being the identity *key* names (for *line*, with ``rendering_npi``);
        claims that give no such identity count as one unnamed provider."""
        patient = self._patient(claim)
        provider = provider_for(claim, line, key)
        if not patient:
            return Decimal("0")
        days = self._ledger.get(patient)
        return days.get((key, provider, code, on), Decimal("0")) if days else Decimal("0")

    def record(self, claim: Claim) -> None:
        """Add *claim*'s lines (as they will be billed) to the ledger, under every key."""
        patient = self._patient(claim)
        if not patient or not claim.lines:
            return
        days = self._ledger.get(patient)
        if days is None:
            days = self._ledger[patient] = {}
            if len(self._ledger) > self.max_patients:
                self._ledger.popitem(last=False)
        else:
            self._ledger.move_to_end(patient)
        for line in claim.lines:
            span, per_day = _per_day(line)
            for key in DAY_TOTAL_KEYS:
                provider = provider_for(claim, line, key)
                for n in range(span):
                    slot = (key, provider, line.code, line.service_from + timedelta(days=n))
                    days[slot] = days.get(slot, Decimal("0")) + per_day


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
