"""The engine: runs edits phase by phase over a stream of claims.

For each claim, the phases run in order (normalize -> limit -> annotate). Within a phase every
edit sees the claim as the previous phase left it; the phase's fixes are then applied together
(ordered by edit code), so an MUE edit counts the lines the infusion edit produced. Fixes
that conflict (two edits changing one line) are not guessed at: the first by code wins and
the other is reported as an ``SCR001`` finding.

An edit that raises is recorded as an ``EditFailure`` for that claim and the other edits keep
going; ``strict=True`` (the default in tests) re-raises instead. The engine is a generator:
claims in, results out, one claim in memory at a time (plus the bounded ``ClaimHistory``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from datetime import date

from scrubber.edits import Edit, EditContext, PhaseEdits
from scrubber.findings import AppliedFix, ClaimResult, EditFailure, Finding, Phase, Severity
from scrubber.fixes import Fix, apply_fixes
from scrubber.history import ClaimHistory
from scrubber.models import Claim
from scrubber.profiles import Profile
from scrubber.tables import ReferenceTables

__all__ = ["CONFLICT_CODE", "Runner", "scrub", "scrub_claim"]

CONFLICT_CODE = "SCR001"
CONFLICT_CITATION = "claim-scrubber DESIGN §4: conflicting fixes are reported, never guessed"


def _by_phase(edits: Sequence[Edit]) -> list[tuple[Phase, PhaseEdits]]:
    phases = sorted({e.phase for e in edits}, key=lambda p: p.order)
    return [(p, PhaseEdits(e for e in edits if e.phase is p)) for p in phases]


class Runner:
    """Edits grouped by phase once, then applied to one claim per call (what ``scrub`` and
    the streaming API use, so the per-claim cost is only the edits' own)."""

    def __init__(
        self,
        *,
        edits: Sequence[Edit],
        tables: ReferenceTables,
        profile: Profile,
        as_of: date | None = None,
        history: ClaimHistory | None = None,
        strict: bool = False,
    ) -> None:
        self._phases = _by_phase(edits)
        self._tables = tables
        self._profile = profile
        self._as_of = as_of
        self.history = history
        self._strict = strict

    def __call__(self, claim: Claim) -> ClaimResult:
        return _scrub_one(
            claim,
            self._phases,
            self._tables,
            self._profile,
            self._as_of,
            self.history,
            self._strict,
        )


def scrub_claim(
    claim: Claim,
    *,
    edits: Sequence[Edit],
    tables: ReferenceTables,
    profile: Profile,
    as_of: date | None = None,
    history: ClaimHistory | None = None,
    strict: bool = False,
) -> ClaimResult:
    """Scrub one claim. See ``scrub`` for the stream form (which also keeps history)."""
    run = Runner(
        edits=edits, tables=tables, profile=profile, as_of=as_of, history=history, strict=strict
    )
    return run(claim)


def scrub(
    claims: Iterable[Claim],
    *,
    edits: Sequence[Edit],
    tables: ReferenceTables,
    profile: Profile,
    as_of: date | None = None,
    strict: bool = False,
    history: ClaimHistory | None = None,
) -> Iterator[ClaimResult]:
    """Scrub a stream of claims lazily, in order. Units each claim finally bills are recorded
    in *history* (a new bounded one by default) so date-of-service edits can sum across
    claims of the same patient and billing provider in the run."""
    run = Runner(
        edits=edits,
        tables=tables,
        profile=profile,
        as_of=as_of,
        history=ClaimHistory() if history is None else history,
        strict=strict,
    )
    for claim in claims:
        yield run(claim)


def _scrub_one(
    claim: Claim,
    phases: list[tuple[Phase, PhaseEdits]],
    tables: ReferenceTables,
    profile: Profile,
    as_of: date | None,
    history: ClaimHistory | None,
    strict: bool,
) -> ClaimResult:
    payer = profile.for_claim(claim)
    program = payer.program_for(claim, profile.default_program)
    current = claim
    findings: list[Finding] = []
    applied: list[AppliedFix] = []
    failures: list[EditFailure] = []
    for phase, phase_edits in phases:
        proposed: list[tuple[str, Fix]] = []
        memo: dict[Hashable, object] = {}  # shared by this phase's edits on this claim
        for item in phase_edits.for_claim(current):
            ctx = EditContext(
                edit=item,
                claim=current,
                tables=tables,
                payer=payer,
                program=program,
                as_of=as_of,
                history=history,
                memo=memo,
            )
            try:
                produced = list(item.check(current, ctx))
            except Exception as exc:  # an edit's bug must not stop the other edits
                if strict:  # the CLI names the edit from this note
                    exc.add_note(
                        f"edit {item.code} ({item.plugin or 'no plugin'}) on claim {claim.id}"
                    )
                    raise
                failures.append(
                    EditFailure(
                        code=item.code,
                        claim_id=claim.id,
                        exc_type=type(exc).__name__,
                        message=str(exc)[:200],
                    )
                )
                continue
            for found in produced:
                findings.append(found)
                proposed.extend((item.code, fix) for fix in found.fixes)
        if not proposed:
            continue
        outcome = apply_fixes(current, proposed)
        current = outcome.claim
        applied.extend(AppliedFix(by=by, phase=phase, fix=fix) for by, fix in outcome.applied)
        findings.extend(
            Finding(
                code=CONFLICT_CODE,
                severity=Severity.WARNING,
                message=f"fix {type(r.fix).__name__} from {r.by} not applied: {r.reason}",
                claim_id=claim.id,
                line=getattr(r.fix, "line", None),
                citation=CONFLICT_CITATION,
            )
            for r in outcome.rejected
        )
    if history is not None:
        history.record(current)
    findings.sort(key=lambda f: f.sort_key)
    return ClaimResult(
        original=claim,
        claim=current,
        findings=tuple(findings),
        applied=tuple(applied),
        failures=tuple(failures),
    )
