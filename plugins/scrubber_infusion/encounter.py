"""INF010 and INF011: the checks over the recodes ``hierarchy.py`` finds for a claim's plan.

Both are errors: a second initial service or an infusion code on a push is billed with the
wrong code, and payers deny or recode it (CMS Recovery Audit topic 0071 reviews exactly this).
The rewrite is a payer choice (``[infusion] recode_initial_services``, default off): the coder
knows whether the services were sequential or concurrent, and which drug came first.
"""

from __future__ import annotations

from collections.abc import Iterator

from scrubber import EditContext, Finding, Fix
from scrubber_infusion.families import format_minutes
from scrubber_infusion.hierarchy import INITIAL_SERVICES, PUSH_MAX_MINUTES, Recode
from scrubber_infusion.plan import ClaimPlan

__all__ = ["push_billed_as_infusion", "second_initial_service"]


def _fix_and_advice(plan: ClaimPlan, recode: Recode) -> tuple[tuple[Fix, ...], str]:
    if recode.fix is None:
        return (), f" (no rewrite: {recode.no_fix})" if recode.no_fix else ""
    if plan.book.recode_initial_services:
        return (recode.fix,), ""
    return (), ""


def _time(recode: Recode) -> str:
    return f" for {format_minutes(recode.minutes)}" if recode.minutes is not None else ""


def second_initial_service(plan: ClaimPlan, ctx: EditContext) -> Iterator[Finding]:
    """A second initial IV service on one date of service without a separate-site modifier.

    Only one initial service is reported per encounter; the others are sequential or
    subsequent services (96365 -> 96367, 96374 -> 96375, 96409 -> 96411, 96360 -> 96361),
    chosen by the hierarchy chemotherapy > therapeutic/prophylactic/diagnostic > hydration,
    infusion > push, not by the order they were given in."""
    for recode in plan.recodes:
        if recode.initial is None:
            continue
        line, initial = recode.line, recode.initial
        first = INITIAL_SERVICES[recode.initial_code]
        mine = INITIAL_SERVICES[line.code]
        push = (
            f" (at {format_minutes(recode.minutes)} it is a push, "
            f"{INITIAL_SERVICES[mine.push].code})"
            if recode.as_push and recode.minutes is not None
            else ""
        )
        subsequent = INITIAL_SERVICES.get(mine.push if recode.as_push else mine.code, mine)
        fixes, advice = _fix_and_advice(plan, recode)
        yield ctx.finding(
            line,
            f"{line.code}{_time(recode)} is a second initial IV service on this date of service"
            f"{push}: line {initial.number} ({initial.code}, {first.label}) is the initial "
            f"service, and only one is reported per encounter unless a separate IV site is "
            f"documented (modifier {', '.join(sorted(plan.book.separate_site_modifiers))}). "
            f"Report it as {recode.suggested} ({subsequent.subsequent_text}): "
            f"{recode.coding}{advice}",
            fixes=fixes,
            field="code",
            details={"initial_line": str(initial.number), "suggested": recode.suggested},
        )


def push_billed_as_infusion(plan: ClaimPlan, ctx: EditContext) -> Iterator[Finding]:
    """A 96413 or 96365 line documenting 15 minutes or less: CPT reports that as a push."""
    for recode in plan.recodes:
        if recode.initial is not None or not recode.as_push:
            continue
        line = recode.line
        push = INITIAL_SERVICES[recode.suggested]
        fixes, advice = _fix_and_advice(plan, recode)
        yield ctx.finding(
            line,
            f"{line.code}{_time(recode)} is a push, not an infusion: CPT reports an infusion of "
            f"{format_minutes(PUSH_MAX_MINUTES)} or less as an IV push. Report it as "
            f"{push.code} ({push.label}, single or initial substance): {recode.coding}{advice}",
            fixes=fixes,
            field="code",
            details={"suggested": recode.suggested},
        )
