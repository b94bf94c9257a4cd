"""FHIR Claim JSON tree -> ``scrubber._models.Claim``.

Field by field (docs/fhir.md has the full table):

- ``Claim.id`` = ``identifier[0].value``, else the resource ``id``.
- payer: ``Claim.insurer`` (identifier value = payer id, display = name), else the focal
  insurance's Coverage ``payor[0]``. Filing indicator (X12 SBR09): our extension on the Claim
  or the insurance, else ``Coverage.type`` coded in the X12 1032 code system (or a bare code
  such as ``MC``), else the Source of Payment Typology (1 Medicare -> ``MB``, 2 Medicaid ->
  ``MC``). Coverage is found in ``Claim.contained`` or, in a Bundle, among the other entries.
- provider NPI from ``identifier`` with system ``http://hl7.org/fhir/sid/us-npi`` on the
  reference or on the referenced resource (the billing TIN likewise, system
  ``http://hl7.org/fhir/sid/us-ein``); rendering NPI per item from ``careTeamSequence``.
- ``patient_key``/``subscriber_key`` are SHA-256 hashes, never the reference itself.
- item: ``sequence`` order -> line numbers 1..n; CPT/HCPCS coding of ``productOrService``;
  ``quantity`` (UCUM ``min``/``h`` = time: unit basis MJ); ``servicedDate``/``servicedPeriod``;
  ``net``, else ``unitPrice`` x ``quantity`` (x ``factor``); POS from
  ``locationCodeableConcept``; ``diagnosisSequence`` -> pointers; our control-number
  extension (R5 also ``traceNumber``); notes and PWK-style attachments from ``supportingInfo``.

Numbers arrive as ``Decimal`` (the JSON is parsed with ``parse_float=Decimal``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from scrubber import MAX_MODIFIERS, Claim, ServiceLine, SourceRef, opaque_key

from . import codes
from .supporting import Json, attachments_of, codings, dicts, note_of, supporting_info
from .versions import Problem

__all__ = ["Resolver", "UnmappableClaim", "map_claim"]

Resolver = Callable[[str], Json | None]


class UnmappableClaim(ValueError):
    """The Claim is valid FHIR but lacks something a scrubber claim needs. Raised as
    ``UnmappableClaim("<JSON pointer>: <what is missing>")``."""

    @property
    def problem(self) -> Problem:
        where, _, what = str(self).partition(": ")
        return Problem(pointer=where or "/", message=what)


def _ext_value(node: Json, url: str) -> Any:
    for ext in dicts(node.get("extension")):
        if ext.get("url") == url:
            for key, value in ext.items():
                if key.startswith("value"):
                    return value
    return None


def _prior_claim(claim: Json) -> str | None:
    """The claim this one replaces: ``Claim.related`` with relationship ``prior`` (HL7
    ex-relatedclaimrelationship; ``replaces`` is accepted too), by the related claim's
    identifier, else its reference's id, else the related ``reference`` identifier."""
    for related in dicts(claim.get("related")):
        relationship = related.get("relationship")
        coded = dicts(relationship.get("coding")) if isinstance(relationship, dict) else []
        if not any(c.get("code") in ("prior", "replaces") for c in coded):
            continue
        target = related.get("claim")
        if isinstance(target, dict):
            ident = target.get("identifier")
            if isinstance(ident, dict) and isinstance(ident.get("value"), str) and ident["value"]:
                return str(ident["value"])
            ref = target.get("reference")
            if isinstance(ref, str) and ref:
                return ref.rsplit("/", 1)[-1]
        ident = related.get("reference")
        if isinstance(ident, dict) and isinstance(ident.get("value"), str) and ident["value"]:
            return str(ident["value"])
    return None


def _frequency(claim: Json, original_ref: str | None) -> str:
    """The X12 claim frequency a FHIR Claim amounts to: ``8`` (void) for a cancelled Claim,
    ``7`` (replacement) for one that names a prior claim, else ``1``."""
    if claim.get("status") == "cancelled":
        return "8"
    return "7" if original_ref else "1"


# The bounds of the 837P TR3 (005010X222A1: amounts R 1-18 with two decimal places, SV104
# quantity R 1-15), so a FHIR Claim holds nothing an 837P could not and no arithmetic runs on
# a value of unbounded size.
MAX_AMOUNT = Decimal(10) ** 16
MAX_QUANTITY = Decimal(10) ** 15


def _number(value: Any, where: str, path: str, limit: Decimal = MAX_AMOUNT) -> Decimal:
    """*value* as a Decimal below *limit* in size; the pointer is only built for an error."""
    kind = type(value)
    if kind is Decimal:  # the reader parses JSON numbers as Decimal: the common case
        number: Decimal = value
    elif kind is bool or not isinstance(value, int | Decimal):
        raise UnmappableClaim(f"{where}/{path}: expected a number")
    else:
        number = Decimal(value)
    if not number.is_finite() or abs(number) >= limit:
        raise UnmappableClaim(
            f"{where}/{path}: a number of more than {len(str(limit)) - 1} digits before the "
            "decimal point, beyond what an 837P can carry"
        )
    return number


def _npi(reference: Any, resolve: Resolver, system: str = codes.NPI_SYSTEM) -> str | None:
    """The identifier of *system* (the NPI by default) on *reference* or its target."""
    if not isinstance(reference, dict):
        return None
    candidates = [reference.get("identifier")]
    target = (
        resolve(reference["reference"]) if isinstance(reference.get("reference"), str) else None
    )
    if target is not None:
        candidates.extend(dicts(target.get("identifier")))
    for ident in candidates:
        if isinstance(ident, dict) and ident.get("system") == system:
            value = ident.get("value")
            if isinstance(value, str) and value:
                return value
    return None


def _reference_key(reference: Any) -> str:
    if not isinstance(reference, dict):
        return ""
    if isinstance(reference.get("reference"), str):
        return str(reference["reference"])
    ident = reference.get("identifier")
    if isinstance(ident, dict):
        return f"{ident.get('system', '')}|{ident.get('value', '')}"
    return ""


def _filing_from_coverage(coverage: Json) -> str | None:
    for coding in codings(coverage.get("type")) + [
        c for cls in dicts(coverage.get("class")) for c in codings(cls.get("type"))
    ]:
        code = coding.get("code")
        if not isinstance(code, str):
            continue
        system = coding.get("system")
        if not isinstance(system, str | None):  # an object or a number: not a code system
            continue
        if system == codes.X12_FILING_INDICATOR_SYSTEM or (
            system is None and code.upper() in codes.FILING_INDICATORS
        ):
            return code.upper()
        if system in codes.SOURCE_OF_PAYMENT_SYSTEMS:
            if code.startswith(codes.SOP_MEDICAID):
                return "MC"
            if code.startswith(codes.SOP_MEDICARE):
                return "MB"
    return None


def _insurance(claim: Json, resolve: Resolver) -> tuple[Json | None, Json | None]:
    """The focal insurance (else the first) and its Coverage resource, if it can be found."""
    insurances = dicts(claim.get("insurance"))
    focal = next((i for i in insurances if i.get("focal") is True), None)
    chosen = focal or (insurances[0] if insurances else None)
    if chosen is None:
        return None, None
    coverage_ref = chosen.get("coverage")
    coverage = None
    if isinstance(coverage_ref, dict) and isinstance(coverage_ref.get("reference"), str):
        coverage = resolve(coverage_ref["reference"])
    return chosen, coverage


def _payer(claim: Json, coverage: Json | None, resolve: Resolver) -> tuple[str | None, str | None]:
    payer_refs: list[Any] = [claim.get("insurer")]
    if coverage is not None:
        payer_refs.extend(dicts(coverage.get("payor")) or dicts(coverage.get("insurer")))
        payer_refs.append(coverage.get("insurer"))  # R5 Coverage.insurer
    payer_id = payer_name = None
    for ref in payer_refs:
        if not isinstance(ref, dict):
            continue
        ident = ref.get("identifier")
        if payer_id is None and isinstance(ident, dict) and isinstance(ident.get("value"), str):
            payer_id = ident["value"]
        if payer_name is None and isinstance(ref.get("display"), str):
            payer_name = ref["display"]
        if payer_name is None and isinstance(ref.get("reference"), str):
            org = resolve(ref["reference"])
            if org is not None and isinstance(org.get("name"), str):
                payer_name = org["name"]
    return payer_id, payer_name


def _parse_date(text: Any, where: str, path: str) -> date:
    if not isinstance(text, str) or len(text) < 10:
        raise UnmappableClaim(f"{where}/{path}: a full date (YYYY-MM-DD) is needed")
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise UnmappableClaim(f"{where}/{path}: not a date") from exc


def _parse_datetime(text: str, where: str, path: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise UnmappableClaim(f"{where}/{path}: not a dateTime") from exc


def _procedure(item: Json, where: str) -> tuple[str, str]:
    concept = item.get("productOrService")
    found = concept.get("coding") if isinstance(concept, dict) else None
    for coding in found if isinstance(found, list) else ():
        if isinstance(coding, dict):
            system = codes.code_system_of(coding.get("system"))
            code = coding.get("code")
            if system and isinstance(code, str) and code:
                return system, code
    raise UnmappableClaim(f"{where}/productOrService: no CPT or HCPCS coding")


def _quantity(item: Json, where: str) -> tuple[Decimal, str, Decimal | None]:
    quantity = item.get("quantity")
    if not isinstance(quantity, dict) or "value" not in quantity:
        return Decimal(1), "UN", None
    value = _number(quantity["value"], where, "quantity/value", MAX_QUANTITY)
    unit_code = quantity.get("code")
    if (
        isinstance(unit_code, str)
        and unit_code in codes.TIME_UNITS_IN_MINUTES
        and quantity.get("system") in (None, codes.UCUM)
    ):
        return value, "MJ", value * codes.TIME_UNITS_IN_MINUTES[str(unit_code)]
    return value, "UN", None


def _sequences(value: Any, where: str, path: str) -> list[int]:
    """The integers of a ``*Sequence`` array (null: none). Validation reports anything else;
    ``--fast`` maps without validation, so the mapping refuses it itself."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) for s in value
    ):
        raise UnmappableClaim(f"{where}/{path}: expected an array of positive integers")
    return [s for s in value]


def _modifiers(item: Json) -> tuple[str, ...]:
    out = []
    for concept in dicts(item.get("modifier")):
        found = codings(concept)
        code = found[0].get("code") if found else None
        if isinstance(code, str) and code:
            out.append(code)
    return tuple(out)


def _line(
    item: Json,
    number: int,
    *,
    where: str,
    infos: Mapping[int, Json],
    diagnosis_positions: Mapping[int, int],
    care_team: Mapping[int, str | None],
    r5: bool,
) -> ServiceLine:
    code_system, code = _procedure(item, where)
    units, basis, minutes = _quantity(item, where)
    start = end = None
    service_to = None
    if isinstance(item.get("servicedPeriod"), dict):
        period = item["servicedPeriod"]
        first = period.get("start") or period.get("end")
        service_from = _parse_date(first, where, "servicedPeriod/start")
        last = period.get("end")
        service_to = _parse_date(last, where, "servicedPeriod/end") if last else None
        opened = period.get("start")
        if isinstance(opened, str) and isinstance(last, str) and "T" in opened and "T" in last:
            start = _parse_datetime(opened, where, "servicedPeriod/start")
            end = _parse_datetime(last, where, "servicedPeriod/end")
            if minutes is None and end >= start:
                minutes = Decimal(int((end - start).total_seconds())) / 60
    elif "servicedDate" in item:
        service_from = _parse_date(item["servicedDate"], where, "servicedDate")
    else:
        raise UnmappableClaim(f"{where}: no servicedDate or servicedPeriod")

    net = item.get("net")
    price = item.get("unitPrice")
    if isinstance(net, dict) and "value" in net:
        charge = _number(net["value"], where, "net/value")
    elif isinstance(price, dict) and "value" in price:
        factor = _number(item.get("factor", 1), where, "factor", MAX_QUANTITY)
        charge = _number(price["value"], where, "unitPrice/value") * units * factor
    else:
        charge = Decimal("0")

    # Optional elements are looked at only when present: most items carry none of them,
    # and this runs for every item of every Claim (the --fast path's budget is the mapping).
    pos = None
    if "locationCodeableConcept" in item:
        for coding in codings(item["locationCodeableConcept"]):
            if isinstance(coding.get("code"), str):
                pos = coding["code"]
                break
    pointers: tuple[int, ...] = ()
    if "diagnosisSequence" in item:
        pointers = tuple(
            diagnosis_positions.get(seq, seq)
            for seq in _sequences(item["diagnosisSequence"], where, "diagnosisSequence")
        )
    control = _ext_value(item, codes.EXT_LINE_CONTROL_NUMBER) if "extension" in item else None
    if control is None and r5 and "traceNumber" in item:
        traces = dicts(item["traceNumber"])
        control = traces[0].get("value") if traces else None
    linked = (
        [
            infos[s]
            for s in _sequences(item["informationSequence"], where, "informationSequence")
            if s in infos
        ]
        if "informationSequence" in item
        else []
    )
    rendering = None
    if "careTeamSequence" in item:
        rendering = next(
            (
                care_team.get(s)
                for s in _sequences(item["careTeamSequence"], where, "careTeamSequence")
                if care_team.get(s)
            ),
            None,
        )
    modifiers = _modifiers(item) if "modifier" in item else ()
    # The model's own checks, e.g. negative units: the values above are already typed, so
    # only a line that fails these pays for the validating constructor, which names it.
    if (
        units < 0
        or charge < 0
        or (minutes is not None and minutes < 0)
        or (service_to is not None and service_to < service_from)
        or len(modifiers) > MAX_MODIFIERS
    ):
        try:
            ServiceLine(
                number=number,
                code=code,
                units=units,
                charge=charge,
                minutes=minutes,
                service_from=service_from,
                service_to=service_to,
                modifiers=modifiers,
            )
        except ValueError as exc:
            message = f"{where}: {exc}".replace(f"(line {number})", "").strip()
            raise UnmappableClaim(message) from exc
    return ServiceLine.trusted(
        number=number,
        code_system=code_system,
        code=code,
        modifiers=modifiers,
        units=units,
        unit_basis=basis,
        minutes=minutes,
        charge=charge,
        service_from=service_from,
        service_to=service_to,
        start=start,
        end=end,
        place_of_service=pos,
        diagnosis_pointers=pointers,
        control_number=control if isinstance(control, str) else None,
        rendering_npi=rendering,
        note=note_of(linked) if linked else None,
        attachments=attachments_of(linked) if linked else (),
        source=SourceRef.trusted(where, number - 1, "fhir"),
    )


# Members the mapping and the writer walk as arrays. Validation refuses anything else, but
# ``--fast`` maps without it, so the mapping checks these itself (a few dict lookups).
_CLAIM_ARRAYS = ("item", "supportingInfo", "extension", "insurance", "diagnosis", "careTeam")
_ITEM_ARRAYS = (
    "extension", "modifier", "informationSequence", "diagnosisSequence", "careTeamSequence",
)  # fmt: skip
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
    for n, info in enumerate(dicts(claim.get("supportingInfo"))):
        sequence = info.get("sequence")
        if sequence is not None and (not isinstance(sequence, int) or isinstance(sequence, bool)):
            raise UnmappableClaim(f"{base}/supportingInfo/{n}/sequence: expected an integer")
    identifiers = dicts(claim.get("identifier"))
    claim_id = identifiers[0].get("value") if identifiers else None
    if not isinstance(claim_id, str) or not claim_id:
        claim_id = claim.get("id")
    if not isinstance(claim_id, str) or not claim_id:
        raise UnmappableClaim(f"{base or '/'}: the Claim has neither identifier nor id")

    insurance, coverage = _insurance(claim, contained_or)
    filing = _ext_value(claim, codes.EXT_FILING_INDICATOR)
    if filing is None and insurance is not None:
        filing = _ext_value(insurance, codes.EXT_FILING_INDICATOR)
    if filing is None and coverage is not None:
        filing = _filing_from_coverage(coverage)
    payer_id, payer_name = _payer(claim, coverage, contained_or)
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

    diagnoses = sorted(
        dicts(claim.get("diagnosis")),
        key=lambda d: d["sequence"] if isinstance(d.get("sequence"), int) else 0,
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

    care_team = {
        member["sequence"]: _npi(member.get("provider"), contained_or)
        for member in dicts(claim.get("careTeam"))
        if isinstance(member.get("sequence"), int)
    }
    infos = supporting_info(claim)
    linked = {
        s
        for n, item in enumerate(items)
        if "informationSequence" in item  # most items link no supporting information
        for s in _sequences(item["informationSequence"], f"{base}/item/{n}", "informationSequence")
    }
    claim_level = [info for seq, info in sorted(infos.items()) if seq not in linked]

    lines = tuple(
        [
            _line(
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
        total_charge = _number(total["value"], base, "total/value")
    else:
        total_charge = sum((ln.charge for ln in lines), Decimal("0"))
    line_pos = {ln.place_of_service for ln in lines}
    original_ref = _prior_claim(claim)
    # checked above: an id, a Decimal total, lines numbered 1..n
    return Claim.trusted(
        id=claim_id,
        lines=lines,
        total_charge=total_charge,
        patient_key=opaque_key(_reference_key(claim.get("patient") or claim.get("subject"))),
        subscriber_key=subscriber,
        billing_npi=_npi(claim.get("provider"), contained_or),
        billing_tin=_npi(claim.get("provider"), contained_or, codes.EIN_SYSTEM),
        rendering_npi=next((npi for _, npi in sorted(care_team.items()) if npi), None),
        payer_id=payer_id,
        payer_name=payer_name,
        filing_indicator=filing.upper() if isinstance(filing, str) else None,
        frequency_code=_frequency(claim, original_ref),
        original_ref=original_ref,
        place_of_service=line_pos.pop() if len(line_pos) == 1 else None,
        diagnosis_codes=tuple(diagnosis_codes),
        note=note_of(claim_level),
        attachments=attachments_of(claim_level),
        source=SourceRef.trusted(locator, None, "fhir"),
    )
