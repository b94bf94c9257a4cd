"""The JSON report (``"report_version": 1``) and the human summary on stderr.

The report is built incrementally: ``ReportBuilder.add()`` turns each claim's result into an
entry (handed to a sink, so a million-claim report is never held in memory) and keeps the
counts; ``header()`` gives the top-level fields once the run is over. Order is deterministic:
claims in input order, findings by (line, code).

Entries are compact: a key whose value is null or empty is left out (the schema,
``scrubber/data/report.schema.json``, says what absence means), and the *report level* decides
which claims get an entry at all: ``summary`` none, ``findings`` (the default) the claims with
an error or warning finding, a fix or an edit failure, ``all`` every claim (info findings of
an otherwise untouched claim, e.g. "no MUE row for this code", are counted in the summary and
listed on the terminal, and get an entry at ``all``). On a large batch most claims are clean,
so the default report grows with what needs attention, not with the input.

Money and units are decimal strings everywhere (``"112.50"``, ``"2"``): JSON numbers are
binary floating point in most readers, and a charge must survive the round trip exactly.
Counts and line numbers are integers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from importlib import resources
from typing import Any

from scrubber._engine import OUT_OF_SCOPE_CODE, UNREADABLE_CODE
from scrubber._entries import (
    Entry,
    RowEntries,
    claim_states,
    compact,
    failure_entry,
    finding_entries,
    fix_entry,
)
from scrubber._findings import ClaimResult, Severity, UnreadableClaim
from scrubber._formats import ValidationIssue
from scrubber._profiles import Profile
from scrubber._tables import TableInfo

__all__ = [
    "CORE_FINDINGS",
    "OUT_OF_SCOPE_CODE",
    "REPORT_LEVELS",
    "REPORT_VERSION",
    "UNREADABLE_CODE",
    "ReportBuilder",
    "report_schema",
    "summary_text",
]

REPORT_VERSION = 1
REPORT_LEVELS = ("summary", "findings", "all")
# Finding codes of the core itself (no edit produces them; ``scrubber edits`` lists them).
CORE_FINDINGS = (
    ("SCR001", "warning", "Two edits proposed conflicting fixes; the later one was not applied"),
    ("SCR002", "error", "Claim not understood; passed through unchanged"),
    ("SCR003", "info", "Claim read, but no edit applies to it (not a professional claim)"),
    (
        "SCR004",
        "warning",
        "Fixes did not settle in 3 rounds; the claim is written as the last left it",
    ),
)


# ``ReportBuilder``'s running counts, as ``tallies`` hands them over: totals, counts by key
_TOTALS = ("claims", "changed", "lines", "failures", "unreadable")
_COUNTS = ("by_severity", "by_code", "fixes", "payers")


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the report, shipped in the package."""
    text = resources.files("scrubber").joinpath("data/report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


class ReportBuilder:
    """Counts as it goes and hands each claim entry to *sink* (a list's append, a spool)."""

    def __init__(
        self,
        sink: Callable[[Entry], None],
        *,
        check: bool = False,
        level: str = "findings",
        listener: Callable[[Entry], None] | None = None,
    ) -> None:
        """*level* picks which claims reach *sink* (see the module docstring); *listener*,
        if given, sees every claim's entry whatever the level (the terminal listing)."""
        if level not in REPORT_LEVELS:
            raise ValueError(f"report level must be one of {', '.join(REPORT_LEVELS)}: {level!r}")
        self._sink = sink
        self._listener = listener
        self.check = check
        self.level = level
        self.claims = 0
        self.changed = 0
        self.lines = 0
        # counts in plain dicts: a ``Counter``'s ``+=`` costs about three times a dict's
        # ``get`` and store, and a report counts every finding of the batch
        self.by_severity: dict[str, int] = {}
        self.by_code: dict[str, int] = {}
        self.fixes: dict[str, int] = {}
        self.failures = 0
        self.unreadable = 0
        self.payers: dict[str, int] = {}
        self.validation: list[Entry] = []
        self._rows = RowEntries()  # the entries of table rows shown so far

    def add(self, result: ClaimResult | UnreadableClaim, *, source: str) -> None:
        """Record one claim's result (scrubbed, or unreadable with its ``SCR002``).

        A claim no edit found anything on (most of a batch) only adds to the counts; its
        small entry is built only when someone takes it (the listener, or level ``all``)."""
        if (
            type(result) is ClaimResult
            and not result.findings
            and not result.applied
            and not result.failures
            and not result.changed
        ):
            self.claims += 1
            self.lines += len(result.original.lines)
            payers = self.payers
            payers[result.payer] = payers.get(result.payer, 0) + 1
            if self._listener is not None or self.level == "all":
                clean: Entry = {
                    "claim_id": result.claim_id,
                    "source": source,
                    "payer": result.payer,
                    "changed": False,
                }
                self._emit(clean, attention=False)
            return
        self.claims += 1
        if isinstance(result, UnreadableClaim):
            self.unreadable += not result.out_of_scope
            entry: Entry = {"claim_id": result.claim_id, "source": source}
            changed = False
        else:
            self.lines += len(result.original.lines)
            changed = result.changed
            self.changed += changed
            payers = self.payers
            payers[result.payer] = payers.get(result.payer, 0) + 1
            entry = {"claim_id": result.claim_id, "source": source, "payer": result.payer}
        entry["changed"] = changed
        # the entry is built compact (``compact``: null and empty values left out)
        attention = isinstance(result, UnreadableClaim)  # never a silent pass, even SCR003
        if result.findings:
            by_severity, by_code, info = self.by_severity, self.by_code, Severity.INFO
            for f in result.findings:
                severity, code = f.severity, f.code
                by_severity[severity._value_] = by_severity.get(severity._value_, 0) + 1
                by_code[code] = by_code.get(code, 0) + 1
                attention = attention or severity is not info
            entry["findings"] = finding_entries(result.findings, self._rows)
        if result.applied:
            attention = True
            fixes = self.fixes
            for applied in result.applied:
                kind = type(applied.fix).__name__
                fixes[kind] = fixes.get(kind, 0) + 1
            entry["fixes"] = [
                fix_entry(a.fix, by=a.by, phase=a.phase._value_) for a in result.applied
            ]
        if result.failures:
            attention = True
            self.failures += len(result.failures)
            entry["failures"] = [failure_entry(x) for x in result.failures]
        if changed:
            assert isinstance(result, ClaimResult)  # an unreadable claim never changes
            entry["before"], entry["after"] = claim_states(result.original, result.claim)
        self._emit(entry, attention=attention)

    def tallies(self) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
        """The running counts: the totals (claims, lines ...) and the counts by key (severity,
        code, fix kind, payer), for the builder of the whole run to add up with
        ``add_tallies`` (``--jobs`` and Spark: each worker reports the inputs it scrubbed)."""
        totals = {name: getattr(self, name) for name in _TOTALS}
        return totals, {name: dict(getattr(self, name)) for name in _COUNTS}

    def add_tallies(
        self, totals: Mapping[str, int], counts: Mapping[str, Mapping[str, int]]
    ) -> None:
        """Add another builder's ``tallies()`` to this one's counts."""
        for name, value in totals.items():
            setattr(self, name, getattr(self, name) + value)
        for name, added in counts.items():
            tally: dict[str, int] = getattr(self, name)
            for key, value in added.items():
                tally[key] = tally.get(key, 0) + value

    def _emit(self, entry: Entry, *, attention: bool) -> None:
        """Hand a (compact) entry to the listener and, if the level takes it, the sink."""
        if self._listener is not None:
            self._listener(entry)
        if self.level == "all" or (self.level == "findings" and attention):
            self._sink(entry)

    def add_validation(
        self, issues: Iterable[ValidationIssue], *, input: str | None = None
    ) -> None:
        """Record implementation-guide issues of the output written for *input*."""
        for issue in issues:
            severity = issue.severity.value
            self.by_severity[severity] = self.by_severity.get(severity, 0) + 1
            self.validation.append(
                compact(
                    {
                        "input": input,
                        "message": issue.message,
                        "locator": issue.locator,
                        "severity": issue.severity.value,
                        "claim_id": issue.claim_id,
                    }
                )
            )

    @property
    def has_errors(self) -> bool:
        return self.by_severity.get(Severity.ERROR.value, 0) > 0

    def summary(self) -> Entry:
        return {
            "claims": self.claims,
            "claims_changed": self.changed,
            "claims_unreadable": self.unreadable,
            "lines": self.lines,
            "findings": {
                "by_severity": {s.value: self.by_severity.get(s.value, 0) for s in Severity},
                "by_code": dict(sorted(self.by_code.items())),
            },
            "fixes_applied": dict(sorted(self.fixes.items())),
            "edit_failures": self.failures,
            "mode": "check" if self.check else "fix",
            "report_level": self.level,
        }

    def header(
        self,
        *,
        tool_version: str,
        plugins: Iterable[tuple[str, str]],
        tables: Iterable[TableInfo],
        inputs: Iterable[Mapping[str, str]] = (),
        as_of: date | None = None,
        profile: Profile | None = None,
    ) -> Entry:
        """Everything but ``claims``: the CLI writes this, then streams the entries.

        *tables* are the versions the run used; ``profile`` records the profile's source
        (path, or ``<built-in defaults>``), the SHA-256 of its text and how many claims
        resolved to each payer section, so a run can be reproduced from its report."""
        return {
            "report_version": REPORT_VERSION,
            "tool": {"name": "claim-scrubber", "version": tool_version},
            "as_of": None if as_of is None else as_of.isoformat(),
            "inputs": list(inputs),
            "plugins": [{"name": n, "version": v} for n, v in plugins],
            "tables": [t.as_dict() for t in tables],
            "profile": None
            if profile is None
            else {
                "source": profile.source,
                "sha256": profile.sha256 or None,
                "payers": dict(sorted(self.payers.items())),
            },
            "summary": self.summary(),
            "validation": self.validation,
        }


def summary_text(summary: Mapping[str, Any]) -> str:
    """A few lines for a person: claims, findings by code, fixes."""
    sev = summary["findings"]["by_severity"]
    lines = [
        f"claims: {summary['claims']}  lines: {summary['lines']}  "
        f"changed: {summary['claims_changed']}  unreadable: {summary['claims_unreadable']}",
        f"findings: {sev['error']} error, {sev['warning']} warning, {sev['info']} info",
    ]
    by_code = summary["findings"]["by_code"]
    if by_code:
        lines.append("  " + "  ".join(f"{code}×{n}" for code, n in by_code.items()))
    fixes = summary["fixes_applied"]
    verb = "proposed" if summary.get("mode") == "check" else "applied"
    lines.append(
        f"fixes {verb}: "
        + (", ".join(f"{kind}×{n}" for kind, n in fixes.items()) if fixes else "none")
    )
    if summary["edit_failures"]:
        lines.append(f"edit failures: {summary['edit_failures']}")
    return "\n".join(lines)
