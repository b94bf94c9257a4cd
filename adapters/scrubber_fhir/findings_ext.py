"""Findings carried in the written Claim (format option ``findings``).

An EHR that reads our output back, rather than the JSON report, finds each finding where it
applies: one ``scrubber-finding`` complex extension per finding on the item it is about, or
on the Claim for a claim-level finding. The extension is documented in docs/fhir.md.

A finding's line is the line as its edit saw it. When fixes split, removed or renumbered
lines, that number no longer names one output item, so the finding goes on the Claim with
a ``line`` sub-extension, as the ClaimResponse does (never guessed onto an item).

Extensions from an earlier run are replaced, not added to, so a second scrub of our own
output changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrubber.findings import Finding
from scrubber.models import Claim

from . import codes

__all__ = ["carries_findings", "put_findings", "same_numbering"]

Json = dict[str, Any]


def carries_findings(text: str) -> bool:
    """True if a Claim's text may hold findings of an earlier run (to be replaced)."""
    return codes.EXT_FINDING in text


def _extension(finding: Finding, *, line: bool) -> Json:
    parts: list[Json] = [
        {"url": "code", "valueCode": finding.code},
        {"url": "severity", "valueCode": finding.severity.value},
        {"url": "message", "valueString": finding.message},
    ]
    if line and finding.line is not None:
        parts.append({"url": "line", "valueInteger": finding.line})
    if finding.citation:
        parts.append({"url": "citation", "valueString": finding.citation})
    for key, value in (("carc", finding.carc), ("rarc", finding.rarc)):
        if value:
            parts.append({"url": key, "valueCode": value})
    return {"url": codes.EXT_FINDING, "extension": parts}


def _strip(node: Json) -> None:
    kept = [
        ext
        for ext in node.get("extension", ())
        if not (isinstance(ext, dict) and ext.get("url") == codes.EXT_FINDING)
    ]
    if kept:
        node["extension"] = kept
    else:
        node.pop("extension", None)


def _add(node: Json, extension: Json) -> None:
    node.setdefault("extension", []).append(extension)


def same_numbering(original: Claim, written: Claim | None) -> bool:
    """Whether the written lines are the input lines, in place (so line n is item n)."""
    if written is None:
        return True
    return len(written.lines) == len(original.lines) and all(
        line.origin == line.number for line in written.lines
    )


def put_findings(tree: Json, findings: Sequence[Finding], *, items_in_place: bool) -> Json:
    """Set *tree*'s ``scrubber-finding`` extensions to *findings* (a Claim's JSON tree)."""
    items = [item for item in tree.get("item", ()) if isinstance(item, dict)]
    _strip(tree)
    for item in items:
        _strip(item)
    for finding in findings:
        number = finding.line
        if items_in_place and number is not None and 1 <= number <= len(items):
            _add(items[number - 1], _extension(finding, line=False))
        else:
            _add(tree, _extension(finding, line=True))
    return tree
