"""``--validate`` for FHIR output: every Claim written is checked with fhir.resources.

There is no implementation guide for professional claims as FHIR Claim, so
validation means the base resource for the chosen version (R4 via fhir.resources.R4B, or R5),
which is what a receiving FHIR server checks first.
"""

from __future__ import annotations

from collections.abc import Iterator

from scrubber import AdapterError, ClaimPiece, FormatOptions, ValidationIssue

from .reader import read

__all__ = ["validate"]


def validate(output: bytes, options: FormatOptions) -> Iterator[ValidationIssue]:
    """One issue per written Claim that fails validation (the ``fast`` option is ignored)."""
    strict = {**options, "fast": "false"}
    try:
        for piece in read([output], strict):
            # an out-of-scope Claim (SCR003) is valid FHIR: only unreadable ones are issues
            if isinstance(piece, ClaimPiece) and piece.problem and not piece.out_of_scope:
                yield ValidationIssue(
                    message=piece.problem, locator=piece.locator, claim_id=piece.claim_id or None
                )
    except AdapterError as exc:
        yield ValidationIssue(message=exc.message, locator=exc.position or "")
