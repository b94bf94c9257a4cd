"""``scrubber explain CODE``: the MUE in force, how it is adjudicated and how to appeal.

The answers restate the MUE rules for one code (docs/mue.md): MAI 1 per line, MAI 2/3 per
date of service with all-or-nothing denial (CMS MUE page; CMS FAQ 11344), appeal with records
for MAI 1 and 3 (Palmetto GBA), none for MAI 2 (First Coast), and the state's process for
Medicaid.

The one-sentence answer compares the units the request comes to (``request.units``, from the
infusion explainer's ``--minutes`` arithmetic) with the MUE and says what the payer profile's
action does with the units over it. A date after the quarter of the newest table in force is
answered from that table, with a warning that names it and asks for the newer quarter.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from scrubber import ExplainRequest, ExplainSection, TableInfo
from scrubber_mue.checks import next_quarter
from scrubber_mue.edits import DOCUMENTATION, SEPARATE_LINE_MODIFIERS
from scrubber_mue.layout import effective_label
from scrubber_mue.resolve import KIND, MueRow
from scrubber_mue.settings import MueSettings

__all__ = ["explain_mue"]

TITLE = "Medically Unlikely Edit (MUE)"


def _how(row: MueRow, settings: MueSettings) -> tuple[str, str]:
    """(how it is adjudicated, whether and how units over it can be appealed)."""
    if row.value == 0:
        return (
            "An MUE of 0 means the code is not payable here (invalid, not covered, bundled, "
            "not separately payable, statutorily excluded or not reasonable and necessary).",
            "Units cannot be made payable by documentation; bill the correct code.",
        )
    n = row.value
    if row.mai == "1":
        return (
            f"Claim line edit (MAI 1): each line's units are compared with {n}; a line over it "
            f"is denied in full. Distinct services may go on separate lines with "
            f"{SEPARATE_LINE_MODIFIERS}, and each line is then adjudicated on its own.",
            f"Appealable with medical records: {DOCUMENTATION}.",
        )
    if row.mai in ("2", "3"):
        kind = "policy" if row.mai == "2" else "clinical"
        how = (
            f"Date of service edit, {kind} (MAI {row.mai}): the units of the code on all lines "
            f"and all claims from the same provider for the same patient and day are summed "
            f"(modifiers do not split them); over {n}, Medicare denies all units of the code "
            "for that day, not only the excess."
        )
        if row.mai == "2":
            return how, (
                "Not appealable in practice: exceeding a policy MUE is contrary to statute or "
                "CMS guidance, no modifier bypasses it and the MAC cannot overturn it; submit "
                "a corrected claim with fewer units."
            )
        return how, (
            "Units above the MUE can be allowed at processing, reopening or appeal when "
            f"medical records support them: {DOCUMENTATION}."
        )
    mode = "per line" if settings.medicaid_mode == "per_line" else "per date of service"
    return (
        f"No adjudication indicator (Medicaid): compared {mode} for this payer "
        f"(profile setting medicaid_mode); units over {n} are denied.",
        "Appeals follow the state's Medicaid NCCI process; some states (Connecticut) review "
        f"units over the MUE billed on a second line with modifier {settings.excess_modifier} "
        "and records attached.",
    )


def _units(n: Decimal | int) -> str:
    return f"{Decimal(n).normalize():f} unit{'' if n == 1 else 's'}"


def _per(row: MueRow, settings: MueSettings) -> str:
    if row.mai == "1" or (not row.mai and settings.medicaid_mode == "per_line"):
        return "on one line"
    return "per date of service"


def _what_to_do(action: str, billed: Decimal, value: int, over: str, settings: MueSettings) -> str:
    """What the payer profile's action does with the units over the MUE, for a biller."""
    head = f"under this payer's action ({action}), "
    if action == "document":
        return head + (
            f"bill all {_units(billed)}, attach the medical records (PWK) and appeal the denial "
            f"of the {over} with them"
        )
    if action == "split":
        return head + (
            f"bill {_units(value)} on the line and the {over} on a second line with modifier "
            f"{settings.excess_modifier}, records attached, for the payer's review"
        )
    verb = "is" if billed - value == 1 else "are"
    if action == "cap":
        return head + f"bill {_units(value)}; the {over} {verb} taken off the claim as not payable"
    return head + f"the line goes as billed and the {over} {verb} flagged for review"


def _policy(action: str, settings: MueSettings) -> str:
    """What the action does with units over the MUE, when no unit count was asked about."""
    return {
        "document": "units over it are billed with the records attached (PWK) for appeal",
        "split": (
            f"units over it go on a second line with modifier {settings.excess_modifier}, "
            "records attached, for the payer's review"
        ),
        "cap": "units over it are taken off the claim as not payable",
    }.get(action, "units over it are flagged for review")


def _answer(request: ExplainRequest, code: str, row: MueRow, settings: MueSettings) -> str:
    """One sentence: the units the request comes to against the MUE, and what to do."""
    limit = (
        f"the {request.program.capitalize()} MUE for {code} is {row.value} {_per(row, settings)}"
    )
    action = settings.action_for(row.mai)
    billed = request.units.get(code)
    if billed is None:
        if request.answer:  # the minutes come to other codes (a push): that answer stands
            return ""
        if row.value == 0:
            return f"{code} has an MUE of 0 in this table: it is not payable here."
        policy = _policy(action, settings)
        return f"{limit[0].upper()}{limit[1:]}; under this payer's action ({action}), {policy}."
    worked = request.answer.rstrip(".") or f"{code} {billed}"
    if billed <= row.value:
        within = f"the {_units(billed)}" if billed == 1 else f"all {_units(billed)}"
        verb = "is" if billed == 1 else "are"
        return f"{worked}; {limit}, so {within} of {code} {verb} within it."
    excess = billed - row.value
    over = f"{_units(excess)} over the MUE"
    verb = "is" if excess == 1 else "are"
    return (
        f"{worked}; {limit}, so {_units(excess)} {verb} over: "
        f"{_what_to_do(action, billed, row.value, over, settings)}."
    )


def _stale(table: TableInfo, on: date, label: str) -> str:
    """A warning when *on* is past the quarter of *table* (the newest in force), else ""."""
    if on < next_quarter(table.effective):
        return ""
    wanted = f"{on.year} Q{(on.month - 1) // 3 + 1}"
    return (
        f"{on.isoformat()} is after the quarter of the newest {label} imported, "
        f"{table.source_file} effective {effective_label(table.effective)}; this answer uses "
        f"that table: import the CMS MUE file for {wanted} (scrubber tables import FILE)."
    )


def explain_mue(request: ExplainRequest) -> ExplainSection:
    """The MUE for ``request.code`` on ``request.on`` in the payer's program and table."""
    settings = MueSettings.from_mapping(request.payer.settings("mue"))
    service_type = settings.service_type
    code = request.code.strip().upper()
    label = f"{request.program.capitalize()} {service_type} MUE table"
    on = request.on.isoformat()
    table = request.tables.in_force(KIND, request.program, service_type, request.on)
    data: dict[str, object] = {
        "code": code,
        "program": request.program,
        "service_type": service_type,
        "date": on,
    }
    worked = request.answer.rstrip(".")
    lead = f"{worked}; " if worked else ""
    if table is None:
        text: tuple[str, ...] = (
            f"No {label} is in force on {on}: import the CMS MUE file for that quarter "
            "(scrubber tables import FILE). Claims for that date get an MUE007 no-data finding.",
        )
        return ExplainSection(
            title=TITLE,
            text=text,
            data={**data, "mue": None, "table": None},
            answer=f"{lead}no {label} is in force on {on}, so no MUE limit is known: import "
            "the CMS MUE file for that quarter.",
        )
    data["table"] = table.as_dict()
    source = f"{table.source_file}, effective {effective_label(table.effective)}"
    stale = _stale(table, request.on, label)
    data["stale_table"] = stale or None
    hit = request.tables.lookup(KIND, request.program, service_type, code, request.on)
    if hit is None:
        text = (
            *((stale,) if stale else ()),
            f"No MUE row for {code} in the {label} in force on {on} ({source}).",
            "CMS does not publish an MUE for every code, and keeps some values confidential; "
            "lines with this code are not limited by an MUE and get an MUE007 no-data finding.",
        )
        return ExplainSection(
            title=TITLE,
            text=text,
            data={**data, "mue": None},
            answer=f"{lead}the {label} in force has no MUE row for {code}, so no MUE limits it.",
            warning=stale,
        )
    row = MueRow.from_hit(hit)
    how, appeal = _how(row, settings)
    headline = f"{code}: MUE value {row.value} in the {label} from {source}."
    details = []
    if row.mai_text:
        details.append(f"Adjudication indicator: {row.mai_text}.")
    if row.rationale:
        details.append(f"Rationale: {row.rationale} (what the value rests on, not appealability).")
    data["mue"] = {
        "value": str(row.value),  # units as a decimal string, as in the report
        "mai": row.mai,
        "mai_text": row.mai_text,
        "rationale": row.rationale,
        "adjudication": how,
        "appeal": appeal,
        "action": settings.action_for(row.mai),
    }
    text = (*((stale,) if stale else ()), headline, *details, how, appeal)
    return ExplainSection(
        title=TITLE,
        text=text,
        data=data,
        answer=_answer(request, code, row, settings),
        warning=stale,
    )
