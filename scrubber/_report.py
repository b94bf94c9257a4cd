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
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

from scrubber._engine import OUT_OF_SCOPE_CODE, UNREADABLE_CODE
from scrubber._findings import ClaimResult, EditFailure, Finding, Severity, UnreadableClaim
from scrubber._fixes import Fix
from scrubber._formats import ValidationIssue
from scrubber._models import Attachment, Claim, ServiceLine
from scrubber._profiles import Profile
from scrubber._tables import TableInfo

__all__ = [
    "CORE_FINDINGS",
    "OUT_OF_SCOPE_CODE",
    "REPORT_LEVELS",
    "REPORT_VERSION",
    "UNREADABLE_CODE",
    "ReportBuilder",
    "finding_dict",
    "fix_dict",
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

Entry = dict[str, Any]


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the report, shipped in the package."""
    text = resources.files("scrubber").joinpath("data/report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value


def fix_dict(fix: Fix, *, by: str | None = None, phase: str | None = None) -> Entry:
    """``{"kind": "SplitLine", "line": 2, "parts": [...]}`` with Decimals as strings."""
    out: Entry = {"kind": type(fix).__name__}
    out.update({f.name: _plain(getattr(fix, f.name)) for f in fields(fix)})
    if by is not None:
        out["by"] = by
    if phase is not None:
        out["phase"] = phase
    return out


def finding_dict(finding: Finding) -> Entry:
    row = finding.table_row
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "message": finding.message,
        "line": finding.line,
        "output_lines": list(finding.output_lines),
        "appealable": finding.appealable,
        "carc": finding.carc,
        "rarc": finding.rarc,
        "citation": finding.citation,
        "table_row": None
        if row is None
        else {
            "table": row.table,
            "key": row.key,
            **row.as_dict,
            "effective": row.effective.isoformat(),
            "source_file": row.source_file,
        },
        "details": dict(finding.details),
    }


def _compact(entry: Entry) -> Entry:
    """*entry* without keys whose value is None or empty (recursively in dicts and lists).
    Entries are built here from plain dicts and lists, so exact type tests serve (a third
    of the cost of ``isinstance`` on the report's hot path)."""
    out: Entry = {}
    for key, value in entry.items():
        if value is None:
            continue
        kind = type(value)
        if kind is dict:
            value = _compact(value)
            if not value:
                continue
        elif kind is list:
            if not value:
                continue
            value = [_compact(v) if type(v) is dict else v for v in value]
        out[key] = value
    return out


def attachment_dict(attachment: Attachment) -> Entry:
    return {
        "report_type": attachment.report_type,
        "transmission": attachment.transmission,
        "control_number": attachment.control_number,
        "description": attachment.description,
    }


def line_dict(line: ServiceLine) -> Entry:
    """What a biller compares before and after a fix: code, modifiers, units, charge, note,
    attachments (never a patient field: a service line carries none)."""
    return {
        "number": line.number,
        "origin": line.origin,
        "code": line.code,
        "modifiers": list(line.modifiers),
        "units": str(line.units),
        "unit_basis": line.unit_basis,
        "minutes": None if line.minutes is None else str(line.minutes),
        "charge": str(line.charge),
        "service_from": line.service_from.isoformat(),
        "service_to": None if line.service_to is None else line.service_to.isoformat(),
        "control_number": line.control_number,
        "note": line.note,
        "attachments": [attachment_dict(a) for a in line.attachments],
    }


def _changed_origins(original: Claim, fixed: Claim) -> set[int]:
    """Input lines (by number) that a fix changed, split or removed."""
    after: dict[int, list[ServiceLine]] = {}
    for line in fixed.lines:
        after.setdefault(line.origin, []).append(line)
    changed = set()
    for line in original.lines:
        descendants = after.get(line.number, [])
        if len(descendants) != 1 or _visible(descendants[0]) != _visible(line):
            changed.add(line.number)
    return changed


def _visible(line: ServiceLine) -> tuple[object, ...]:
    """What ``line_dict`` shows of *line* but its number and origin, as a tuple to compare
    (the same texts for units, minutes and charge, so ``2`` and ``2.0`` still differ)."""
    return (
        line.code,
        line.modifiers,
        str(line.units),
        line.unit_basis,
        None if line.minutes is None else str(line.minutes),
        str(line.charge),
        line.service_from,
        line.service_to,
        line.control_number,
        line.note,
        line.attachments,
    )


def claim_states(original: Claim, fixed: Claim) -> tuple[Entry, Entry]:
    """A changed claim as billed (``before``) and as written (``after``): the totals, the
    claim-level note and attachments, and only the lines a fix touched (with every line a
    split made of them), so a 50-line claim with one capped line costs two lines here."""
    changed = _changed_origins(original, fixed)

    def state(claim: Claim, lines: Iterable[ServiceLine]) -> Entry:
        return {
            "total_charge": str(claim.total_charge),
            "note": claim.note,
            "attachments": [attachment_dict(a) for a in claim.attachments],
            "lines": [line_dict(line) for line in lines],
        }

    before = state(original, (line for line in original.lines if line.number in changed))
    after = state(fixed, (line for line in fixed.lines if line.origin in changed))
    return before, after


def _failure_dict(failure: EditFailure) -> Entry:
    return {"code": failure.code, "exc_type": failure.exc_type, "message": failure.message}


def _states(result: ClaimResult | UnreadableClaim) -> Entry:
    if isinstance(result, UnreadableClaim) or not result.changed:
        return {}
    before, after = claim_states(result.original, result.claim)
    return {"before": before, "after": after}


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
        self.by_severity: Counter[str] = Counter()
        self.by_code: Counter[str] = Counter()
        self.fixes: Counter[str] = Counter()
        self.failures = 0
        self.unreadable = 0
        self.payers: Counter[str] = Counter()
        self.validation: list[Entry] = []

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
            self.payers[result.payer] += 1
            if self._listener is not None or self.level == "all":
                entry = {
                    "claim_id": result.claim_id,
                    "source": source,
                    "payer": result.payer,
                    "changed": False,
                }
                self._emit(entry, attention=False)
            return
        self.claims += 1
        if isinstance(result, UnreadableClaim):
            self.unreadable += not result.out_of_scope
            payer = None
        else:
            self.lines += len(result.original.lines)
            self.changed += result.changed
            payer = result.payer
            self.payers[payer] += 1
        for f in result.findings:
            self.by_severity[f.severity.value] += 1
            self.by_code[f.code] += 1
        for applied in result.applied:
            self.fixes[type(applied.fix).__name__] += 1
        self.failures += len(result.failures)
        self._emit(
            {
                "claim_id": result.claim_id,
                "source": source,
                "payer": payer,
                "changed": result.changed,
                "findings": [finding_dict(f) for f in result.findings],
                "fixes": [fix_dict(a.fix, by=a.by, phase=a.phase.value) for a in result.applied],
                "failures": [_failure_dict(x) for x in result.failures],
                **_states(result),
            },
            attention=bool(
                isinstance(result, UnreadableClaim)  # never a silent pass, even SCR003 (info)
                or result.applied
                or result.failures
                or any(f.severity is not Severity.INFO for f in result.findings)
            ),
        )

    def _emit(self, entry: Entry, *, attention: bool) -> None:
        entry = _compact(entry)
        if self._listener is not None:
            self._listener(entry)
        if self.level == "all" or (self.level == "findings" and attention):
            self._sink(entry)

    def add_validation(
        self, issues: Iterable[ValidationIssue], *, input: str | None = None
    ) -> None:
        """Record implementation-guide issues of the output written for *input*."""
        for issue in issues:
            self.by_severity[issue.severity.value] += 1
            self.validation.append(
                _compact(
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
        return self.by_severity[Severity.ERROR.value] > 0

    def summary(self) -> Entry:
        return {
            "claims": self.claims,
            "claims_changed": self.changed,
            "claims_unreadable": self.unreadable,
            "lines": self.lines,
            "findings": {
                "by_severity": {s.value: self.by_severity[s.value] for s in Severity},
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
