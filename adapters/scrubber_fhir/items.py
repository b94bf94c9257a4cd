"""One FHIR ``Claim.item`` -> ``ServiceLine`` (docs/fhir.md has the field table).

``sequence`` order gives line numbers 1..n; the CPT/HCPCS coding of ``productOrService``;
``quantity`` (UCUM ``min``/``h`` = time: unit basis MJ); ``servicedDate``/``servicedPeriod``;
``net``, else ``unitPrice`` x ``quantity`` (x ``factor``); POS from
``locationCodeableConcept``; ``diagnosisSequence`` -> pointers; our control-number extension
(R5 also ``traceNumber``); notes and PWK-style attachments from ``supportingInfo``; the
rendering NPI from ``careTeamSequence``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from scrubber import MAX_MODIFIERS, ServiceLine, SourceRef

from . import codes
from .fields import (
    MAX_QUANTITY,
    UnmappableClaim,
    ext_value,
    number_at,
    parse_date,
    parse_datetime,
    sequences,
)
from .supporting import Json, attachments_of, codings, dicts, note_of

__all__ = ["map_item"]


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
    value = number_at(quantity["value"], where, "quantity/value", MAX_QUANTITY)
    unit_code = quantity.get("code")
    if (
        isinstance(unit_code, str)
        and unit_code in codes.TIME_UNITS_IN_MINUTES
        and quantity.get("system") in (None, codes.UCUM)
    ):
        return value, "MJ", value * codes.TIME_UNITS_IN_MINUTES[str(unit_code)]
    return value, "UN", None


def _modifiers(item: Json) -> tuple[str, ...]:
    out = []
    for concept in dicts(item.get("modifier")):
        found = codings(concept)
        code = found[0].get("code") if found else None
        if isinstance(code, str) and code:
            out.append(code)
    return tuple(out)


def map_item(
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
        service_from = parse_date(first, where, "servicedPeriod/start")
        last = period.get("end")
        service_to = parse_date(last, where, "servicedPeriod/end") if last else None
        opened = period.get("start")
        if isinstance(opened, str) and isinstance(last, str) and "T" in opened and "T" in last:
            start = parse_datetime(opened, where, "servicedPeriod/start")
            end = parse_datetime(last, where, "servicedPeriod/end")
            if minutes is None and end >= start:
                minutes = Decimal(int((end - start).total_seconds())) / 60
    elif "servicedDate" in item:
        service_from = parse_date(item["servicedDate"], where, "servicedDate")
    else:
        raise UnmappableClaim(f"{where}: no servicedDate or servicedPeriod")

    net = item.get("net")
    price = item.get("unitPrice")
    if isinstance(net, dict) and "value" in net:
        charge = number_at(net["value"], where, "net/value")
    elif isinstance(price, dict) and "value" in price:
        factor = number_at(item.get("factor", 1), where, "factor", MAX_QUANTITY)
        charge = number_at(price["value"], where, "unitPrice/value") * units * factor
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
            for seq in sequences(item["diagnosisSequence"], where, "diagnosisSequence")
        )
    control = ext_value(item, codes.EXT_LINE_CONTROL_NUMBER) if "extension" in item else None
    if control is None and r5 and "traceNumber" in item:
        traces = dicts(item["traceNumber"])
        control = traces[0].get("value") if traces else None
    linked = (
        [
            infos[s]
            for s in sequences(item["informationSequence"], where, "informationSequence")
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
                for s in sequences(item["careTeamSequence"], where, "careTeamSequence")
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
