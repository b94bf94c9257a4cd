"""MUE edits about what the comparison rests on rather than the units themselves: a line of
0 units, a table older than the date of service, RT/LT lines that should be one modifier 50
line, a claim that does not say whether it is Medicare or Medicaid, a code whose MUE is 0
(not payable) and a line no MUE could be checked for."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from scrubber import Claim, EditContext, Finding, ServiceLine, Severity, TableInfo, edit
from scrubber_mue.resolve import next_quarter
from scrubber_mue.screen import mue_screen
from scrubber_mue.view import day_totals, mue_view
from scrubber_mue.wording import CMS_MUE_PAGE, NCCI_MANUAL, amount

__all__ = [
    "bilateral_needs_modifier_50",
    "mue_no_data",
    "mue_program_not_stated",
    "mue_table_out_of_date",
    "mue_zero_not_payable",
    "mue_zero_units",
    "next_quarter",
]

X12_SV104 = "ASC X12 837P TR3 005010X222A1, loop 2400 SV104 Service Unit Count"
CLAIMS_MANUAL_BILATERAL = "Medicare Claims Processing Manual, Pub. 100-04, ch. 12, §40.7"
_PROGRAM_WORDS = {
    "medicaid": re.compile(r"\b(medicaid|medi-cal)\b", re.IGNORECASE),
    "medicare": re.compile(r"\bmedicare\b", re.IGNORECASE),
}


@edit(
    "MUE008",
    summary="A line of 0 units: a billed service needs a positive unit count",
    citation=f"{X12_SV104}; HL7 FHIR R4 Claim.item.quantity",
    screen=mue_screen,
)
def mue_zero_units(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """A line billed with 0 units (SV104 = 0, a FHIR quantity of 0) cannot be compared with
    an MUE and is rejected or denied by payers; it must never pass silently. The scrubber
    cannot know the right count, so it reports and changes nothing."""
    for line in claim.lines:
        if line.units != 0:
            continue
        yield ctx.finding(
            line,
            f"Line {line.origin}: {line.code} is billed with {amount(line)}; a billed service "
            "needs a unit count above 0 (837P SV104, FHIR item.quantity). Enter the units "
            "rendered or remove the line.",
            appealable=False,
        )


def _quarter(on: date) -> str:
    return f"{on.year} Q{(on.month - 1) // 3 + 1}"


@edit(
    "MUE009",
    summary="Date of service after the quarter of the newest MUE table: import a newer one",
    citation=f"{CMS_MUE_PAGE} (MUE tables change quarterly: Jan 1, Apr 1, Jul 1, Oct 1)",
    severity=Severity.WARNING,
    screen=mue_screen,
)
def mue_table_out_of_date(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """CMS revises the MUE tables every quarter. A date of service past the quarter of the
    newest table imported was checked against that older table, which may be wrong for it;
    say which table was used and that the newer quarter should be imported."""
    stale: dict[TableInfo, list[int]] = {}
    newest: dict[TableInfo, date] = {}
    for line, _, table in mue_view(claim, ctx).lines:  # the version in force on its date
        on = line.service_date
        if table is None or on < next_quarter(table.effective):
            continue
        stale.setdefault(table, []).append(line.number)
        newest[table] = max(on, newest.get(table, on))
    for table, numbers in stale.items():
        where = "Line" if len(numbers) == 1 else "Lines"
        last = newest[table]
        yield ctx.finding(
            numbers[0],
            f"{where} {', '.join(map(str, numbers))}: the date of service ({last.isoformat()}) "
            f"is after the quarter of the newest {table.program.capitalize()} "
            f"{table.service_type} MUE table ({_quarter(table.effective)}, effective "
            f"{table.effective.isoformat()}, {table.source_file}); the lines were checked "
            f"against it. Import the CMS MUE file for {_quarter(last)} "
            "(scrubber tables import FILE) and scrub again.",
            details={"table_effective": table.effective.isoformat(), "needs": _quarter(last)},
        )


@edit(
    "MUE010",
    summary="RT and LT lines of one code over an MUE of 1: report one line with modifier 50",
    citation=f"{CLAIMS_MANUAL_BILATERAL}; {NCCI_MANUAL}, ch. I (MUE section); {CMS_MUE_PAGE}",
    screen=mue_screen,
)
def bilateral_needs_modifier_50(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """Two one-unit lines, RT and LT, of a code with a date-of-service MUE of 1 are summed to
    2 and denied. A bilateral procedure is one line with modifier 50 and one unit, so advise
    that coding (with the suggested line) instead of removing a side."""
    settings = mue_view(claim, ctx).settings
    medicaid_per_line = settings.medicaid_mode == "per_line"
    for group, first, second in day_totals(claim, ctx).pairs:
        code = group.code
        keep = first.modifiers and tuple(m for m in first.modifiers if m not in ("RT", "LT"))
        suggested = "-".join((code, *(keep or ()), "50")) + " x 1 unit"
        per_line = not group.row.mai and medicaid_per_line
        outcome = (
            "a payer that sums the day would deny both (each line alone is within it)"
            if per_line
            else "both would be denied"
        )
        yield ctx.finding(
            second,
            f"Lines {first.origin} ({_side_of(first)}) and {second.origin} "
            f"({_side_of(second)}): {code} on {group.on.isoformat()} is billed once per "
            f"side, 2 units against an MUE of 1 ({group.row.describe()}), so {outcome}. "
            "If this is one bilateral procedure (MPFS bilateral surgery indicator 1), "
            f"report it on line {first.origin} as {suggested} with both sides' charge and "
            f"remove line {second.origin}. Nothing was changed: a side is never removed on "
            "a guess.",
            severity=Severity.WARNING if per_line else Severity.ERROR,
            carc=settings.carc_for(group.row.hit.table.program),
            rarc=settings.rarc,
            table_row=group.row.table_row,
            details={"suggested_coding": suggested, "lines": f"{first.origin},{second.origin}"},
        )


def _side_of(line: ServiceLine) -> str:
    return "RT" if "RT" in line.modifiers else "LT"


def _named_program(claim: Claim) -> str | None:
    text = claim.payer_name or ""
    found = [program for program, words in _PROGRAM_WORDS.items() if words.search(text)]
    return found[0] if len(found) == 1 else None


@edit(
    "MUE011",
    summary="Program not stated: the MUE table (Medicare or Medicaid) was assumed",
    citation="ASC X12 837P TR3 005010X222A1, loop 2000B SBR09 Claim Filing Indicator Code; "
    "HL7 FHIR R4 Coverage.type; docs/mue.md (payer profiles)",
    severity=Severity.WARNING,
    screen=mue_screen,
)
def mue_program_not_stated(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """Medicare and Medicaid publish different MUE tables, so the program decides every
    value. When neither the payer profile nor a coded claim filing indicator says which it
    is, the profile's default program was used: say so, and how to state it. A payer named
    only in text ("State Medicaid") is not taken as a statement, but the finding says the
    name points elsewhere."""
    if ctx.payer.program is not None:
        return
    indicator = (claim.filing_indicator or "").upper()
    if indicator:
        return  # stated: MA/MB/MC pick the program, other codes are non-Medicare/Medicaid
    fhir = claim.source is not None and claim.source.format == "fhir"
    how = (
        "code the Coverage.type (X12 claim filing indicator system 1032, e.g. MC, or Source "
        "of Payment Typology 1 Medicare / 2 Medicaid)"
        if fhir
        else "send SBR09 (MB Medicare Part B, MC Medicaid)"
    )
    named = _named_program(claim)
    hint = ""
    if named is not None and named != ctx.program:
        hint = (
            f" The payer's name points to {named.capitalize()}, but a name is not a coded "
            f"statement: if it is {named.capitalize()}, these findings used the wrong table."
        )
    payer = f" for payer id {claim.payer_id}" if claim.payer_id else ""
    yield ctx.finding(
        None,
        f"Claim {claim.id} does not state its program, so its MUEs were checked as "
        f"{ctx.program.capitalize()} (the payer profile's default program).{hint} To state "
        f'it, {how}, or add a [[payer]] entry{payer} with program = "medicaid" or '
        '"medicare" to the payer profile.',
        details={"program_assumed": ctx.program, **({"payer_name_says": named} if named else {})},
    )


@edit(
    "MUE006",
    summary="MUE value 0: the code is not payable for this program and service type",
    citation=f"{CMS_MUE_PAGE}; AAPC, https://www.aapc.com/blog/"
    "44087-dont-chase-your-tail-over-medically-unlikely-edits/",
    screen=mue_screen,
)
def mue_zero_not_payable(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """An MUE of 0 means the code is invalid, not covered, bundled, not separately payable,
    statutorily excluded or not reasonable and necessary: "not payable", never "no limit"
    (AAPC). No fix can make the line payable."""
    view = mue_view(claim, ctx)
    settings = view.settings
    for line, row, _ in view.lines:
        if row is None or row.value != 0:
            continue
        yield ctx.finding(
            line,
            f"Line {line.origin}: {row.code} on {line.service_date.isoformat()} has an "
            f"MUE of 0 ({row.describe()}): the code is not payable "
            "here. Remove the line or bill the correct code.",
            appealable=False,
            carc=settings.carc_for(row.hit.table.program),
            rarc=settings.rarc,
            table_row=row.table_row,
        )


@edit(
    "MUE007",
    summary="No MUE checked: no table in force on the date of service, or no row for the code",
    citation=f"{CMS_MUE_PAGE} (not every code has an MUE; some are confidential); docs/mue.md",
    severity=Severity.INFO,
    screen=mue_screen,
)
def mue_no_data(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """Not every code has an MUE and some values are confidential (CMS MUE page); a missing
    quarter is an import problem. Either way the line was not checked, and the report says
    so: no data is never a silent pass."""
    view = mue_view(claim, ctx)
    # what MUE007 says of a code with no row, and the version it is worded for (a claim's
    # lines mostly share one)
    no_row, worded = "", None
    for line, row, table in view.lines:  # table: the version in force on the line's date
        if row is not None:
            continue
        if table is None:
            label = _label(ctx.program, view.service_type)
            message = (
                f"Line {line.origin}: no {label} is in force on "
                f"{line.service_date.isoformat()}; {line.code} was not checked against an "
                "MUE. Import that quarter's CMS file."
            )
            yield ctx.finding(line, message, details=_NO_TABLE)
            continue
        if table is not worded:
            no_row, worded = _no_row_words(table, ctx.program, view.service_type), table
        yield ctx.finding(line, f"Line {line.origin}: {line.code}{no_row}", details=_NO_ROW)


_NO_TABLE = {"no_data": "table"}
_NO_ROW = {"no_data": "row"}
# What MUE007 says of a code with no row, after the code, per table version, program and
# table (keyed by the version's identity; the entry holds the version, so its id is never
# reused while cached): the same words for every such line of a batch.
_NO_ROW_WORDS: dict[tuple[int, str, str], tuple[TableInfo, str]] = {}
_MAX_NO_ROW_WORDS = 256


def _label(program: str, service_type: str) -> str:
    return f"{program.capitalize()} {service_type} MUE table"


def _no_row_words(table: TableInfo, program: str, service_type: str) -> str:
    """`` has no row in the Medicare practitioner MUE table effective ... (file); ...``:
    worded once per table version instead of once per line."""
    key = (id(table), program, service_type)
    cached = _NO_ROW_WORDS.get(key)
    if cached is None or cached[0] is not table:
        if len(_NO_ROW_WORDS) >= _MAX_NO_ROW_WORDS:
            _NO_ROW_WORDS.clear()
        words = (
            f" has no row in the {_label(program, service_type)} effective "
            f"{table.effective.isoformat()} ({table.source_file}); CMS publishes no MUE for "
            "it (or keeps it confidential), so it was not checked."
        )
        cached = _NO_ROW_WORDS[key] = (table, words)
    return cached[1]
