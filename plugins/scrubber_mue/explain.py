"""``scrubber explain CODE``: the MUE in force, how it is adjudicated and how to appeal.

The answers restate domain.md §2 for one code: MAI 1 per line, MAI 2/3 per date of service
with all-or-nothing denial (CMS MUE page; CMS FAQ 11344), appeal with records for MAI 1 and
3 (Palmetto GBA), none for MAI 2 (First Coast), and the state's process for Medicaid.
"""

from __future__ import annotations

from scrubber.explain import ExplainRequest, ExplainSection
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
    if table is None:
        text: tuple[str, ...] = (
            f"No {label} is in force on {on}: import the CMS MUE file for that quarter "
            "(scrubber tables import FILE). Claims for that date get an MUE007 no-data finding.",
        )
        return ExplainSection(title=TITLE, text=text, data={**data, "mue": None, "table": None})
    data["table"] = table.as_dict()
    source = f"{table.source_file}, effective {effective_label(table.effective)}"
    hit = request.tables.lookup(KIND, request.program, service_type, code, request.on)
    if hit is None:
        text = (
            f"No MUE row for {code} in the {label} in force on {on} ({source}).",
            "CMS does not publish an MUE for every code, and keeps some values confidential; "
            "lines with this code are not limited by an MUE and get an MUE007 no-data finding.",
        )
        return ExplainSection(title=TITLE, text=text, data={**data, "mue": None})
    row = MueRow.from_hit(hit)
    how, appeal = _how(row, settings)
    headline = f"{code}: MUE value {row.value} in the {label} ({source})."
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
    return ExplainSection(title=TITLE, text=(headline, *details, how, appeal), data=data)
