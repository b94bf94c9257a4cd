"""X12-only edits: limits of the 837P format itself, not of a payer.

``XCLM001``: loop 2400 repeats at most 50 times per claim (005010X222A1 TR3, pyx12 map
``837.5010.X222.A1.xml``). A claim that has more lines after the normalize and
limit fixes (a split adds lines) cannot be sent as one 2300: the writer splits it into claims
of at most 50 lines with CLM01 suffixed ``-A``, ``-B`` ... Payers adjudicate each part
separately, so the biller should know before submission.

The code would be ``X12001`` but the core's ``CODE_PATTERN`` (``[A-Z]{2,6}[0-9]{3}``) admits
letters only before the three digits; ``XCLM`` (X12 claim) is the prefix until it allows one.
"""

from __future__ import annotations

from scrubber import Claim, EditContext, Finding, Phase, Severity, edit
from scrubber_x12.render import MAX_LINES

__all__ = ["claim_over_fifty_lines"]


@edit(
    "XCLM001",
    summary="837P claim with more than 50 service lines is written as several claims",
    citation="ASC X12 005010X222A1 837P TR3, loop 2400 (Service Line Number) repeat 50",
    severity=Severity.WARNING,
    phase=Phase.ANNOTATE,
)
def claim_over_fifty_lines(claim: Claim, ctx: EditContext) -> tuple[Finding, ...]:
    """An 837P claim holds at most 50 service lines; more means the writer must split it.

    It runs on every claim, so the usual one (50 lines or fewer) returns at once, before the
    source is looked at, and without the generator a ``yield`` would make per call."""
    count = len(claim.lines)
    if count <= MAX_LINES:
        return ()  # within the 837P limit
    limit = claim.source.max_lines if claim.source is not None else None
    if limit != MAX_LINES:
        return ()  # not a claim read from an 837P (no 50-line limit)
    parts = -(-count // MAX_LINES)
    return (
        ctx.finding(
            None,
            f"claim {claim.id} has {count} service lines; an 837P claim holds at most "
            f"{MAX_LINES}, so the fixed claim is written as {parts} claims "
            "(CLM01 suffixed -A, -B ...); "
            "a claim that receives no fix is written as sent and a payer will reject it",
            details={"lines": str(count), "parts": str(parts)},
        ),
    )
