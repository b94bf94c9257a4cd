"""Rounds of one claim: the engine scrubs again a claim a fix removed a line from.

Scrubbing the scrubber's output must change nothing. When a fix removes a line other lines
were judged with (the MUE cap removes one of two add-on lines the infusion time rules left for
a correction by hand, or the initial service a 96365 was ranked below; the time rules remove
an add-on under its threshold while coding the primary beside it), the edits would judge the
rest differently on the next scrub; so the engine
runs that scrub itself, every phase on the fixed form, until a round leaves the claim as it
found it, at most ``MAX_ROUNDS`` rounds. This module holds what the rounds leave: one
``Round`` each, their findings merged once, and the ``SCR004`` warning for a claim that does
not settle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, final

from scrubber._findings import (
    AppliedFix,
    ClaimResult,
    EditFailure,
    Finding,
    Phase,
    Severity,
    finding_order,
)
from scrubber._fix_records import Fix
from scrubber._models import Claim, _maker
from scrubber._placing import follow_lines

__all__ = [
    "MAX_ROUNDS",
    "UNSETTLED_CODE",
    "Round",
    "claim_result",
    "make_applied",
    "make_round",
    "merge_rounds",
    "unsettled",
]

MAX_ROUNDS = 3
UNSETTLED_CODE = "SCR004"
UNSETTLED_CITATION = (
    "claim-scrubber: a fixed claim is scrubbed again until scrubbing changes nothing "
    "(idempotence), at most 3 rounds; a claim that does not settle is reported, never guessed"
)


def unsettled(claim_id: str) -> Finding:
    """The warning on a claim whose last round still changed it (written as it left it)."""
    return Finding(
        code=UNSETTLED_CODE,
        severity=Severity.WARNING,
        message=(
            f"the fixes did not settle in {MAX_ROUNDS} rounds (fixes removed lines other "
            "lines were judged with, and each round changed the claim again); the "
            "claim is written as the last round left it: check it by hand"
        ),
        claim_id=claim_id,
        citation=UNSETTLED_CITATION,
    )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Round:
    """One pass of every phase over a claim (``line_maps``: each phase's, () = every line
    still at its number)."""

    claim: Claim
    findings: list[Finding]
    applied: tuple[AppliedFix, ...]
    failures: tuple[EditFailure, ...]
    line_maps: list[tuple[tuple[int, ...], ...]]
    revisit: bool


def _trusted_maker(cls: type, names: tuple[str, ...]) -> Callable[..., Any]:
    """``scrubber._models._maker(cls)``: an instance from values in field order without the
    dataclass ``__init__`` (about a seventh of its cost; one result and one round per claim),
    after checking the fields are still *names* in that order, so that a field added or
    moved fails at import rather than filling the wrong slot."""
    found = tuple(f.name for f in fields(cls))
    if found != names:
        raise TypeError(f"{cls.__name__} fields are {found}, the engine fills {names}")
    return _maker(cls)


make_round: Callable[
    [
        Claim,
        list[Finding],
        tuple[AppliedFix, ...],
        tuple[EditFailure, ...],
        list[tuple[tuple[int, ...], ...]],
        bool,
    ],
    Round,
] = _trusted_maker(Round, ("claim", "findings", "applied", "failures", "line_maps", "revisit"))
make_applied: Callable[[str, Phase, Fix], AppliedFix] = _trusted_maker(
    AppliedFix, ("by", "phase", "fix")
)
_make_result = _trusted_maker(
    ClaimResult, ("original", "claim", "findings", "applied", "failures", "payer")
)


def claim_result(original: Claim, rounds: list[Round], *, settled: bool, payer: str) -> ClaimResult:
    """The result of *original* scrubbed in *rounds* (the last left it as written): the
    findings of every round once, in (line, code) order, ``SCR004`` if it did not settle,
    the fixes of the rounds that changed it, every failure once."""
    if len(rounds) == 1:  # nearly every claim: nothing to merge
        [only] = rounds
        findings = only.findings
        if len(findings) > 1:
            findings.sort(key=finding_order)
        failures = tuple(dict.fromkeys(only.failures)) if only.failures else ()
        values = (original, only.claim, tuple(findings), only.applied, failures, payer)
        result: ClaimResult = _make_result(*values)
        return result
    findings = merge_rounds(rounds)
    if not settled:
        findings.append(unsettled(original.id))
    findings.sort(key=finding_order)
    # a round that left the claim as it found it applied nothing in the end
    later = zip(rounds[1:], rounds[:-1], strict=True)
    changed = [rounds[0], *(r for r, before in later if r.claim != before.claim)]
    merged: ClaimResult = _make_result(
        original,
        rounds[-1].claim,
        tuple(findings),
        tuple(a for r in changed for a in r.applied),
        tuple(dict.fromkeys(f for r in rounds for f in r.failures)),
        payer,
    )
    return merged


def merge_rounds(rounds: list[Round]) -> list[Finding]:
    """The findings of every round, each once (by code, input line and message), with the
    output lines of earlier rounds followed through the later rounds' fixes."""
    if len(rounds) == 1:
        return rounds[0].findings
    merged: dict[tuple[str, int | None, str], Finding] = {}
    for k, scrub_round in enumerate(rounds):
        later = [m for r in rounds[k + 1 :] for m in r.line_maps if m]
        for finding in scrub_round.findings:
            key = (finding.code, finding.line, finding.message)
            if key in merged:
                continue
            if later and finding.line is not None and finding.output_lines:
                finding = finding.placed(finding.line, follow_lines(finding.output_lines, later))
            merged[key] = finding
    return list(merged.values())
