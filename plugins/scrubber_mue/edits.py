"""The MUE edits (phase ``limit``: they count the lines the infusion edits normalised).

An MUE is "the maximum units of service that a provider would report under most
circumstances for a single beneficiary on a single date of service" (CMS MUE page). How it
is enforced depends on the program and, for Medicare, on the MUE Adjudication Indicator
(domain.md §2.1, §2.3):

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
===========  ===================================  ======  =========================

Severity: an error when the claim would be denied as written (flagged, or MUE 0), a warning
when a fix resolves it or documentation goes with it, info when nothing could be checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from scrubber.edits import EditContext, edit
from scrubber.findings import Finding, Severity
from scrubber.models import Claim
from scrubber_mue.actions import Plan, plan_day, plan_line_edit
from scrubber_mue.resolve import KIND, DayGroup, day_groups, line_mues, service_type_for
from scrubber_mue.settings import MueSettings

__all__ = ["MUE_EDITS"]

CMS_MUE_PAGE = (
    "CMS, Medicare NCCI Medically Unlikely Edits, https://www.cms.gov/medicare/coding-billing/"
    "national-correct-coding-initiative-ncci-edits/medicare-ncci-medically-unlikely-edits"
)
CMS_FAQ_DOS = "CMS FAQ 11344, https://questions.cms.gov/faq.php?id=5005&faqId=11344"
FIRST_COAST = (
    "First Coast, https://medicare.fcso.com/coding/"
    "medically-unlikely-edits-avoid-denials-and-appeals-properly-coding-first"
)
PALMETTO = "Palmetto GBA, https://www.palmettogba.com/palmetto/jma.nsf/DID/A44KL34718"
MEDICAID_NCCI = (
    "Medicaid NCCI methodologies, https://www.medicaid.gov/medicaid/program-integrity/"
    "national-correct-coding-initiative/ncci-methodologies-medicaid/index.html; "
    "ACA §6507 (SMD #10-017)"
)
CT_DSS = (
    "Connecticut DSS MUE review (split line, modifier GD), "
    "https://www.xifin.com/billing-beat/national-correct-coding-initiative-ncci-medically-unlikely-edits"
)
SEPARATE_LINE_MODIFIERS = "59 or XE/XP/XS/XU, 76, 77, 91, or an anatomic modifier (RT, LT, F1 ...)"
DOCUMENTATION = (
    "records must show the units were rendered, correctly coded and medically necessary, "
    "with start/stop times for timed units (First Coast MUE appeal reminder)"
)


def _settings(ctx: EditContext) -> MueSettings:
    return ctx.memo("scrubber_mue.settings", lambda: MueSettings.from_mapping(ctx.settings("mue")))


def _units(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return f"{text} unit" if value == 1 else f"{text} units"


def _severity(plan: Plan, action: str) -> Severity:
    return Severity.WARNING if plan.resolved or action == "document" else Severity.ERROR


def _over_day(group: DayGroup) -> str:
    lines = ", ".join(str(line.origin) for line in group.lines)  # input lines
    where = f"line {lines}" if len(group.lines) == 1 else f"lines {lines}"
    earlier = f" plus {_units(group.prior)} on earlier claims" if group.prior else ""
    return (
        f"{group.code} on {group.on.isoformat()}: {_units(group.total)} ({where}{earlier}) "
        f"exceed its MUE of {group.row.value} ({group.row.describe()})"
    )


def _day_finding(
    ctx: EditContext, claim: Claim, group: DayGroup, action: str, advice: str, appealable: bool
) -> Finding:
    settings = _settings(ctx)
    allowed = Decimal(group.row.value) - group.prior
    plan = plan_day(
        action,
        claim=claim,
        lines=group.lines,
        allowed=allowed,
        value=group.row.value,
        settings=settings,
    )
    return ctx.finding(
        plan.line,
        f"{_over_day(group)}. {advice} Done: {plan.outcome}.",
        severity=_severity(plan, action),
        fixes=plan.fixes,
        appealable=appealable,
        carc=settings.carc_for(group.row.hit.table.program),
        rarc=settings.rarc,
        table_row=group.row.hit.ref(),
        details={
            "action": action,
            "mue": str(group.row.value),
            "units": str(group.total),
            "date_of_service": group.on.isoformat(),
        },
    )


def _groups_over(claim: Claim, ctx: EditContext, mai: str) -> Iterator[DayGroup]:
    for group in day_groups(claim, ctx, _settings(ctx)):
        if group.row.mai == mai and group.row.value > 0 and group.total > group.row.value:
            yield group


@edit(
    "MUE001",
    summary="Medicare MAI 1: units on a line exceed the MUE (claim line edit)",
    citation=f"{CMS_MUE_PAGE} (MAI 1); {PALMETTO}",
)
def mai1_line_units_over_mue(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """MAI 1 compares each line's units with the MUE and denies all units of a line over it;
    the same code may be reported on separate lines with a modifier that says the services
    were distinct, and each line is then adjudicated on its own (CMS MUE page)."""
    settings = _settings(ctx)
    action = settings.mai1_action
    for item in line_mues(claim, ctx, settings):
        row, line = item.row, item.line
        if row is None or row.mai != "1" or row.value == 0 or line.units <= row.value:
            continue
        plan = plan_line_edit(action, claim=claim, line=line, value=row.value, settings=settings)
        yield ctx.finding(
            line,
            f"Line {line.origin}: {line.code} billed {_units(line.units)} on "
            f"{line.service_date.isoformat()} exceeds its MUE of {row.value} "
            f"({row.describe()}). Medicare denies every unit on the line. If the services were "
            f"distinct, report them on separate lines with {SEPARATE_LINE_MODIFIERS}; "
            f"otherwise bill at most {row.value}. Done: {plan.outcome}.",
            severity=_severity(plan, action),
            fixes=plan.fixes,
            appealable=True,
            carc=settings.carc_for(row.hit.table.program),
            rarc=settings.rarc,
            table_row=row.hit.ref(),
            details={"action": action, "mue": str(row.value), "units": str(line.units)},
        )


@edit(
    "MUE002",
    summary="Medicare MAI 2: units per code per date of service exceed a policy MUE",
    citation=f"{CMS_MUE_PAGE} (MAI 2); {CMS_FAQ_DOS}; {FIRST_COAST}",
)
def mai2_day_units_over_policy_mue(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """MAI 2 sums the units of a code on a date of service across lines and the provider's
    earlier claims; over the MUE, all units of the code for that day are denied. Exceeding it
    "would be considered impossible" (CMS), no modifier bypasses it and the MAC cannot
    overturn it (First Coast): the remedy is a claim with fewer units."""
    settings = _settings(ctx)
    for group in _groups_over(claim, ctx, "2"):
        yield _day_finding(
            ctx,
            claim,
            group,
            settings.mai2_action,
            f"Medicare denies all units of the code for that day; a policy MUE cannot be "
            f"bypassed by modifiers or appealed: bill at most {group.row.value} for the day.",
            appealable=False,
        )


@edit(
    "MUE003",
    summary="Medicare MAI 3: units per code per date of service exceed a clinical MUE",
    citation=f"{CMS_MUE_PAGE} (MAI 3); {CMS_FAQ_DOS}; {PALMETTO}",
)
def mai3_day_units_over_clinical_mue(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """MAI 3 is a per-day edit on clinical benchmarks: more units are "possible but medically
    highly unlikely", so contractors may allow them at processing or on appeal when medical
    records support them (CMS MUE page; Palmetto). Units are summed per day like MAI 2."""
    settings = _settings(ctx)
    for group in _groups_over(claim, ctx, "3"):
        yield _day_finding(
            ctx,
            claim,
            group,
            settings.mai3_action,
            f"Medicare denies all units of the code for that day unless records support them; "
            f"units above the MUE can be allowed on appeal: {DOCUMENTATION}.",
            appealable=True,
        )


@edit(
    "MUE004",
    summary="Medicaid: units exceed the MUE (per line, or per date of service by profile)",
    citation=f"{MEDICAID_NCCI}; {CT_DSS}",
)
def medicaid_units_over_mue(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """Medicaid MUE files carry no adjudication indicator; whether a state compares units
    per line or per date of service is not confirmed from the Medicaid NCCI manual, so the
    payer profile decides (default per line, the third-party consensus; domain.md §2.4).
    Appeals follow the state's Medicaid NCCI process; the default split is Connecticut's."""
    settings = _settings(ctx)
    action = settings.medicaid_action
    advice = (
        "Medicaid denies units over the MUE (even with a prior authorization in some "
        "states); the state's Medicaid NCCI appeal process applies."
    )
    if settings.medicaid_mode == "per_date_of_service":
        for group in _groups_over(claim, ctx, ""):
            yield _day_finding(ctx, claim, group, action, advice, appealable=True)
        return
    for group in day_groups(claim, ctx, settings):
        if group.row.mai or group.row.value == 0:
            continue
        for line in group.lines:
            if line.units <= group.row.value:
                continue
            single = DayGroup(
                code=group.code, on=group.on, row=group.row, lines=(line,), prior=Decimal("0")
            )
            yield _day_finding(ctx, claim, single, action, advice, appealable=True)


@edit(
    "MUE005",
    summary="Medicaid: the day's units across lines exceed the MUE (lines checked per line)",
    citation=f"{MEDICAID_NCCI}; domain.md §2.4 (per-line default with a day-total warning)",
    severity=Severity.WARNING,
)
def medicaid_day_total_over_mue(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """With Medicaid lines compared one by one (the default), a day's units can still add up
    past the MUE across lines or claims; a state that applies MUEs per date of service would
    deny them, so say so without changing the claim."""
    settings = _settings(ctx)
    if settings.medicaid_mode != "per_line":
        return
    for group in _groups_over(claim, ctx, ""):
        if len(group.lines) == 1 and not group.prior:
            continue  # one line, nothing earlier: MUE004 already compared it
        yield ctx.finding(
            group.lines[-1],
            f"{_over_day(group)}. Each line was compared on its own (per_line mode); a payer "
            "that applies Medicaid MUEs per date of service would deny the day's units.",
            appealable=True,
            carc=settings.carc_for(group.row.hit.table.program),
            rarc=settings.rarc,
            table_row=group.row.hit.ref(),
        )


@edit(
    "MUE006",
    summary="MUE value 0: the code is not payable for this program and service type",
    citation=f"{CMS_MUE_PAGE}; AAPC, https://www.aapc.com/blog/"
    "44087-dont-chase-your-tail-over-medically-unlikely-edits/",
)
def mue_zero_not_payable(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """An MUE of 0 means the code is invalid, not covered, bundled, not separately payable,
    statutorily excluded or not reasonable and necessary: "not payable", never "no limit"
    (domain.md §1.1). No fix can make the line payable."""
    settings = _settings(ctx)
    for item in line_mues(claim, ctx, settings):
        row = item.row
        if row is None or row.value != 0:
            continue
        yield ctx.finding(
            item.line,
            f"Line {item.line.origin}: {row.code} on {item.line.service_date.isoformat()} has an "
            f"MUE of 0 ({row.describe()}): the code is not payable "
            "here. Remove the line or bill the correct code.",
            appealable=False,
            carc=settings.carc_for(row.hit.table.program),
            rarc=settings.rarc,
            table_row=row.hit.ref(),
        )


@edit(
    "MUE007",
    summary="No MUE checked: no table in force on the date of service, or no row for the code",
    citation=f"claim-scrubber DESIGN §6 (no_data is never a silent pass); {CMS_MUE_PAGE}",
    severity=Severity.INFO,
)
def mue_no_data(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """Not every code has an MUE and some values are confidential (CMS MUE page); a missing
    quarter is an import problem. Either way the line was not checked, and the report says so."""
    settings = _settings(ctx)
    service_type = service_type_for(claim, settings)
    for item in line_mues(claim, ctx, settings):
        if item.row is not None:
            continue
        line = item.line
        on = line.service_date
        table = ctx.tables.in_force(KIND, ctx.program, service_type, on)
        label = f"{ctx.program.capitalize()} {service_type} MUE table"
        if table is None:
            message = (
                f"Line {line.origin}: no {label} is in force on {on.isoformat()}; {line.code} "
                "was not checked against an MUE. Import that quarter's CMS file."
            )
        else:
            message = (
                f"Line {line.number}: {line.code} has no row in the {label} effective "
                f"{table.effective.isoformat()} ({table.source_file}); CMS publishes no MUE "
                "for it (or keeps it confidential), so it was not checked."
            )
        yield ctx.finding(line, message, details={"no_data": "table" if table is None else "row"})


MUE_EDITS = (
    mai1_line_units_over_mue,
    mai2_day_units_over_policy_mue,
    mai3_day_units_over_clinical_mue,
    medicaid_units_over_mue,
    medicaid_day_total_over_mue,
    mue_zero_not_payable,
    mue_no_data,
)
