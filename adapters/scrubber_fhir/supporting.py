"""``Claim.supportingInfo``: the notes and PWK-style attachments the scrubber reads and writes.

R4/R5 Claim has no ``note`` element; supportingInfo is the natural home for NTE-
like text (``valueString``, category ``info``) and for the PWK equivalent (category
``attachment``, coded with the X12 755 report type and 756 transmission code systems; the
control number as ``valueReference.identifier``). Items point at entries through
``informationSequence``; entries no item points at belong to the whole claim.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scrubber import Attachment

from . import codes

__all__ = [
    "Json",
    "attachment_of",
    "attachments_of",
    "category_of",
    "codings",
    "dicts",
    "note_of",
    "supporting_info",
]

Json = Mapping[str, Any]


def dicts(value: Any) -> list[Json]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def codings(concept: Any) -> list[Json]:
    return dicts(concept.get("coding")) if isinstance(concept, dict) else []


def supporting_info(claim: Json) -> dict[int, Json]:
    return {
        info["sequence"]: info
        for info in dicts(claim.get("supportingInfo"))
        if isinstance(info.get("sequence"), int)
    }


def category_of(info: Json) -> str | None:
    for coding in codings(info.get("category")):
        if coding.get("system") == codes.CLAIM_INFO_CATEGORY:
            code = coding.get("code")
            return code if isinstance(code, str) else None
    return None


def note_of(infos: Sequence[Json]) -> str | None:
    """The note text carried by ``info`` supportingInfo entries (``valueString``), joined
    the way ``scrubber._fixes.merge_note`` joins notes."""
    texts = [
        str(i["valueString"])
        for i in infos
        if category_of(i) == "info" and isinstance(i.get("valueString"), str)
    ]
    return "; ".join(texts) if texts else None


def attachment_of(info: Json) -> Attachment | None:
    """The PWK-style attachment an ``attachment`` supportingInfo entry describes, if it is
    coded with the X12 755 report type and 756 transmission code systems."""
    if category_of(info) != "attachment":
        return None
    concept = info.get("code")
    report = transmission = None
    for coding in codings(concept):
        if coding.get("system") == codes.X12_REPORT_TYPE_SYSTEM:
            report = coding.get("code")
        elif coding.get("system") == codes.X12_TRANSMISSION_SYSTEM:
            transmission = coding.get("code")
    if not isinstance(report, str) or not isinstance(transmission, str):
        return None
    control = None
    value_ref = info.get("valueReference")
    if isinstance(value_ref, dict) and isinstance(value_ref.get("identifier"), dict):
        ident = value_ref["identifier"]
        if ident.get("system") == codes.SID_ATTACHMENT_CONTROL_NUMBER:
            control = ident.get("value") if isinstance(ident.get("value"), str) else None
    description = concept.get("text") if isinstance(concept, dict) else None
    try:
        return Attachment(
            report_type=report,
            transmission=transmission,
            control_number=control,
            description=description if isinstance(description, str) else None,
        )
    except ValueError:
        return None


def attachments_of(infos: Sequence[Json]) -> tuple[Attachment, ...]:
    return tuple(a for a in (attachment_of(i) for i in infos) if a is not None)
