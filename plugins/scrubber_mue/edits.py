"""The MUE edits (phase ``limit``: they count the lines the infusion edits normalised).

An MUE is "the maximum units of service that a provider would report under most
circumstances for a single beneficiary on a single date of service" (CMS MUE page). How it
is enforced depends on the program and, for Medicare, on the MUE Adjudication Indicator
(CMS MUE page; CMS FAQ 11344; First Coast; Palmetto GBA):

===========  ===================================  ======  =========================
code         class                                 count   appeal
===========  ===================================  ======  =========================
MUE001       Medicare MAI 1 claim line edit        line    yes, with records
MUE002       Medicare MAI 2 DOS edit: policy       day     no: correct the units
MUE003       Medicare MAI 3 DOS edit: clinical     day     yes, with records
MUE004       table without indicator (Medicaid)    mode    state appeal process
MUE005       Medicaid day total over the MUE       day     (warning only)
MUE006       MUE value 0: not payable              line    no
MUE007       no table in force / no row (info)     line    n/a
MUE008       a line of 0 units                     line    n/a
MUE009       date of service past the table's      line    n/a
             quarter (warning)
MUE010       RT + LT lines over an MUE of 1:       day     n/a
             report modifier 50
MUE011       program not stated (warning)          claim   n/a
===========  ===================================  ======  =========================

A date-span line (``DTP*472*RD8``, FHIR ``servicedPeriod``) is compared per day: its units
divided by the days of the span. A line still reported in minutes after the normalize phase
counts as one service a day. Severity: an error when the claim would be denied as written
(flagged, or MUE 0), a warning when a fix resolves it or documentation goes with it, info
when nothing could be checked. MUE006-MUE011 live in ``checks.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from scrubber import Claim, EditContext, Finding, Severity, edit
from scrubber_mue.actions import Plan, plan_day, plan_line_edit
from scrubber_mue.checks import (
    bilateral_needs_modifier_50,
    mue_no_data,
    mue_program_not_stated,
    mue_table_out_of_date,
    mue_zero_not_payable,
    mue_zero_units,
)
from scrubber_mue.resolve import MINUTES, DayGroup, counted_units, span_days
from scrubber_mue.screen import mue_screen
from scrubber_mue.settings import MueSettings
from scrubber_mue.view import day_totals, mue_view, walked_groups
from scrubber_mue.wording import (
    CMS_FAQ_DOS,
    CMS_MUE_PAGE,
    CT_DSS,
    DOCUMENTATION,
    FIRST_COAST,
    MEDICAID_NCCI,
    NCCI_MANUAL,
    PALMETTO,
    SEPARATE_LINE_MODIFIERS,
    amount,
    number,
    units,
)

# DOCUMENTATION and SEPARATE_LINE_MODIFIERS are re-exported for explain.py.
__all__ = ["DOCUMENTATION", "MUE_EDITS", "SEPARATE_LINE_MODIFIERS"]

SPAN_RULE = f"{NCCI_MANUAL}, ch. I (MUE section): a date span's units are compared per day"
KEY_WORDS = {
    "billing_npi": "the billing provider's NPI",
    "rendering_npi": "the rendering provider's NPI",
    "billing_tin": "the billing provider's tax id",
}
# what a summed day's finding says of its provider key, worded once per key
COUNTED_BY = {
    key: f" Day total counted per {words} (day_total_key = {key})."
    for key, words in KEY_WORDS.items()
}


def _severity(plan: Plan, action: str) -> Severity:
    return Severity.WARNING if plan.resolved or action == "document" else Severity.ERROR


def _when(group: DayGroup) -> str:
    if group.days == 1:
        return f"on {group.on.isoformat()}"
    return f"from {group.on.isoformat()} to {group.last.isoformat()} ({group.days} days)"


def _over_day(group: DayGroup) -> str:
    if len(group.lines) == 1:  # the usual group
        where = f"line {group.lines[0].origin}"  # input lines
    else:
        where = "lines " + ", ".join([str(line.origin) for line in group.lines])
    a_day = " a day" if group.days > 1 else ""
    earlier = f" plus {units(group.prior)}{a_day} on earlier claims" if group.prior else ""
    if group.days > 1:
        billed = " + ".join([amount(line) for line in group.lines])
        head = f"{billed} ({where}{earlier}) = {units(group.total)} a day"
    elif MINUTES in [line.unit_basis for line in group.lines]:  # a line in minutes
        billed = " + ".join([amount(line) for line in group.lines])
        count = number(group.claim_units)
        services = "1 service" if group.claim_units == 1 else f"{count} services"
        head = f"{services} ({where}: {billed}{earlier})"
    else:
        head = f"{units(group.total)} ({where}{earlier})"
    return (
        f"{group.code} {_when(group)}: {head} exceed its MUE of {group.row.value}{a_day} "
        f"({group.row.describe()})"
    )


def _day_finding(
    ctx: EditContext,
    claim: Claim,
    group: DayGroup,
    action: str,
    advice: str,
    appealable: bool,
    *,
    settings: MueSettings,
    summed: bool = True,
) -> Finding:
    """The finding for *group* over its MUE; *summed*: the units were added up per date of
    service (so the message says whose day total it was), not compared line by line."""
    plan = plan_day(
        action,
        claim=claim,
        lines=group.lines,
        allowed=group.allowed,
        value=group.row.value,
        settings=settings,
        counted=group.counted,
    )
    counted_by = _counted_by(group.key) if summed else ""
    details = {
        "action": action,
        "mue": str(group.row.value),
        "units": number(group.total),
        "date_of_service": group.on.isoformat(),
    }
    if summed:
        details["day_total_key"] = group.key
    if group.days > 1:
        details["span_days"] = str(group.days)
    return ctx.finding(
        plan.line,
        f"{_over_day(group)}. {advice}{counted_by} Done: {plan.outcome}.",
        severity=_severity(plan, action),
        fixes=plan.fixes,
        appealable=appealable,
        carc=settings.carc_for(group.row.hit.table.program),
        rarc=settings.rarc,
        table_row=group.row.table_row,
        citation=f"{ctx.edit.citation}; {SPAN_RULE}" if group.days > 1 else None,
        details=details,
    )


def _counted_by(key: str) -> str:
    words = COUNTED_BY.get(key)
    if words is None:  # a key the profile check does not know: said as it is
        words = f" Day total counted per {key} (day_total_key = {key})."
    return words


@edit(
    "MUE001",
    severity_when_fixed=Severity.WARNING,  # capped, split or documented
    summary="Medicare MAI 1: units on a line exceed the MUE (claim line edit)",
    citation=f"{CMS_MUE_PAGE} (MAI 1); {PALMETTO}",
    screen=mue_screen,
)
def mai1_line_units_over_mue(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """MAI 1 compares each line's units with the MUE and denies all units of a line over it;
    the same code may be reported on separate lines with a modifier that says the services
    were distinct, and each line is then adjudicated on its own (CMS MUE page). A date-span
    line is compared per day."""
    view = mue_view(claim, ctx)
    settings = view.settings
    action = settings.mai1_action
    for line, row, _ in view.lines:
        if row is None or row.mai != "1" or row.value == 0:
            continue
        days = span_days(line)
        counted = counted_units(line)
        if counted <= row.mue * days:  # compared exactly: units / days > MUE
            continue
        plan = plan_line_edit(
            action, claim=claim, line=line, value=row.value, settings=settings, days=days
        )
        if days > 1:
            span = (
                f" from {line.service_from.isoformat()} ({units(counted / days)} "
                f"a day) exceeds its MUE of {row.value} a day"
            )
        else:
            span = f" on {line.service_date.isoformat()} exceeds its MUE of {row.value}"
        yield ctx.finding(
            line,
            f"Line {line.origin}: {line.code} billed {amount(line)}{span} "
            f"({row.describe()}). Medicare denies every unit on the line. If the services were "
            f"distinct, report them on separate lines with {SEPARATE_LINE_MODIFIERS}; "
            f"otherwise bill at most {row.value}{' a day' if days > 1 else ''}. "
            f"Done: {plan.outcome}.",
            severity=_severity(plan, action),
            fixes=plan.fixes,
            appealable=True,
            carc=settings.carc_for(row.hit.table.program),
            rarc=settings.rarc,
            table_row=row.table_row,
            citation=f"{ctx.edit.citation}; {SPAN_RULE}" if days > 1 else None,
            details={"action": action, "mue": str(row.value), "units": number(line.units)},
        )


@edit(
    "MUE002",
    severity_when_fixed=Severity.WARNING,  # capped, split or documented
    summary="Medicare MAI 2: units per code per date of service exceed a policy MUE",
    citation=f"{CMS_MUE_PAGE} (MAI 2); {CMS_FAQ_DOS}; {FIRST_COAST}",
    screen=mue_screen,
)
def mai2_day_units_over_policy_mue(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """MAI 2 sums the units of a code on a date of service across lines and the provider's
    earlier claims; over the MUE, all units of the code for that day are denied. Exceeding it
    "would be considered impossible" (CMS), no modifier bypasses it and the MAC cannot
    overturn it (First Coast): the remedy is a claim with fewer units."""
    settings = mue_view(claim, ctx).settings
    for group in day_totals(claim, ctx).groups_over("2"):
        yield _day_finding(
            ctx,
            claim,
            group,
            settings.mai2_action,
            f"Medicare denies all units of the code for that day; a policy MUE cannot be "
            f"bypassed by modifiers or appealed: bill at most {group.row.value} for the day.",
            appealable=False,
            settings=settings,
        )


@edit(
    "MUE003",
    severity_when_fixed=Severity.WARNING,  # capped, split or documented
    summary="Medicare MAI 3: units per code per date of service exceed a clinical MUE",
    citation=f"{CMS_MUE_PAGE} (MAI 3); {CMS_FAQ_DOS}; {PALMETTO}",
    screen=mue_screen,
)
def mai3_day_units_over_clinical_mue(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """MAI 3 is a per-day edit on clinical benchmarks: more units are "possible but medically
    highly unlikely", so contractors may allow them at processing or on appeal when medical
    records support them (CMS MUE page; Palmetto). Units are summed per day like MAI 2."""
    settings = mue_view(claim, ctx).settings
    for group in day_totals(claim, ctx).groups_over("3"):
        yield _day_finding(
            ctx,
            claim,
            group,
            settings.mai3_action,
            f"Medicare denies all units of the code for that day unless records support them; "
            f"units above the MUE can be allowed on appeal: {DOCUMENTATION}.",
            appealable=True,
            settings=settings,
        )


@edit(
    "MUE004",
    severity_when_fixed=Severity.WARNING,  # capped, split or documented
    summary="Medicaid: units exceed the MUE (per line, or per date of service by profile)",
    citation=f"{MEDICAID_NCCI}; {CT_DSS}",
    screen=mue_screen,
)
def medicaid_units_over_mue(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """Medicaid MUE files carry no adjudication indicator, and whether a state compares units
    per line or per date of service is the state's rule, so the payer profile decides
    (default per line). Appeals follow the state's Medicaid NCCI process: by default the
    units are kept and the records sent (``document``); Connecticut's GD split is a state
    profile's choice."""
    view = mue_view(claim, ctx)
    settings = view.settings
    action = settings.medicaid_action
    advice = (
        "Medicaid denies units over the MUE (even with a prior authorization in some "
        "states); the state's Medicaid NCCI appeal process applies."
    )
    if settings.medicaid_mode == "per_date_of_service":
        for group in day_totals(claim, ctx).groups_over(""):
            yield _day_finding(
                ctx, claim, group, action, advice, appealable=True, settings=settings
            )
        return
    for (code, on, days, _), row, lines in walked_groups(view):
        if row.mai:  # day groups hold payable rows only (MUE006 reports an MUE of 0)
            continue
        for line in lines:
            single = DayGroup.of(
                code=code,
                on=on,
                row=row,
                lines=(line,),
                prior=Decimal("0"),
                days=days,
                key=settings.day_total_key,
            )
            if single.over():
                yield _day_finding(
                    ctx,
                    claim,
                    single,
                    action,
                    advice,
                    appealable=True,
                    settings=settings,
                    summed=False,
                )


@edit(
    "MUE005",
    summary="Medicaid: the day's units across lines exceed the MUE (lines checked per line)",
    citation=f"{MEDICAID_NCCI}; docs/mue.md (per-line default with a day-total warning)",
    severity=Severity.WARNING,
    screen=mue_screen,
)
def medicaid_day_total_over_mue(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """With Medicaid lines compared one by one (the default), a day's units can still add up
    past the MUE across lines or claims; a state that applies MUEs per date of service would
    deny them, so say so without changing the claim."""
    settings = mue_view(claim, ctx).settings
    if settings.medicaid_mode != "per_line":
        return
    for group in day_totals(claim, ctx).groups_over(""):
        if len(group.lines) == 1 and not group.prior:
            continue  # one line, nothing earlier: MUE004 already compared it
        yield ctx.finding(
            group.lines[-1],
            f"{_over_day(group)}. Each line was compared on its own (per_line mode); a payer "
            "that applies Medicaid MUEs per date of service would deny the day's units.",
            appealable=True,
            carc=settings.carc_for(group.row.hit.table.program),
            rarc=settings.rarc,
            table_row=group.row.table_row,
            details={"day_total_key": group.key},
        )


MUE_EDITS = (
    mai1_line_units_over_mue,
    mai2_day_units_over_policy_mue,
    mai3_day_units_over_clinical_mue,
    medicaid_units_over_mue,
    medicaid_day_total_over_mue,
    mue_zero_not_payable,
    mue_no_data,
    mue_zero_units,
    mue_table_out_of_date,
    bilateral_needs_modifier_50,
    mue_program_not_stated,
)
