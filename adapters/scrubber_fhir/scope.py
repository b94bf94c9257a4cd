"""Which readable Claims the edits are for, and why a Claim is not.

The edits check **professional claims coded in CPT/HCPCS**: HIPAA names HCPCS with CPT-4 as
the code set for physician and other health care services (45 CFR 162.1002), and the CMS
MUE tables and the infusion time rules are keyed by those codes. FHIR Claims cover more than
that: ``Claim.type`` (HL7 code system ``claim-type``) may be institutional, oral, pharmacy or
vision, and ``productOrService`` may be coded in any system (SNOMED CT, the HL7 examples'
own systems, NDC).

Such a Claim is read and understood; nothing is wrong with it, there is simply no edit for
it. It is passed through unchanged with finding SCR003 (info) naming its type and its code
systems, in every document type alike (a single Claim, a Bundle, NDJSON, XML). A Claim that
cannot be read is a different matter (SCR002, see ``versions``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import codes
from .supporting import codings, dicts

__all__ = ["claim_type", "item_code_systems", "out_of_scope"]

_CPT_OR_HCPCS = "CPT/HCPCS"


def claim_type(tree: Mapping[str, Any]) -> str | None:
    """The ``claim-type`` code of ``Claim.type`` (``professional``, ``oral`` ...), or None
    when the type is missing or coded only in another system (then the items decide)."""
    concept = tree.get("type")  # runs for every Claim: kept to a few lookups
    found = concept.get("coding") if isinstance(concept, dict) else None
    for coding in found if isinstance(found, list) else ():
        system = coding.get("system") if isinstance(coding, dict) else None
        if isinstance(system, str) and system in codes.CLAIM_TYPE_SYSTEMS:  # --fast: any shape
            code = coding.get("code")
            return code if isinstance(code, str) else None
    return None


def item_code_systems(tree: Mapping[str, Any]) -> list[str]:
    """The distinct code systems of the items' ``productOrService``, in order of first use:
    ``CPT``/``HCPCS`` for the procedure systems, otherwise the system URI as sent (``(no
    system)`` for a coding without one, ``(no code)`` for an item with no coding at all)."""
    seen: dict[str, None] = {}
    for item in dicts(tree.get("item")):
        found = codings(item.get("productOrService"))
        if not found:
            seen["(no code)"] = None
        for coding in found:
            system = coding.get("system")
            name = codes.code_system_of(system) if isinstance(system, str) else None
            if name is None:
                name = system if isinstance(system, str) and system else "(no system)"
            seen[name] = None
    return list(seen)


def _has_procedure_code(item: Mapping[str, Any]) -> bool:
    return any(
        codes.code_system_of(c.get("system")) and isinstance(c.get("code"), str) and c["code"]
        for c in codings(item.get("productOrService"))
    )


def out_of_scope(tree: Mapping[str, Any]) -> str | None:
    """Why no edit can check this (valid) Claim, or None when it is a professional Claim whose
    every item carries a CPT or HCPCS code. The reason names the type and the code systems
    (never a value from the claim: codes and identifiers stay out of it)."""
    kind = claim_type(tree)
    items = dicts(tree.get("item"))
    professional = kind in (None, "professional")
    if professional and all(_has_procedure_code(i) for i in items):
        return None  # (a professional Claim without items has nothing to check either way)
    systems = item_code_systems(tree)
    coded = f"items coded in {', '.join(systems)}" if items else "no items"
    return (
        f"{kind or 'untyped'} claim (Claim.type), {coded}; "
        f"the edits check professional claims coded in {_CPT_OR_HCPCS}"
    )
