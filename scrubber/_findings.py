"""Findings, failures and per-claim results: the records the engine hands back.

A finding is what an edit says about a claim; it may propose fixes (``scrubber._fixes``).
Messages name claim ids and line numbers only, never patients.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, final

from scrubber._models import _maker

if TYPE_CHECKING:
    from scrubber._fixes import Fix
    from scrubber._models import Claim

__all__ = [
    "AppliedFix",
    "ClaimResult",
    "EditFailure",
    "Finding",
    "Phase",
    "Severity",
    "TableRowRef",
    "UnreadableClaim",
    "finding_order",
    "make_finding",
]


class Severity(enum.Enum):
    """How bad a finding is. Any ``ERROR`` makes ``scrubber scrub`` exit 1."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Phase(enum.Enum):
    """When an edit runs. The engine applies one phase's fixes before the next phase runs,
    so a ``limit`` edit (MUE) sees the lines a ``normalize`` edit (infusion time) produced."""

    NORMALIZE = "normalize"
    LIMIT = "limit"
    ANNOTATE = "annotate"

    @property
    def order(self) -> int:
        return _PHASE_ORDER[self]


_PHASE_ORDER = {Phase.NORMALIZE: 0, Phase.LIMIT: 1, Phase.ANNOTATE: 2}


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class TableRowRef:
    """The reference-table row a finding rests on, with where that table came from."""

    table: str  # e.g. "mue/medicaid/practitioner"
    key: str  # e.g. "99602"
    values: tuple[tuple[str, str], ...]
    effective: date
    source_file: str
    sha256: str = ""

    @property
    def as_dict(self) -> dict[str, str]:
        return dict(self.values)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """What one edit says about one claim (and, when ``line`` is set, one of its lines).

    ``line`` is the *input* line the finding concerns (the line's ``origin``: what the biller
    sees in the submission), whatever phase the edit ran in; ``output_lines`` are the numbers
    of the lines it became in the written claim (several after a split, none once removed).
    The engine sets both from the line number the edit gave (``ctx.finding(line, ...)`` takes
    the line as the edit saw it), so edits never translate numbers themselves. A finding an
    edit builds itself names the line as its phase saw it and leaves ``output_lines`` empty;
    one that has them (made by ``ctx.finding`` in the engine, or a copy of one) is taken as
    placed already, and only its output lines are followed through later fixes.

    ``appealable`` is None where appeal does not apply; ``carc``/``rarc`` are the remittance
    codes a payer would use if the claim went out as it is (e.g. CARC 35 / RARC N362).
    ``fixes`` are proposed changes, applied by the engine unless the run is ``--check``.
    """

    code: str
    severity: Severity
    message: str
    claim_id: str
    line: int | None = None
    output_lines: tuple[int, ...] = ()
    appealable: bool | None = None
    carc: str | None = None
    rarc: str | None = None
    citation: str | None = None
    table_row: TableRowRef | None = None
    fixes: tuple[Fix, ...] = ()
    field: str | None = None
    details: tuple[tuple[str, str], ...] = ()

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return finding_order(self)

    def placed(self, line: int | None, output_lines: tuple[int, ...]) -> Finding:
        """A copy naming input *line* and its *output_lines* (what the engine does to every
        line finding), made without the constructor: every other field is this finding's."""
        placed: Finding = make_finding(
            self.code, self.severity, self.message, self.claim_id, line, output_lines,
            self.appealable, self.carc, self.rarc, self.citation, self.table_row, self.fixes,
            self.field, self.details,
        )  # fmt: skip
        return placed


# ``make_finding(code, severity, message, claim_id, line, output_lines, appealable, carc,
# rarc, citation, table_row, fixes, field, details)``: a Finding from values of the right
# types, all fields in order, without the frozen dataclass's ``__init__`` (one
# ``object.__setattr__`` per field). For the core's own copies and ``ctx.finding``; a
# Finding has no checks to skip, so it is the very object the constructor would make.
make_finding = _maker(Finding)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class EditFailure:
    """An edit raised on a claim. Recorded, reported, and the other edits keep going."""

    code: str
    claim_id: str
    exc_type: str
    message: str


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class AppliedFix:
    """A fix the engine applied, with the edit that proposed it and the phase it ran in."""

    by: str
    phase: Phase
    fix: Fix


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimResult:
    """Everything the engine knows about one claim after a run.

    ``original`` is the claim as read, ``claim`` the claim after every applied fix (the same
    object when nothing changed), ``findings`` are sorted by (line, code). ``payer`` names the
    payer section of the profile the claim resolved to (``defaults`` when none matched).
    """

    original: Claim
    claim: Claim
    findings: tuple[Finding, ...] = ()
    applied: tuple[AppliedFix, ...] = ()
    failures: tuple[EditFailure, ...] = ()
    payer: str = ""

    @property
    def claim_id(self) -> str:
        return self.original.id

    @property
    def changed(self) -> bool:
        return self.claim is not self.original

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class UnreadableClaim:
    """The result for a claim the engine could not scrub: the format's reader could not
    understand it (``findings`` holds the one ``SCR002`` error saying why), or, with
    ``out_of_scope``, read it but no edit is for it (one ``SCR003`` info finding). It is
    written back unchanged; ``problem`` is one line, no PHI. Comes out of the engine beside
    ``ClaimResult``s, in input order."""

    claim_id: str
    problem: str
    findings: tuple[Finding, ...]
    out_of_scope: bool = False
    applied: tuple[AppliedFix, ...] = ()
    failures: tuple[EditFailure, ...] = ()

    @property
    def changed(self) -> bool:
        return False

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)


def finding_order(finding: Finding) -> tuple[int, str, str]:
    """Where *finding* sorts in a claim's findings: by input line (a claim finding first),
    code, message. A function as well as ``Finding.sort_key``: the engine sorts every claim's
    findings with it, without the property's extra call."""
    return (0 if finding.line is None else finding.line, finding.code, finding.message)
