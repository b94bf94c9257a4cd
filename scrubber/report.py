"""The JSON report (``"report_version": 1``, DESIGN §9) and the human summary on stderr.

The report is built incrementally: ``ReportBuilder.add()`` turns each claim's result into an
entry (handed to a sink, so a million-claim report is never held in memory) and keeps the
counts; ``header()`` gives the top-level fields once the run is over. Order is deterministic:
claims in input order, findings by (line, code).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from scrubber.engine import OUT_OF_SCOPE_CODE, UNREADABLE_CODE
from scrubber.findings import ClaimResult, EditFailure, Finding, Severity, UnreadableClaim
from scrubber.fixes import Fix
from scrubber.formats import ValidationIssue
from scrubber.profiles import Profile
from scrubber.tables import TableInfo

__all__ = [
    "OUT_OF_SCOPE_CODE",
    "REPORT_VERSION",
    "UNREADABLE_CODE",
    "ReportBuilder",
    "finding_dict",
    "fix_dict",
    "summary_text",
]

REPORT_VERSION = 1

Entry = dict[str, Any]


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
        "fixes": [fix_dict(fix) for fix in finding.fixes],
    }


def _failure_dict(failure: EditFailure) -> Entry:
    return {"code": failure.code, "exc_type": failure.exc_type, "message": failure.message}


class ReportBuilder:
    """Counts as it goes and hands each claim entry to *sink* (a list's append, a spool)."""

    def __init__(self, sink: Callable[[Entry], None], *, check: bool = False) -> None:
        self._sink = sink
        self.check = check
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
        """Record one claim's result (scrubbed, or unreadable with its ``SCR002``)."""
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
        self._sink(
            {
                "claim_id": result.claim_id,
                "source": source,
                "payer": payer,
                "changed": result.changed,
                "findings": [finding_dict(f) for f in result.findings],
                "fixes": [fix_dict(a.fix, by=a.by, phase=a.phase.value) for a in result.applied],
                "failures": [_failure_dict(x) for x in result.failures],
            }
        )

    def add_validation(self, issues: Iterable[ValidationIssue]) -> None:
        for issue in issues:
            self.by_severity[issue.severity.value] += 1
            self.validation.append(
                {
                    "message": issue.message,
                    "locator": issue.locator,
                    "severity": issue.severity.value,
                    "claim_id": issue.claim_id,
                }
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
