"""FHIR Claim JSON tree -> ``scrubber._models.Claim``.

Field by field (docs/fhir.md has the full table):

- ``Claim.id`` = ``identifier[0].value``, else the resource ``id``.
- payer, filing indicator, provider NPI and TIN, the claim replaced: ``parties.py``.
- ``patient_key``/``subscriber_key`` are SHA-256 hashes, never the reference itself.
- diagnoses in ``sequence`` order (their positions are the lines' pointers); the rendering
  NPI per item from ``careTeamSequence``; claim-level notes and attachments from the
  ``supportingInfo`` no item links to.
- each item: ``items.py``.

Numbers arrive as ``Decimal`` (the JSON is parsed with ``parse_float=Decimal``).
"""

from __future__ import annotations

from decimal import Decimal

from scrubber import Claim, SourceRef, opaque_key

from . import codes
from .fields import UnmappableClaim, ext_value, number_at, sequences
from .items import map_item
from .parties import (
    Resolver,
    filing_from_coverage,
    frequency,
    identifier_of,
    identifiers_of,
    insurance_of,
    payer_of,
    prior_claim,
    reference_key,
)
from .supporting import Json, attachments_of, codings, dicts, note_of, supporting_info

__all__ = ["Resolver", "UnmappableClaim", "map_claim"]


# Members the mapping and the writer walk as arrays. Validation refuses anything else, but
# ``--fast`` maps without it, so the mapping checks these itself (a few dict lookups).
_CLAIM_ARRAYS = ("item", "supportingInfo", "extension", "insurance", "diagnosis", "careTeam")
_ITEM_ARRAYS = (
    "extension", "modifier", "informationSequence", "diagnosisSequence", "careTeamSequence",
)  # fmt: skip
# the billing provider's NPI and EIN (loop 2010AA NM109 and REF*EI in an 837P)
_BILLING_IDS = (codes.NPI_SYSTEM, codes.EIN_SYSTEM)
_ITEM_ARRAY_SET = frozenset(_ITEM_ARRAYS)  # to tell at once that an item has none of them


def _arrays(node: Json, where: str, keys: tuple[str, ...], index: int | None = None) -> None:
    """Refuse a member of *keys* that is not an array; *where* (with ``/item/{index}`` when
    an index is given) names it, and is only put together for the error."""
    for key in keys:
        value = node.get(key)
        if value is not None and not isinstance(value, list):
            at = where if index is None else f"{where}/item/{index}"
            raise UnmappableClaim(f"{at}/{key}: expected an array")


def map_claim(claim: Json, *, locator: str, resolve: Resolver, r5: bool = False) -> Claim:
    """Map one Claim resource (as a JSON tree) to the scrubber's claim model.

    *locator* is the Claim's JSON pointer (``/``, ``/entry/2/resource``) or ``line 7``;
    *resolve* finds a referenced resource (contained, or elsewhere in the Bundle). Raises
    ``UnmappableClaim`` naming the pointer when something the scrubber needs is missing."""

    def contained_or(ref: str) -> Json | None:
        if ref.startswith("#"):
            for res in dicts(claim.get("contained")):
                if res.get("id") == ref[1:]:
                    return res
            return None
        return resolve(ref)

    base = "" if locator in {"/"} or locator.startswith("line ") else locator
    _arrays(claim, base, _CLAIM_ARRAYS)
    items = dicts(claim.get("item"))
    for n, item in enumerate(items):
        if not _ITEM_ARRAY_SET.isdisjoint(item):  # most items have none of these members
            _arrays(item, base, _ITEM_ARRAYS, n)
    # Members most Claims do not carry are looked at only when present (this runs for every
    # Claim on the --fast path, where the mapping is the budget).
    has_info = "supportingInfo" in claim
    for n, info in enumerate(dicts(claim["supportingInfo"]) if has_info else ()):
        sequence = info.get("sequence")
        if sequence is not None and (not isinstance(sequence, int) or isinstance(sequence, bool)):
            raise UnmappableClaim(f"{base}/supportingInfo/{n}/sequence: expected an integer")
    identifiers = dicts(claim.get("identifier"))
    claim_id = identifiers[0].get("value") if identifiers else None
    if not isinstance(claim_id, str) or not claim_id:
        claim_id = claim.get("id")
    if not isinstance(claim_id, str) or not claim_id:
        raise UnmappableClaim(f"{base or '/'}: the Claim has neither identifier nor id")

    insurance, coverage = insurance_of(claim, contained_or)
    filing = ext_value(claim, codes.EXT_FILING_INDICATOR) if "extension" in claim else None
    if filing is None and insurance is not None:
        filing = ext_value(insurance, codes.EXT_FILING_INDICATOR)
    if filing is None and coverage is not None:
        filing = filing_from_coverage(coverage)
    payer_id, payer_name = payer_of(claim, coverage, contained_or)
    if payer_name is None and insurance is not None:
        # A coverage named only by text ("State Medicaid"): kept as the payer's name, so a
        # claim whose program is not coded can at least be told what the name says.
        held = insurance.get("coverage")
        shown = held.get("display") if isinstance(held, dict) else None  # --fast: any shape
        payer_name = shown if isinstance(shown, str) and shown else None
    subscriber = ""
    if coverage is not None:
        member = coverage.get("subscriberId")
        if isinstance(member, dict):  # R5: Identifier
            member = member.get("value")
        subscriber = opaque_key(member) if isinstance(member, str) else ""

    diagnoses = (
        sorted(
            dicts(claim["diagnosis"]),
            key=lambda d: d["sequence"] if isinstance(d.get("sequence"), int) else 0,
        )
        if "diagnosis" in claim
        else ()
    )
    diagnosis_codes: list[str] = []
    positions: dict[int, int] = {}
    for diag in diagnoses:
        found = codings(diag.get("diagnosisCodeableConcept"))
        code = found[0].get("code") if found else None
        if isinstance(code, str) and code:
            diagnosis_codes.append(code)
            if isinstance(diag.get("sequence"), int):
                positions[diag["sequence"]] = len(diagnosis_codes)

    care_team = (
        {
            member["sequence"]: identifier_of(member.get("provider"), contained_or)
            for member in dicts(claim["careTeam"])
            if isinstance(member.get("sequence"), int)
        }
        if "careTeam" in claim
        else {}
    )
    infos = supporting_info(claim) if has_info else {}
    linked = {
        s
        for n, item in enumerate(items)
        if "informationSequence" in item  # most items link no supporting information
        for s in sequences(item["informationSequence"], f"{base}/item/{n}", "informationSequence")
    }
    claim_level = (
        [info for seq, info in sorted(infos.items()) if seq not in linked] if infos else []
    )

    lines = tuple(
        [
            map_item(
                item,
                n,
                where=f"{base}/item/{n - 1}",
                infos=infos,
                diagnosis_positions=positions,
                care_team=care_team,
                r5=r5,
            )
            for n, item in enumerate(items, start=1)
        ]
    )
    total = claim.get("total")
    if isinstance(total, dict) and "value" in total:
        total_charge = number_at(total["value"], base, "total/value")
    else:
        total_charge = sum((ln.charge for ln in lines), Decimal("0"))
    line_pos = {ln.place_of_service for ln in lines}
    original_ref = prior_claim(claim) if "related" in claim else None
    billing_npi, billing_tin = identifiers_of(claim.get("provider"), contained_or, _BILLING_IDS)
    # checked above: an id, a Decimal total, lines numbered 1..n
    return Claim.trusted(
        id=claim_id,
        lines=lines,
        total_charge=total_charge,
        patient_key=opaque_key(reference_key(claim.get("patient") or claim.get("subject"))),
        subscriber_key=subscriber,
        billing_npi=billing_npi,
        billing_tin=billing_tin,
        rendering_npi=next((npi for _, npi in sorted(care_team.items()) if npi), None)
        if care_team
        else None,
        payer_id=payer_id,
        payer_name=payer_name,
        filing_indicator=filing.upper() if isinstance(filing, str) else None,
        frequency_code=frequency(claim, original_ref),
        original_ref=original_ref,
        place_of_service=line_pos.pop() if len(line_pos) == 1 else None,
        diagnosis_codes=tuple(diagnosis_codes),
        note=note_of(claim_level) if claim_level else None,
        attachments=attachments_of(claim_level) if claim_level else (),
        source=SourceRef.trusted(locator, None, "fhir"),
    )
