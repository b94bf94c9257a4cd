"""How MUE findings say amounts, dates and sources, in one place so every message agrees.

A line reported in minutes (SV103 ``MJ``, a UCUM ``min`` quantity) is said in minutes, with
the one service it counts as; a date-span line says its span and its units per day.
Citations name public sources only (CMS, MACs, the NCCI manuals, the X12 TR3) or the
project's own docs pages.
"""

from __future__ import annotations

from decimal import Decimal

from scrubber import ServiceLine

__all__ = [
    "CMS_FAQ_DOS",
    "CMS_MUE_PAGE",
    "CT_DSS",
    "DOCUMENTATION",
    "FIRST_COAST",
    "MEDICAID_NCCI",
    "NCCI_MANUAL",
    "PALMETTO",
    "SEPARATE_LINE_MODIFIERS",
    "amount",
    "number",
    "units",
]

CMS_MUE_PAGE = (
    "CMS, Medicare NCCI Medically Unlikely Edits, https://www.cms.gov/medicare/coding-billing/"
    "national-correct-coding-initiative-ncci-edits/medicare-ncci-medically-unlikely-edits"
)
CMS_FAQ_DOS = "CMS FAQ 11344, https://questions.cms.gov/faq.php?id=5005&faqId=11344"
NCCI_MANUAL = "NCCI Policy Manual for Medicare Services"
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


def number(value: Decimal) -> str:
    """``3``, ``1.5``, ``0.333`` (at most three decimals; no exponent)."""
    rounded = value.quantize(Decimal("0.001")) if value != value.to_integral() else value
    return format(rounded.normalize(), "f")


def units(value: Decimal) -> str:
    text = number(value)
    return f"{text} unit" if value == 1 else f"{text} units"


def amount(line: ServiceLine) -> str:
    """What *line* bills, as a biller reads it: ``3 units``, ``3 units over 3 days``,
    ``60 minutes (one service)``."""
    if line.unit_basis == "MJ":
        minutes = f"{number(line.units)} minute{'' if line.units == 1 else 's'}"
        return f"{minutes} (one service)" if line.units > 0 else minutes
    if line.service_to is not None and line.service_to > line.service_from and not line.start:
        days = (line.service_to - line.service_from).days + 1
        return f"{units(line.units)} over {days} days"
    return units(line.units)
