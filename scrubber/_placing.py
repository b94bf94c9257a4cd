"""Findings placed on input lines, and the result for a claim the engine cannot scrub.

An edit names a line of the claim as its phase saw it; the engine reports the *input* line
(the line's ``origin``) and where that line ended up (``output_lines``). A claim piece the
reader could not understand, or that no edit is for, gets its one finding here, so every
claim's result comes through the engine's one channel.
"""

from __future__ import annotations

from scrubber._findings import Finding, Severity, UnreadableClaim
from scrubber._formats import ClaimPiece
from scrubber._models import Claim

__all__ = [
    "OUT_OF_SCOPE_CODE",
    "UNREADABLE_CODE",
    "follow_lines",
    "place_lines",
    "unreadable",
]

UNREADABLE_CODE = "SCR002"
UNREADABLE_CITATION = (
    "claim-scrubber: a claim that cannot be understood is passed through unchanged"
)
OUT_OF_SCOPE_CODE = "SCR003"
OUT_OF_SCOPE_CITATION = (
    "HIPAA code sets, 45 CFR 162.1002: HCPCS and CPT-4 for physician and other health care "
    "services (the professional claim the edits check); HL7 FHIR R4 Claim.type "
    "(claim-type: institutional, oral, pharmacy, professional, vision)"
)


def place_lines(
    findings: list[Finding],
    stages: list[tuple[Claim, int]],
    line_maps: list[tuple[tuple[int, ...], ...]],
) -> list[Finding]:
    """Set each finding's ``line`` to its input line and ``output_lines`` to where it went.

    A finding made in phase *k* names a line of the claim as phase *k* began; its input line
    is that line's ``origin``, and its output lines follow the line through the fixes of
    phase *k* and every later phase (``FixOutcome.line_map``). A finding that already has
    ``output_lines`` was made placed (``EditContext.finding`` in the engine): its ``line``
    is the input line and its ``output_lines`` hold the line as phase *k* saw it, so only
    that is followed, and the finding is copied only when the fixes moved its line (most
    stay as made).

    Most rounds move no line (a cap, a note, an attachment keeps every line at its number)
    and make every line finding placed: then *findings* are already where they belong and
    come back as they are, after one look at each."""
    if not any(line_maps):
        for finding in findings:
            if not finding.output_lines and finding.line is not None:
                break  # one an edit built itself: its line is the phase's, not the input's
        else:
            return findings
    placed: list[Finding] = []
    last = len(stages) - 1
    for k, (stage, start) in enumerate(stages):
        end = stages[k + 1][1] if k < last else len(findings)
        if start == end:
            continue
        later = [line_map for line_map in line_maps[k:] if line_map]
        for finding in findings[start:end]:
            seen = finding.output_lines
            if seen:  # made placed: the line is the input line already
                if later:
                    where = follow_lines(seen, later)
                    if where != seen:
                        finding = finding.placed(finding.line, where)
                placed.append(finding)
                continue
            number = finding.line
            if number is None or not 1 <= number <= len(stage.lines):
                placed.append(finding)
                continue
            where = follow_lines((number,), later)
            placed.append(finding.placed(stage.lines[number - 1].origin, where))
    return placed


LineMap = tuple[tuple[int, ...], ...]


def follow_lines(where: tuple[int, ...], line_maps: list[LineMap]) -> tuple[int, ...]:
    """The lines *where* became through *line_maps* (each a phase's, in order)."""
    for line_map in line_maps:
        where = tuple(n for w in where for n in line_map[w - 1])
    return where


def unreadable(piece: ClaimPiece) -> UnreadableClaim:
    """The result for a claim piece without a model claim (passed through unchanged): one the
    reader could not understand (``SCR002``, error), or one it read but that no edit is for
    (``out_of_scope``: ``SCR003``, info: the claim may be right, it is only never passed in
    silence)."""
    claim_id = piece.claim_id or "?"
    if piece.out_of_scope:
        reason = piece.problem or "out of scope"
        finding = Finding(
            code=OUT_OF_SCOPE_CODE,
            severity=Severity.INFO,
            message=f"no edit applies, passed through unchanged: {reason}",
            claim_id=claim_id,
            citation=OUT_OF_SCOPE_CITATION,
        )
        return UnreadableClaim(
            claim_id=claim_id, problem=reason, findings=(finding,), out_of_scope=True
        )
    problem = piece.problem or "unreadable"
    finding = Finding(
        code=UNREADABLE_CODE,
        severity=Severity.ERROR,
        message=f"claim not understood, passed through unchanged: {problem}",
        claim_id=claim_id,
        citation=UNREADABLE_CITATION,
    )
    return UnreadableClaim(claim_id=claim_id, problem=problem, findings=(finding,))
