"""One ClaimResponse per scrubbed Claim (``--response FILE``), as one NDJSON line.

ClaimResponse is where FHIR puts adjudication-style remarks about a Claim (HL7 FHIR ClaimResponse):
``error{itemSequence, code}`` for each finding (code system codes.EDIT_CODE_SYSTEM, the
scrubber's edit codes) and ``processNote{number, type, text}`` with its message. R4 and R5
differ in ``processNote.type`` (code vs CodeableConcept) and R4 requires ``insurer``.

The library reads no clock, so ``created`` repeats the Claim's ``created``. Item sequences are
those of the Claim as written: the input item's own sequence when the Claim is written
unchanged, else the one output item the finding's input line became (``Finding.output_lines``);
a line split into several items or removed gives an ``error`` without ``itemSequence``, as
for the Claim. The note names the input line, which is what the biller sees in the submission.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from scrubber import AdapterError, ClaimPiece, ClaimResult, Finding, FormatOptions

from . import codes
from ._jsontext import JsonStyle, dumps
from .reader import ClaimText, parse_claim_text
from .versions import options_of

__all__ = ["respond"]

_ONE_LINE = JsonStyle(indent=None, base="", item_separator=",", key_separator=":")
NOTE_TYPE_SYSTEM = "http://hl7.org/fhir/note-type"


def _claim_tree(piece: ClaimPiece) -> Mapping[str, Any]:
    payload = piece.payload
    if not isinstance(payload, ClaimText):
        raise AdapterError("not a piece the fhir reader made", position=piece.locator)
    if payload.tree is not None:
        return payload.tree
    _lead, tree, _trail = parse_claim_text(payload)
    return tree  # type: ignore[no-any-return]  # the reader only makes pieces of JSON objects


def _item_sequence(finding: Finding, result: ClaimResult, sequences: list[Any]) -> Any:
    """The sequence of the one written item a finding is about, or None (claim level)."""
    if finding.line is None:
        return None
    if not result.changed:
        return sequences[finding.line - 1] if 1 <= finding.line <= len(sequences) else None
    return finding.output_lines[0] if len(finding.output_lines) == 1 else None


def respond(piece: ClaimPiece, result: ClaimResult, options: FormatOptions) -> bytes:
    """A ClaimResponse for *result* in the chosen FHIR version, as one NDJSON line."""
    opts = options_of(options)
    r5 = opts.version.name == "r5"
    tree = _claim_tree(piece)
    sequences = [
        item.get("sequence", n)
        for n, item in enumerate(tree.get("item", ()), start=1)
        if isinstance(item, Mapping)
    ]
    errors: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for number, finding in enumerate(result.findings, start=1):
        code = {
            "coding": [{"system": codes.EDIT_CODE_SYSTEM, "code": finding.code}],
            "text": finding.severity.value,
        }
        item = _item_sequence(finding, result, sequences)
        errors.append({"itemSequence": item, "code": code} if item is not None else {"code": code})
        note_type: Any = (
            {"coding": [{"system": NOTE_TYPE_SYSTEM, "code": "display"}]} if r5 else "display"
        )
        where = f" (input line {finding.line})" if finding.line is not None else ""
        notes.append(
            {
                "number": number,
                "type": note_type,
                "text": f"{finding.code} {finding.severity.value}{where}: {finding.message}",
            }
        )
    response: dict[str, Any] = {"resourceType": "ClaimResponse", "status": "active"}
    for key in ("type", "use", "patient", "created", "insurer"):
        if key in tree:
            response[key] = tree[key]
    if "insurer" not in response and not r5:
        response["insurer"] = {"display": result.claim.payer_name or "unknown payer"}
    identifiers = tree.get("identifier")
    if isinstance(identifiers, list) and identifiers:
        response["request"] = {"identifier": identifiers[0]}
    elif isinstance(tree.get("id"), str):
        response["request"] = {"reference": f"Claim/{tree['id']}"}
    response["outcome"] = "error" if result.has_errors else "complete"
    if errors:
        response["error"] = errors
        response["processNote"] = notes
    if not opts.fast:
        try:
            opts.version.model("ClaimResponse").model_validate(response)
        except ValidationError as exc:
            raise AdapterError(
                f"claim {result.claim.id}: the ClaimResponse does not validate: "
                f"{exc.errors(include_url=False, include_input=False)[0]['msg']}",
                position=piece.locator,
            ) from exc
    return (dumps(response, _ONE_LINE) + "\n").encode("utf-8")
