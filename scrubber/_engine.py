"""The engine: one object a run is started on, and the one streaming function over it.

``Engine`` holds what does not change during a run (the edits grouped by phase, the reference
tables, the payer profile, the ``ScrubOptions``); it is immutable and may be shared by threads.
``Engine.start()`` begins a ``Run``, which holds what a run accumulates: the ``ClaimHistory``
(day totals across claims, and across every input of the run), the table versions its edits
looked up (the report's provenance) and nothing else. ``Run.stream()`` is the one way claims
go through: chunks in, the format's reader, one result per claim, the format's writer, chunks
out. ``scrub_bytes``, the CLI and any other runner are thin callers of it.

For each claim the phases run in order (normalize -> limit -> annotate). Within a phase every
edit sees the claim as the previous phase left it; the phase's fixes are then applied together
(ordered by edit code), so an MUE edit counts the lines the infusion edit produced. Fixes that
conflict (two edits changing one line) are not guessed at: the first by code wins and the other
is reported as an ``SCR001`` finding. A claim the reader could not understand comes out as an
``UnreadableClaim`` result carrying an ``SCR002`` finding, through the same channel.

A finding's ``line`` is set here to the *input* line it concerns (the ``origin`` of the line the
edit named) and ``output_lines`` to where that line ended up after every phase's fixes, so no
edit, writer or report has to translate line numbers.

An edit that raises is recorded as an ``EditFailure`` for that claim and the other edits keep
going; ``strict=True`` re-raises instead. One claim is in memory at a time (plus the bounded
history).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import final

from scrubber._edits import Edit, EditContext, PhaseEdits, Screen
from scrubber._findings import (
    AppliedFix,
    ClaimResult,
    EditFailure,
    Finding,
    Phase,
    Severity,
    UnreadableClaim,
)
from scrubber._fixes import Fix, RejectedFix, RemoveLine, apply_fixes, moves_lines
from scrubber._formats import ClaimPiece, Format, FormatOptions, Piece, Verbatim
from scrubber._history import ClaimHistory
from scrubber._models import Claim
from scrubber._placing import (
    OUT_OF_SCOPE_CODE,
    UNREADABLE_CODE,
    place_lines,
    unreadable,
)
from scrubber._profiles import PayerProfile, Profile
from scrubber._rounds import (
    MAX_ROUNDS,
    UNSETTLED_CODE,
    Round,
    claim_result,
    make_applied,
    make_round,
)
from scrubber._run_tables import RunTables
from scrubber._tables import ReferenceTables, TableInfo

__all__ = [
    "CONFLICT_CODE",
    "OUT_OF_SCOPE_CODE",
    "UNREADABLE_CODE",
    "UNSETTLED_CODE",
    "Engine",
    "Result",
    "Run",
    "ScrubOptions",
    "scrub",
    "scrub_claim",
]

CONFLICT_CODE = "SCR001"
CONFLICT_CITATION = "claim-scrubber: conflicting fixes are reported, never guessed"

Result = ClaimResult | UnreadableClaim
OnResult = Callable[[ClaimPiece, Result], None]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ScrubOptions:
    """How a run behaves, as one typed object (the CLI builds it from its flags).

    - ``as_of``: the date table staleness is judged on (None: each line's own date only).
    - ``strict``: an edit that raises stops the run (tests) instead of being recorded.
    - ``check``: report only; every claim is written back unchanged.
    - ``format_options``: options for the format's reader and writer (``Format.options``).
    """

    as_of: date | None = None
    strict: bool = False
    check: bool = False
    format_options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def _by_phase(edits: Sequence[Edit]) -> tuple[tuple[Phase, PhaseEdits], ...]:
    phases = sorted({e.phase for e in edits}, key=lambda p: p.order)
    return tuple((p, PhaseEdits(e for e in edits if e.phase is p)) for p in phases)


@final
class Engine:
    """Edits, tables, profile and options for runs; immutable, shareable between threads.

    Start a ``Run`` per batch (or per thread): runs never share state, so two runs on one
    engine report their own tables and keep their own history.
    """

    __slots__ = ("edits", "options", "phases", "profile", "tables")

    def __init__(
        self,
        *,
        edits: Sequence[Edit],
        tables: ReferenceTables,
        profile: Profile,
        options: ScrubOptions | None = None,
    ) -> None:
        self.edits = tuple(edits)
        self.tables = tables
        self.profile = profile
        self.options = options or ScrubOptions()
        self.phases = _by_phase(self.edits)

    def start(self, *, history: ClaimHistory | None = None) -> Run:
        """A new run; *history* carries day totals in from earlier runs (a new one if None)."""
        return Run(self, ClaimHistory() if history is None else history)


class Run:
    """One run on an ``Engine``: its history and the tables it used. One thread at a time."""

    def __init__(self, engine: Engine, history: ClaimHistory) -> None:
        self.engine = engine
        self.history = history
        self._tables = RunTables(engine.tables)
        self._ctx: EditContext | None = None  # one for the run, given each claim's phases

    def tables_used(self) -> tuple[TableInfo, ...]:
        """The table versions this run's lookups rested on, in first-use order."""
        return self._tables.used()

    def stream(
        self, chunks: Iterable[bytes], fmt: Format, *, on_result: OnResult | None = None
    ) -> Iterator[bytes]:
        """Read *chunks* as *fmt*, scrub every claim, write lazily: the one streaming path.

        *on_result* sees each claim piece with its result (scrubbed or unreadable) in input
        order, before the writer gets the piece: report builders and responders hang here."""
        options = self.format_options(fmt)
        pairs = self.pieces(fmt.read(chunks, options), on_result=on_result)
        return fmt.write(pairs, options)

    def format_options(self, fmt: Format) -> FormatOptions:
        """The run's format options that *fmt* declares (a run may read several formats;
        each gets its own; callers check that every option names some format's option)."""
        given = self.engine.options.format_options
        return {key: value for key, value in given.items() if key in fmt.options}

    def pieces(
        self, pieces: Iterable[Piece], *, on_result: OnResult | None = None
    ) -> Iterator[tuple[Piece, Claim | None]]:
        """Pair every piece with the claim to write (None: write it unchanged)."""
        check = self.engine.options.check
        for piece in pieces:
            if isinstance(piece, Verbatim):
                yield piece, None
                continue
            result = self.result(piece)
            if on_result is not None:
                on_result(piece, result)
            if isinstance(result, UnreadableClaim):  # reported, written unchanged
                yield piece, None
                continue
            if result.findings:
                piece = piece.with_findings(result.findings)
            yield piece, (result.claim if result.changed and not check else None)

    def result(self, piece: ClaimPiece) -> Result:
        """The result for one claim piece: scrubbed, or unreadable with its ``SCR002``."""
        if piece.claim is None:
            return unreadable(piece)
        return self.scrub_claim(piece.claim)

    def scrub_claim(self, claim: Claim) -> ClaimResult:
        """Scrub one claim and record what it finally bills in the run's history.

        A claim from which a fix removed a line that edits had judged it with (the MUE cap
        removing a line the time rules had coded beside another) is scrubbed again, every
        phase, on its fixed form, until a round leaves it as it found it (at most
        ``MAX_ROUNDS``): so scrubbing the output again changes nothing. Findings of every
        round are kept once; a claim that does not settle keeps its last form with an
        ``SCR004`` warning."""
        profile = self.engine.profile
        payer = profile.for_claim(claim)
        program = payer.program_for(claim, profile.default_program)
        rounds = [self._round(claim, payer, program)]
        settled = True
        if rounds[0].revisit:
            while True:  # settled: a round leaves the claim as it found it
                before = rounds[-1].claim
                rounds.append(self._round(before, payer, program))
                settled = rounds[-1].claim == before
                if settled or len(rounds) == MAX_ROUNDS:
                    break
        self.history.record(rounds[-1].claim)
        return claim_result(claim, rounds, settled=settled, payer=payer.name)

    def _round(self, claim: Claim, payer: PayerProfile, program: str) -> Round:
        """Every phase once over *claim*: what they found, applied and changed.

        One ``EditContext`` serves every edit of the run (``ctx.edit`` points at the edit
        running, ``ctx.claim`` at the claim as the phase sees it, the memo is the phase's);
        of the edits that share a screen only those it names run (none on a claim it
        passes); a round without findings has nothing to place, and the line findings
        ``ctx.finding`` made come placed on their input line already."""
        engine = self.engine
        strict = engine.options.strict
        current = claim
        stages: list[tuple[Claim, int]] = []  # (claim at the phase's start, findings before)
        line_maps: list[tuple[tuple[int, ...], ...]] = []
        findings: list[Finding] = []
        applied: list[AppliedFix] = []
        failures: list[EditFailure] = []
        revisit = False  # a fix removed a line the edits had judged the claim with
        ctx = self._ctx
        if ctx is not None:
            ctx.payer = payer
            ctx.program = program
        for phase, phase_edits in engine.phases:
            stages.append((current, len(findings)))
            line_maps.append(())
            selected: Sequence[Edit] = phase_edits.for_claim(current)
            if not selected:
                continue
            if ctx is None:
                ctx = self._ctx = EditContext(
                    edit=selected[0],
                    claim=current,
                    tables=self._tables,
                    payer=payer,
                    program=program,
                    as_of=engine.options.as_of,
                    history=self.history,
                )
                ctx._placing = True
            else:  # the context serves this phase: its claim, an empty memo
                ctx.edit = selected[0]
                ctx.claim = current
                ctx._memo = None
            screened: dict[int, bool | Container[str]] | None = None
            shared = phase_edits.screen
            if shared is not None:
                # every edit of the phase (so every one selected) rests on one screen: a claim
                # it passes skips the phase
                answer = _screen(shared, current, ctx, strict)
                if answer is False:
                    continue
                if answer is not True:  # the codes of the edits that may find anything
                    selected = phase_edits.named(selected, answer)
                # the edits left are those it passed: no screen to ask per edit
            elif phase_edits.own_screens:
                screened = {}
            proposed: list[tuple[str, Fix]] = []
            for item in selected:
                ctx.edit = item
                screen = item.screen
                if screen is not None and screened is not None:
                    passed = screened.get(id(screen))
                    if passed is None:
                        passed = screened[id(screen)] = _screen(screen, current, ctx, strict)
                    if passed is not True and (passed is False or item.code not in passed):
                        continue
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
                if not produced:
                    continue
                findings += produced
                for found in produced:
                    if found.fixes:
                        by = item.code
                        proposed += [(by, fix) for fix in found.fixes]
            if not proposed:
                continue
            outcome = apply_fixes(current, proposed)
            if outcome.rejected:
                findings += [_conflict(claim.id, r) for r in outcome.rejected]
            if not outcome.applied:
                continue
            current = outcome.claim
            if moves_lines(outcome.line_map):  # else the numbers still name the same lines
                line_maps[-1] = outcome.line_map
            for by, fix in outcome.applied:
                applied.append(make_applied(by, phase, fix))
                # a line removed is gone from under what the edits judged beside it: an
                # earlier phase's (the pair of add-on lines, the initial service the cap
                # removed) or this phase's own (an add-on under its threshold removed while
                # the primary was coded beside it); units a cap reduced, lines split, notes
                # and attachments are recognised by the edits and fixes on a later scrub
                if type(fix) is RemoveLine:
                    revisit = True
        return make_round(
            current,
            # the common case, no finding: nothing to place
            place_lines(findings, stages, line_maps) if findings else findings,
            tuple(applied) if applied else (),
            tuple(failures) if failures else (),
            line_maps,
            revisit,
        )


def _conflict(claim_id: str, rejected: RejectedFix) -> Finding:
    """The ``SCR001`` warning on a fix ``apply_fixes`` did not apply."""
    return Finding(
        code=CONFLICT_CODE,
        severity=Severity.WARNING,
        message=f"fix {type(rejected.fix).__name__} from {rejected.by} not applied: "
        f"{rejected.reason}",
        claim_id=claim_id,
        line=getattr(rejected.fix, "line", None),
        citation=CONFLICT_CITATION,
    )


def _screen(screen: Screen, claim: Claim, ctx: EditContext, strict: bool) -> bool | Container[str]:
    """Which edits sharing *screen* run on *claim*: its answer (True, False or a set of edit
    codes), or True when it raises (the edits then report their own failures) unless the
    run is strict."""
    try:
        answer = screen(claim, ctx)
    except Exception as exc:
        if strict:
            exc.add_note(f"screen of edit {ctx.edit.code} on claim {claim.id}")
            raise
        return True
    if answer is None or isinstance(answer, _YES_OR_NO):
        return bool(answer)
    return answer or False


_YES_OR_NO = (bool, int)  # a tuple: ``bool | int`` would make a union object on every call


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
    """Scrub one claim on a run of its own (a shorthand for plugin tests)."""
    options = ScrubOptions(as_of=as_of, strict=strict)
    engine = Engine(edits=edits, tables=tables, profile=profile, options=options)
    return engine.start(history=history).scrub_claim(claim)


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
    """Scrub model claims lazily on one run (one history): a shorthand for tests and benches."""
    options = ScrubOptions(as_of=as_of, strict=strict)
    run = Engine(edits=edits, tables=tables, profile=profile, options=options).start(
        history=history
    )
    return (run.scrub_claim(claim) for claim in claims)
