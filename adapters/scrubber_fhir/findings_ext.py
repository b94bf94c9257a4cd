"""Findings carried in the written Claim (format option ``findings``).

An EHR that reads our output back, rather than the JSON report, finds each finding where it
applies: one ``scrubber-finding`` complex extension per finding on the item it is about, or
on the Claim for a claim-level finding. The extension is documented in docs/fhir.md.

A finding names its input line (``line``) and the lines that input line became in the written
Claim (``output_lines``). It goes on the one item it is about: the input item when the Claim is
written unchanged, else the single output item its line became. When that line became several
items (a split) or none (removed), it goes on the Claim with a ``line`` sub-extension holding
the input line: one extension per finding, never guessed onto one part.

Extensions from an earlier run are replaced, not added to, so a second scrub of our own
output changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrubber import Finding

from . import codes

__all__ = ["carries_findings", "put_findings"]

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


def put_findings(tree: Json, findings: Sequence[Finding], *, rewritten: bool) -> Json:
    """Set *tree*'s ``scrubber-finding`` extensions to *findings* (a Claim's JSON tree).
    *rewritten*: the tree holds the fixed claim's items (output lines), not the input's."""
    items = [item for item in tree.get("item", ()) if isinstance(item, dict)]
    _strip(tree)
    for item in items:
        _strip(item)
    for finding in findings:
        if finding.line is None:
            targets: tuple[int, ...] = ()
        else:
            targets = finding.output_lines if rewritten else (finding.line,)
        if len(targets) == 1 and 1 <= targets[0] <= len(items):
            _add(items[targets[0] - 1], _extension(finding, line=False))
        else:
            _add(tree, _extension(finding, line=True))
    return tree
