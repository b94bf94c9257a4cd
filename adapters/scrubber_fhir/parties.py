"""Who a FHIR Claim is from, for and to: payer, filing indicator, provider identifiers,
the beneficiary's reference and the claim it replaces (docs/fhir.md has the field table).

- payer: ``Claim.insurer`` (identifier value = payer id, display = name), else the focal
  insurance's Coverage ``payor[0]``. Filing indicator (X12 SBR09): our extension on the Claim
  or the insurance, else ``Coverage.type`` coded in the X12 1032 code system (or a bare code
  such as ``MC``), else the Source of Payment Typology (1 Medicare -> ``MB``, 2 Medicaid ->
  ``MC``). Coverage is found in ``Claim.contained`` or, in a Bundle, among the other entries.
- provider NPI from ``identifier`` with system ``http://hl7.org/fhir/sid/us-npi`` on the
  reference or on the referenced resource (the billing TIN likewise, system
  ``http://hl7.org/fhir/sid/us-ein``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import codes
from .supporting import Json, codings, dicts

__all__ = [
    "Resolver",
    "filing_from_coverage",
    "frequency",
    "identifier_of",
    "identifiers_of",
    "insurance_of",
    "payer_of",
    "prior_claim",
    "reference_key",
]

Resolver = Callable[[str], Json | None]


def prior_claim(claim: Json) -> str | None:
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


def frequency(claim: Json, original_ref: str | None) -> str:
    """The X12 claim frequency a FHIR Claim amounts to: ``8`` (void) for a cancelled Claim,
    ``7`` (replacement) for one that names a prior claim, else ``1``."""
    if claim.get("status") == "cancelled":
        return "8"
    return "7" if original_ref else "1"


def identifier_of(reference: Any, resolve: Resolver) -> str | None:
    """The NPI on *reference* or its target."""
    return identifiers_of(reference, resolve, (codes.NPI_SYSTEM,))[0]


def identifiers_of(
    reference: Any, resolve: Resolver, systems: tuple[str, ...]
) -> tuple[str | None, ...]:
    """``identifier_of`` for each of *systems* (the billing provider's NPI and EIN), with one
    look at the reference and its target for all of them."""
    if not isinstance(reference, dict):
        return (None,) * len(systems)
    candidates = [reference.get("identifier")]
    target = (
        resolve(reference["reference"]) if isinstance(reference.get("reference"), str) else None
    )
    if target is not None:
        candidates.extend(dicts(target.get("identifier")))
    found: list[str | None] = []
    for system in systems:
        value = None
        for ident in candidates:
            if isinstance(ident, dict) and ident.get("system") == system:
                value = ident.get("value")
                if isinstance(value, str) and value:
                    break
                value = None
        found.append(value)
    return tuple(found)


def reference_key(reference: Any) -> str:
    if not isinstance(reference, dict):
        return ""
    if isinstance(reference.get("reference"), str):
        return str(reference["reference"])
    ident = reference.get("identifier")
    if isinstance(ident, dict):
        return f"{ident.get('system', '')}|{ident.get('value', '')}"
    return ""


def filing_from_coverage(coverage: Json) -> str | None:
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


def insurance_of(claim: Json, resolve: Resolver) -> tuple[Json | None, Json | None]:
    """The focal insurance (else the first) and its Coverage resource, if it can be found."""
    insurances = dicts(claim.get("insurance"))
    focal = None
    for insurance in insurances:
        if insurance.get("focal") is True:
            focal = insurance
            break
    chosen = focal or (insurances[0] if insurances else None)
    if chosen is None:
        return None, None
    coverage_ref = chosen.get("coverage")
    coverage = None
    if isinstance(coverage_ref, dict) and isinstance(coverage_ref.get("reference"), str):
        coverage = resolve(coverage_ref["reference"])
    return chosen, coverage


def payer_of(
    claim: Json, coverage: Json | None, resolve: Resolver
) -> tuple[str | None, str | None]:
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
