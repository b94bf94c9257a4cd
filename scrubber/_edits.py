"""Edits: a function ``(claim, ctx) -> Iterable[Finding]`` plus the metadata that explains it.

::

    @edit("ACME001", summary="Modifier 25 without a same-day E/M line",
          citation="ACME provider manual s4.2, effective 2026-01")
    def modifier_25_needs_em_line(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
        ...
        yield ctx.finding(line, "modifier 25 but no E/M line on the same date")

``ctx.finding()`` fills in the edit code, severity, citation and claim id, so authors never
build those by hand. Codes are a plugin prefix plus three digits and are never reused.

An edit that can only ever find something on lines of a few procedure codes says so with
``codes=frozenset({...})``: the engine then calls it only for claims that bill one of them
(``PhaseEdits``), so a batch of mostly unrelated claims does not pay for it. ``None`` (the
default) means every claim.

Several edits that rest on the same per-claim work (the MUE edits all compare the same table
rows) can share a *screen*: ``screen=fn`` where ``fn(claim, ctx)`` says which of them can find
anything on the claim: ``True`` all of them, ``False`` none, or a set of edit codes (only
those run). The engine calls a screen once per claim and phase and skips every edit sharing
it that the answer leaves out, so a clean claim costs one pass instead of one walk per edit.
A screen must never leave out an edit that would report on the claim (a screen that is
unsure says True); a screen that raises lets its edits run (each reports its own failure),
or stops a ``strict`` run.
"""

from __future__ import annotations

import re
from collections.abc import (
    Callable,
    Container,
    Hashable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import TypeVar, final

from scrubber._findings import Finding, Phase, Severity, TableRowRef, make_finding
from scrubber._fixes import Fix
from scrubber._history import ClaimHistory
from scrubber._models import Claim, ServiceLine
from scrubber._profiles import PayerProfile, Setting
from scrubber._tables import ReferenceTables

__all__ = ["CODE_PATTERN", "Edit", "EditContext", "PhaseEdits", "Screen", "edit"]

T = TypeVar("T")

CODE_PATTERN = re.compile(r"^[A-Z]{2,6}[0-9]{3}$")
_UNSET = object()  # a memo key not computed yet (None is a value a computation may give)
_MAX_CHOSEN = 4096  # combinations of watched codes remembered per phase (the rest computed)
_code = attrgetter("code")  # a line's procedure code, for the set operations of ``for_claim``

Check = Callable[[Claim, "EditContext"], Iterable[Finding]]
# Which edits sharing the screen may find anything on the claim: True all, False none, or
# the codes of those that may.
Screen = Callable[[Claim, "EditContext"], bool | Container[str]]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Edit:
    """One edit: its code, what it checks, when it runs and which rule it enforces."""

    code: str
    summary: str
    check: Check
    citation: str
    severity: Severity = Severity.ERROR
    phase: Phase = Phase.LIMIT
    doc: str = ""
    plugin: str = ""
    # The severity its findings carry when the edit also fixes the claim (e.g. an MUE excess
    # capped or documented is a warning, a flag-only excess an error); None: always *severity*.
    severity_when_fixed: Severity | None = None
    codes: frozenset[str] | None = None  # None: every claim; else claims billing one of them
    screen: Screen | None = None  # shared by edits resting on the same per-claim work

    def __post_init__(self) -> None:
        if not CODE_PATTERN.match(self.code):
            raise ValueError(f"edit code {self.code!r} must match {CODE_PATTERN.pattern}")
        if not self.citation.strip():
            raise ValueError(f"edit {self.code} must cite the rule it enforces")
        if self.codes is not None and not isinstance(self.codes, frozenset):
            raise ValueError(f"edit {self.code}: codes must be a frozenset or None")

    def __call__(self, claim: Claim, ctx: EditContext) -> Iterable[Finding]:
        return self.check(claim, ctx)


def edit(
    code: str,
    *,
    summary: str,
    citation: str,
    severity: Severity = Severity.ERROR,
    phase: Phase = Phase.LIMIT,
    severity_when_fixed: Severity | None = None,
    codes: Iterable[str] | None = None,
    screen: Screen | None = None,
) -> Callable[[Check], Edit]:
    """Decorator: turn a check function into an ``Edit``. The docstring says why.

    *codes*: the procedure codes the edit looks at, when it can find nothing on a claim that
    bills none of them (the engine then skips such claims); omit it to see every claim.
    *screen*: a check shared with other edits that says which of them can find anything on
    a claim (see the module docstring)."""
    watched = None if codes is None else frozenset(codes)

    def wrap(func: Check) -> Edit:
        module = getattr(func, "__module__", "") or ""
        return Edit(
            code=code,
            summary=summary,
            check=func,
            citation=citation,
            severity=severity,
            phase=phase,
            severity_when_fixed=severity_when_fixed,
            doc=(func.__doc__ or "").strip(),
            plugin=module.split(".", 1)[0],
            codes=watched,
            screen=screen,
        )

    return wrap


@final
class PhaseEdits:
    """The edits of one phase, in code order, and which of them a claim needs.

    Edits that watch every claim run always; an edit that declares ``codes`` runs only when
    a line of the claim bills one of them. The order among the edits that run is the code
    order either way, so skipping never changes which fix wins a conflict. ``screen`` is the
    screen every edit of the phase shares (None when they do not all share one): the engine
    then asks it once and skips the phase on a claim it passes; ``own_screens`` says whether
    any edit has a screen of its own instead (asked once per claim among the edits sharing it)."""

    __slots__ = (
        "_always",
        "_chosen",
        "_everyone",
        "_named",
        "_watched",
        "edits",
        "own_screens",
        "screen",
    )

    def __init__(self, edits: Iterable[Edit]) -> None:
        self.edits = tuple(sorted(edits, key=lambda e: e.code))
        self._everyone = tuple(e.codes is None for e in self.edits)
        self._always = tuple(e for e in self.edits if e.codes is None)
        self._watched = frozenset().union(*(e.codes for e in self.edits if e.codes is not None))
        # the edits for each set of watched codes a claim bills, made once: the sets are the
        # combinations of watched codes claims bill together, a handful in a real batch
        self._chosen: dict[frozenset[str], tuple[Edit, ...]] = {}
        # the phase's edits each answer of the shared screen names, made once: a screen names
        # one of a few sets of edits in a real batch (those that fire together)
        self._named: dict[frozenset[str], tuple[Edit, ...]] = {}
        shared = len({id(e.screen) for e in self.edits}) == 1  # by identity, as the engine
        self.screen: Screen | None = self.edits[0].screen if shared else None
        # some edit has a screen of its own (not one all share): the engine asks it per claim
        self.own_screens = not shared and any(e.screen is not None for e in self.edits)

    def for_claim(self, claim: Claim) -> tuple[Edit, ...]:
        """The edits *claim* needs (all of them when no edit declares codes)."""
        watched = self._watched
        if not watched:
            return self.edits
        if watched.isdisjoint(map(_code, claim.lines)):  # most claims bill none of them
            return self._always
        key = watched.intersection(map(_code, claim.lines))
        chosen = self._chosen.get(key)
        if chosen is None:  # a set of watched codes not seen before: at most one per subset
            chosen = tuple(
                e
                for e, always in zip(self.edits, self._everyone, strict=True)
                if always or not key.isdisjoint(e.codes or ())
            )
            if len(self._chosen) < _MAX_CHOSEN:  # thread-safe: every thread stores the same
                self._chosen[key] = chosen
        return chosen

    def named(self, selected: Sequence[Edit], answer: Container[str]) -> Sequence[Edit]:
        """The edits of *selected* (``for_claim``'s choice) whose codes *answer* holds (the
        answer of the phase's shared screen), in code order.

        When *selected* is every edit of the phase (always, for a phase whose edits declare
        no codes; ``for_claim`` picks among them, so a choice as long as the phase is the
        whole phase) and the answer a frozenset, the edits are those of the answer alone,
        kept per answer (at most ``_MAX_CHOSEN``): one dict hit instead of a walk over the
        phase's edits for every claim the screen neither passes nor skips whole."""
        if len(selected) != len(self.edits) or type(answer) is not frozenset:
            return [e for e in selected if e.code in answer]
        named = self._named.get(answer)
        if named is None:
            named = tuple(e for e in self.edits if e.code in answer)
            if len(self._named) < _MAX_CHOSEN:  # thread-safe: every thread stores the same
                self._named[answer] = named
        return named

    def __iter__(self) -> Iterator[Edit]:
        return iter(self.edits)

    def __len__(self) -> int:
        return len(self.edits)


@final
class EditContext:
    """What an edit may look at besides the claim: tables, the payer's settings, the run.

    The engine makes one context per run, gives it each claim's payer and each phase's
    claim and a fresh memo, and points ``edit`` at each edit in turn while it runs, so a
    context is valid for the call it is passed to (an edit must not keep it); edits only
    read it. ``program`` is resolved from the payer profile and the claim filing indicator
    (``medicare`` or ``medicaid``).
    """

    __slots__ = (
        "_history",
        "_memo",
        "_placing",
        "as_of",
        "claim",
        "edit",
        "payer",
        "program",
        "tables",
    )

    def __init__(
        self,
        *,
        edit: Edit,
        claim: Claim,
        tables: ReferenceTables,
        payer: PayerProfile,
        program: str,
        as_of: date | None = None,
        history: ClaimHistory | None = None,
        memo: dict[Hashable, object] | None = None,
    ) -> None:
        self.edit = edit
        self.claim = claim
        self.tables = tables
        self.payer = payer
        self.program = program
        self.as_of = as_of
        self._history = history
        self._memo = memo  # made on the first ``memo`` call: most phases of a claim never ask
        # set by the engine: ``finding`` makes line findings placed on their input line
        self._placing = False

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Work shared by the edits of one phase on this claim (e.g. the table lookups every
        MUE edit needs): computed by the first edit that asks, reused by the others. The
        engine gives each claim and phase a fresh memo, so nothing outlives the claim."""
        memo = self._memo
        if memo is None:
            memo = self._memo = {}
        found = memo.get(key, _UNSET)
        if found is _UNSET:
            found = memo[key] = compute()
        return found  # type: ignore[return-value]  # stored by this method as T

    def settings(self, section: str) -> Mapping[str, Setting]:
        """The payer's settings for a plugin section (plugin defaults where unset)."""
        return self.payer.settings(section)

    def prior_units(
        self, code: str, on: date, *, key: str = "billing_npi", line: ServiceLine | None = None
    ) -> Decimal:
        """Units of *code* on *on* already billed on earlier claims of this run for the same
        patient and provider (0 when the run keeps no history). *key* says which identity is
        "the same provider": ``billing_npi``, ``rendering_npi`` (of *line*) or
        ``billing_tin``."""
        if self._history is None:
            return Decimal("0")
        return self._history.prior_units(self.claim, code, on, key=key, line=line)

    def billed_days(self) -> Container[tuple[str, date]]:
        """The (code, date of service) pairs earlier claims of this patient in the run bill,
        for any provider (empty when the run keeps no history): ``prior_units`` is 0 for a
        pair not in it, so a check can skip asking for most lines."""
        if self._history is None:
            return ()
        return self._history.billed_days(self.claim)

    def finding(
        self,
        line: ServiceLine | int | None,
        message: str,
        *,
        severity: Severity | None = None,
        fixes: Iterable[Fix] = (),
        appealable: bool | None = None,
        carc: str | None = None,
        rarc: str | None = None,
        citation: str | None = None,
        table_row: TableRowRef | None = None,
        field: str | None = None,
        details: Mapping[str, str] | None = None,
        code: str | None = None,
    ) -> Finding:
        """A finding of this edit on this claim (and *line*, a line or its number).

        In the engine a line finding is made placed: ``line`` is the input line (the
        ``origin`` of the claim's line *line*) and ``output_lines`` the line as this phase
        sees it, which the engine follows through the fixes applied after it; the finding
        is made once, not remade when it is placed (a copy an edit makes of it with
        ``dataclasses.replace`` is placed the same way). Outside the engine
        (``scrubber.testing.run_edit``) ``line`` is *line* as given, as the engine would
        have read it."""
        number = line.number if isinstance(line, ServiceLine) else line
        output_lines: tuple[int, ...] = ()
        claim, made_by = self.claim, self.edit
        if self._placing and number is not None:
            lines = claim.lines
            if 1 <= number <= len(lines):
                output_lines = (number,)
                number = lines[number - 1].origin
        finding: Finding = make_finding(
            code or made_by.code,
            severity or made_by.severity,
            message,
            claim.id,
            number,
            output_lines,
            appealable,
            carc,
            rarc,
            citation or made_by.citation,
            table_row,
            tuple(fixes),
            field,
            tuple(sorted(details.items())) if details else (),
        )
        return finding
