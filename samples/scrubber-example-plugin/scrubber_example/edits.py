"""The example plugin's one edit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from scrubber import Claim, EditContext, Finding, Phase, Severity, edit

# Office/outpatient E/M codes (CPT 99202-99215) that modifier 25 attaches to.
EM_CODES = frozenset({f"992{n:02d}" for n in range(2, 16)} - {"99210"})


def _has_em_line_on(claim: Claim, day: date) -> bool:
    return any(line.code in EM_CODES and line.service_date == day for line in claim.lines)


@edit(
    "EXA001",
    summary="Modifier 25 without a same-day E/M line",
    citation="CMS Claims Processing Manual ch. 12 §30.6.6 (modifier 25: significant, "
    "separately identifiable E/M service on the same day)",
    severity=Severity.ERROR,
    phase=Phase.ANNOTATE,
)
def modifier_25_needs_em_line(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """Modifier 25 is appended to an E/M code; on a line that is not an E/M service, with no
    E/M line on the same date, the payer denies it. Catch it before submission."""
    for line in claim.lines:
        needs_em = "25" in line.modifiers and line.code not in EM_CODES
        if needs_em and not _has_em_line_on(claim, line.service_date):
            yield ctx.finding(
                line, f"modifier 25 on {line.code} but no E/M line on {line.service_date}"
            )
