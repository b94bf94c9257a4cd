"""What a CMS MUE file's name says: program, service type and effective date.

CMS carries the effective date only in the file name; the MUE rows have no effective or
deletion columns, so the name is the provenance. The names seen on the CMS download pages
and inside their ZIPs:

- ``MCR_MUE_PractitionerServices_Eff_07-01-2026.csv`` (Medicare CSV/XLSX inside the ZIP)
- ``MCD-MUE-PractitionerServices-Effective_07012026.txt`` (Medicaid TXT inside the ZIP)
- ``medicare-ncci-2026-q3-practitioner-services-mue-table.zip`` (Medicare ZIP, 2026 Q3)
- ``medicaid-ncci-q1-2026-mue-edits-practitioner-services.zip`` (Medicaid ZIP; CMS flips the
  quarter/year order between quarters)
- ``practitionerservicesmuetable-effective-07-01-2026.zip`` and
  ``facilityoutpatienthospitalservicesmuetable-effective-10-01-2026`` (older Medicare ZIPs)

CMS has changed its naming over time, so anything the name does not tell comes from the
user's ``ImportHints`` instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import final

__all__ = ["NameFacts", "read_name"]

# MM-DD-YYYY, MMDDYYYY or MM_DD_YYYY after "Eff"/"Effective".
_EFFECTIVE = re.compile(r"eff(?:ective)?[ _-]*(\d{2})[_-]?(\d{2})[_-]?(\d{4})", re.IGNORECASE)
_QUARTER_YEAR = re.compile(r"(?<![a-z0-9])q([1-4])[ _-]+(\d{4})(?!\d)", re.IGNORECASE)
_YEAR_QUARTER = re.compile(r"(?<!\d)(\d{4})[ _-]+q([1-4])(?![0-9])", re.IGNORECASE)

_QUARTER_START = {1: 1, 2: 4, 3: 7, 4: 10}


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class NameFacts:
    """What the file name told; None where it told nothing."""

    program: str | None = None
    service_type: str | None = None
    effective: date | None = None


def _squashed(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _program(name: str) -> str | None:
    lowered = name.lower()
    squashed = _squashed(name)
    medicare = "medicare" in squashed or re.search(r"(?<![a-z])mcr(?![a-z])", lowered) is not None
    medicaid = "medicaid" in squashed or re.search(r"(?<![a-z])mcd(?![a-z])", lowered) is not None
    if medicare == medicaid:  # neither, or a name that claims both
        return None
    return "medicare" if medicare else "medicaid"


def _service_type(name: str) -> str | None:
    squashed = _squashed(name)
    found = set()
    if "practitioner" in squashed:
        found.add("practitioner")
    if "outpatient" in squashed:
        found.add("outpatient")
    if (
        "dmesupplier" in squashed
        or "dmeservices" in squashed
        or re.search(r"(?<![a-z])dme(?![a-z])", name.lower())
    ):
        found.add("dme")
    return found.pop() if len(found) == 1 else None


def _effective(name: str) -> date | None:
    match = _EFFECTIVE.search(name)
    try:
        if match:
            month, day, year = (int(g) for g in match.groups())
            return date(year, month, day)
        match = _QUARTER_YEAR.search(name)
        if match:
            quarter, year = int(match.group(1)), int(match.group(2))
            return date(year, _QUARTER_START[quarter], 1)
        match = _YEAR_QUARTER.search(name)
        if match:
            year, quarter = int(match.group(1)), int(match.group(2))
            return date(year, _QUARTER_START[quarter], 1)
    except ValueError:  # e.g. "Eff_13-45-2026": not a date, so the name tells nothing
        return None
    return None


def read_name(file_name: str) -> NameFacts:
    """Program, service type and effective date from *file_name* (any directory part is
    ignored), each None when the name does not tell."""
    base = re.split(r"[/\\]", file_name)[-1]
    return NameFacts(
        program=_program(base), service_type=_service_type(base), effective=_effective(base)
    )
