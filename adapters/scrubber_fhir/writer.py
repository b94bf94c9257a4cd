"""Write pieces back: untouched Claims byte for byte, fixed Claims rendered over their tree.

Following docs/architecture.md ("Writers render the fixed claim"): for each output line the
writer copies the input ``item`` of ``line.origin`` and rewrites only what the fix algebra can
change (code, modifiers, quantity, net/unitPrice, control number, note, attachments) plus
``sequence`` (renumbered 1..n); then ``Claim.total``, the claim-level note and attachments.
Every part of a split carries the ``split-from`` extension (codes.EXT_SPLIT_FROM) naming the
sequence the item had in the input. Notes and attachments become ``supportingInfo`` entries
(there is no ``Claim.note`` in FHIR R4/R5) referenced from ``item.informationSequence``.

With the ``findings`` option, a Claim with findings (or with findings of an earlier run) is
rewritten too, to carry them as ``scrubber-finding`` extensions (findings_ext.py).

The written Claim is validated with ``fhir.resources`` for the chosen version unless the
``fast`` option is set; a fixed Claim that does not validate is a bug and raises.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from scrubber import (
    AdapterError,
    Attachment,
    Claim,
    ClaimPiece,
    FormatOptions,
    Piece,
    ServiceLine,
    Verbatim,
    added_attachments,
    line_delta,
)

from . import codes
from ._jsontext import dumps, style_of
from .findings_ext import carries_findings, put_findings
from .reader import ClaimText, parse_claim_text
from .supporting import category_of
from .versions import Options, options_of

__all__ = ["render_tree", "write"]

Json = dict[str, Any]
CENT = Decimal("0.01")
_HCPCS_CODE = re.compile(r"^[A-Z]\d{4}$")


def write(pairs: Iterable[tuple[Piece, Claim | None]], options: FormatOptions) -> Iterator[bytes]:
    """The ``Format.write`` of the fhir format: see the module docstring."""
    opts = options_of(options)
    for piece, fixed in pairs:
        if isinstance(piece, Verbatim):
            yield str(piece.payload).encode("utf-8")
            continue
        payload = piece.payload
        if not isinstance(payload, ClaimText):
            raise AdapterError("not a piece the fhir reader made", position=piece.locator)
        text = payload.text
        findings = opts.findings and (bool(piece.findings) or carries_findings(text))
        if piece.claim is not None and (fixed is not None or findings):
            try:
                text = _render(piece, payload, piece.claim, fixed, opts)
            except RecursionError:  # --fast reads nesting the models would have refused
                raise AdapterError(
                    "the Claim is nested too deeply to rewrite", position=piece.locator
                ) from None
        yield (text + payload.suffix).encode("utf-8")


def _rewrite(
    tree: Json, piece: ClaimPiece, original: Claim, fixed: Claim | None, opts: Options
) -> Json:
    """The fixes (when *fixed*), then the findings (when the ``findings`` option is on)."""
    if fixed is not None:
        tree = render_tree(tree, original, fixed)
    if opts.findings:
        put_findings(tree, piece.findings, rewritten=fixed is not None)
    return tree


def _render(
    piece: ClaimPiece, payload: ClaimText, original: Claim, fixed: Claim | None, opts: Options
) -> str:
    if payload.syntax == "xml":
        if payload.tree is None:  # pragma: no cover - the XML reader always keeps the tree
            raise AdapterError("XML Claim without its tree", position=piece.locator)
        tree = _rewrite(copy.deepcopy(dict(payload.tree)), piece, original, fixed, opts)
        from .xmlio import claim_xml

        try:
            return claim_xml(tree, opts.version, pretty="\n" in payload.text)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise AdapterError(
                f"claim {original.id}: the fixed Claim does not validate: {exc}",
                position=piece.locator,
            ) from exc
    lead, tree, trail = parse_claim_text(payload)
    tree = _rewrite(tree, piece, original, fixed, opts)
    if not opts.fast:
        problem = opts.version.validate_claim(tree, payload.pointer)
        if problem is not None:
            raise AdapterError(
                f"claim {original.id}: the fixed Claim does not validate: {problem}",
                position=piece.locator,
            )
    return lead + dumps(tree, payload.style or style_of(payload.text, 0, len(payload.text))) + trail


def render_tree(tree: Json, original: Claim, fixed: Claim) -> Json:
    """Rewrite a Claim's JSON *tree* (as read for *original*) so that it says *fixed*."""
    items = [i for i in tree.get("item") or [] if isinstance(i, dict)]  # null: none
    infos = _Infos(tree)
    linked_before = {s for i in items for s in i.get("informationSequence") or ()}
    parts_of = Counter(line.origin for line in fixed.lines)
    new_items = []
    for line in fixed.lines:
        base = original.line(line.origin)
        source = items[line.origin - 1]
        # the tree is this call's own (parsed for it): a line that stays one line is
        # rewritten in place; the parts of a split each start from a copy of the source
        item = source if parts_of[line.origin] == 1 else copy.deepcopy(source)
        item["sequence"] = line.number
        delta = line_delta(line, base)
        if delta.code:
            _set_code(item, line.code)
        if delta.modifiers:
            _set_modifiers(item, line.modifiers)
        if delta.units:
            _set_quantity(item, base, line)
        if delta.charge or delta.units:  # unitPrice is the charge per unit
            _set_charge(item, line)
        if delta.control_number:
            _set_extension(item, codes.EXT_LINE_CONTROL_NUMBER, "valueString", line.control_number)
        if parts_of[line.origin] > 1:
            _set_extension(item, codes.EXT_SPLIT_FROM, "valueInteger", source.get("sequence"))
        if not isinstance(item.get("informationSequence"), list):
            item.pop("informationSequence", None)  # null is no link (the mapping refuses more)
        links = item.setdefault("informationSequence", [])
        _note_links(infos, links, base.note, line.note)
        for attachment in delta.attachments:
            links.append(infos.add_attachment(attachment))
        if not links:
            del item["informationSequence"]
        new_items.append(item)
    if new_items:
        tree["item"] = new_items
    else:  # FHIR JSON never holds an empty array
        tree.pop("item", None)
    claim_links: list[int] = []
    _note_links(infos, claim_links, original.note, fixed.note, claim_level=True)
    for attachment in added_attachments(original.attachments, fixed.attachments):
        infos.add_attachment(attachment)
    linked_after = {s for i in new_items for s in i.get("informationSequence", ())}
    infos.drop(linked_before - linked_after)  # entries only a removed line pointed at
    infos.store()
    _set_total(tree, fixed, new_items)
    return tree


class _Infos:
    """``Claim.supportingInfo`` while it is being rewritten."""

    def __init__(self, tree: Json) -> None:
        self.tree = tree
        self.entries: list[Json] = [
            e for e in tree.get("supportingInfo") or [] if isinstance(e, dict)
        ]
        self.next = 1 + max(
            (e["sequence"] for e in self.entries if isinstance(e.get("sequence"), int)), default=0
        )
        self.changed = False

    def _add(self, entry: Json) -> int:
        sequence = self.next
        self.next += 1
        self.entries.append({"sequence": sequence, **entry})
        self.changed = True
        return sequence

    def add_note(self, text: str) -> int:
        return self._add({"category": _category("info"), "valueString": text})

    def add_attachment(self, attachment: Attachment) -> int:
        concept: Json = {
            "coding": [
                {"system": codes.X12_REPORT_TYPE_SYSTEM, "code": attachment.report_type},
                {"system": codes.X12_TRANSMISSION_SYSTEM, "code": attachment.transmission},
            ]
        }
        if attachment.description:
            concept["text"] = attachment.description
        entry: Json = {"category": _category("attachment"), "code": concept}
        if attachment.control_number:
            entry["valueReference"] = {
                "identifier": {
                    "system": codes.SID_ATTACHMENT_CONTROL_NUMBER,
                    "value": attachment.control_number,
                }
            }
        return self._add(entry)

    def is_note(self, sequence: int) -> bool:
        return any(
            e.get("sequence") == sequence and category_of(e) == "info" and "valueString" in e
            for e in self.entries
        )

    def unlinked_notes(self, linked: set[int]) -> list[int]:
        return [
            e["sequence"]
            for e in self.entries
            if e.get("sequence") not in linked and self.is_note(e.get("sequence", -1))
        ]

    def drop(self, sequences: set[int]) -> None:
        if sequences:
            self.entries = [e for e in self.entries if e.get("sequence") not in sequences]
            self.changed = True

    def store(self) -> None:
        if not self.changed:
            return
        if self.entries:
            self.tree["supportingInfo"] = self.entries
        else:
            self.tree.pop("supportingInfo", None)


def _category(code: str) -> Json:
    return {"coding": [{"system": codes.CLAIM_INFO_CATEGORY, "code": code}]}


def _note_links(
    infos: _Infos,
    links: list[int],
    before: str | None,
    after: str | None,
    *,
    claim_level: bool = False,
) -> None:
    """Make the note entries say *after*. Notes only grow by ``merge_note`` (``"a; b"``), so
    the usual change is one new entry holding the added text; anything else replaces them."""
    if after == before:
        return
    if after and before and after.startswith(before + "; "):
        added = after[len(before) + 2 :]
    else:
        if claim_level:
            linked = {
                s for i in infos.tree.get("item", []) for s in i.get("informationSequence", ())
            }
            infos.drop(set(infos.unlinked_notes(linked)))
        else:
            links[:] = [s for s in links if not infos.is_note(s)]
        added = after or ""
    if added:
        sequence = infos.add_note(added)
        if not claim_level:
            links.append(sequence)


def _set_code(item: Json, code: str) -> None:
    concept = item.setdefault("productOrService", {})
    codings = [c for c in concept.get("coding", []) if isinstance(c, dict)]
    chosen = next((c for c in codings if codes.code_system_of(c.get("system"))), None)
    system = chosen.get("system") if chosen else None
    is_hcpcs = bool(_HCPCS_CODE.match(code))
    if system is None or (codes.code_system_of(system) == "HCPCS") != is_hcpcs:
        system = codes.HCPCS_SYSTEM if is_hcpcs else codes.CPT_SYSTEM
    # a display or text described the old code; other codings translated it
    concept["coding"] = [{"system": system, "code": code}]
    concept.pop("text", None)


def _modifier_concept(modifier: str) -> Json:
    system = codes.CPT_SYSTEM if modifier.isdigit() else codes.HCPCS_SYSTEM
    return {"coding": [{"system": system, "code": modifier}]}


def _set_modifiers(item: Json, modifiers: tuple[str, ...]) -> None:
    existing: dict[str, Json] = {}
    for concept in item.get("modifier", []):
        codings = concept.get("coding", []) if isinstance(concept, dict) else []
        if codings and isinstance(codings[0], dict) and isinstance(codings[0].get("code"), str):
            existing.setdefault(codings[0]["code"], concept)
    if modifiers:
        item["modifier"] = [existing.get(m) or _modifier_concept(m) for m in modifiers]
    else:
        item.pop("modifier", None)


def _set_quantity(item: Json, base: ServiceLine, line: ServiceLine) -> None:
    quantity = item.get("quantity")
    if not isinstance(quantity, dict) or line.unit_basis != base.unit_basis:
        quantity = {}
    quantity["value"] = line.units
    if line.unit_basis == "MJ" and base.unit_basis != "MJ":
        quantity.update({"unit": "min", "system": codes.UCUM, "code": "min"})
    code = quantity.get("code")
    if line.unit_basis != "MJ" and isinstance(code, str) and code in codes.TIME_UNITS_IN_MINUTES:
        # a time unit on a quantity read as units (it had no value): written as units, or the
        # next read would take them for minutes (found by fuzzing)
        for key in ("unit", "system", "code"):
            quantity.pop(key, None)
    item["quantity"] = quantity


def _price(charge: Decimal, count: Decimal) -> Decimal:
    if count == 0:
        return charge
    exact = charge / count
    cents = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    return cents if cents == exact else exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _set_charge(item: Json, line: ServiceLine) -> None:
    price = item.get("unitPrice")
    net = item.get("net")
    currency = next(
        (m["currency"] for m in (net, price) if isinstance(m, dict) and "currency" in m), None
    )
    if isinstance(price, dict) and "value" in price:
        factor = item.get("factor", 1)
        price["value"] = _price(line.charge, line.units * Decimal(factor))
    if not isinstance(net, dict):
        net = item["net"] = {}
    net["value"] = line.charge
    if currency and "currency" not in net:
        net["currency"] = currency


def _set_extension(node: Json, url: str, key: str, value: Any) -> None:
    extensions = [
        e for e in node.get("extension") or [] if not (isinstance(e, dict) and e.get("url") == url)
    ]
    if value is not None:
        extensions.append({"url": url, key: value})
    if not extensions:
        node.pop("extension", None)
        return
    if "extension" in node:
        node["extension"] = extensions
        return
    rest = dict(node)
    node.clear()
    node["extension"] = extensions  # FHIR JSON puts extension before the element's own data
    node.update(rest)


def _set_total(tree: Json, fixed: Claim, items: list[Json]) -> None:
    total = tree.get("total")
    if isinstance(total, dict):
        if total.get("value") != fixed.total_charge:
            total["value"] = fixed.total_charge
        return
    currency = next(
        (
            i["net"]["currency"]
            for i in items
            if isinstance(i.get("net"), dict) and "currency" in i["net"]
        ),
        None,
    )
    tree["total"] = {"value": fixed.total_charge, **({"currency": currency} if currency else {})}
