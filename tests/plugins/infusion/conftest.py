"""The ``kit`` fixture for the infusion plugin tests: its edits, profiles, lines and a scrub
helper (pytest runs with --import-mode=importlib, so tests cannot import a helper module)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

import scrubber_infusion
from scrubber._edits import Edit
from scrubber._engine import scrub_claim
from scrubber._findings import ClaimResult
from scrubber._history import ClaimHistory
from scrubber._models import Claim, ServiceLine
from scrubber._profiles import Profile, load_profile
from scrubber._tables import MemoryTables
from scrubber.testing import DEFAULT_DATE, make_line

EDITS: dict[str, Edit] = {e.code: e for e in scrubber_infusion.scrubber_edits()}
SECTIONS = tuple(scrubber_infusion.scrubber_profile_defaults())


def profile(text: str | None = None) -> Profile:
    """A profile with the infusion section (TOML *text*, or the defaults)."""
    return load_profile(text, SECTIONS)


def visit(
    minutes: int | str | None = None,
    *,
    code: str = "99601",
    how: str = "MJ",
    units: int | str = 1,
    charge: str = "400.00",
    on: date = DEFAULT_DATE,
    starts: int = 9,
    **fields: object,
) -> ServiceLine:
    """A line of *code* with its time given the way *how* says:

    - ``MJ``: unit basis MJ, units = minutes = *minutes* (837P SV103 MJ / SV104);
    - ``MJ-units``: unit basis MJ, units = *minutes*, no ``minutes`` field;
    - ``period``: *units* UN with ``minutes`` and the start/end datetimes (an adapter's period);
    - ``start-end``: *units* UN with only the start/end datetimes;
    - ``none``: *units* UN, no time at all.
    """
    time = None if minutes is None else Decimal(minutes)
    start = datetime(on.year, on.month, on.day, starts, 0)
    end = None if time is None else start + timedelta(minutes=float(time))
    if how == "MJ":
        fields |= {"units": time, "unit_basis": "MJ", "minutes": time}
    elif how == "MJ-units":
        fields |= {"units": time, "unit_basis": "MJ"}
    elif how == "period":
        fields |= {"units": units, "minutes": time, "start": start, "end": end}
    elif how == "start-end":
        fields |= {"units": units, "start": start, "end": end}
    elif how == "none":
        fields |= {"units": units}
    else:  # pragma: no cover - a typo in a test
        raise ValueError(how)
    return make_line(code=code, charge=charge, service_from=on, **fields)


def addon(
    units: int | str = 1, *, code: str = "99602", charge: str = "100.00", **fields: object
) -> ServiceLine:
    return make_line(code=code, units=units, charge=charge, **fields)


def scrub(
    claim: Claim,
    *,
    prof: Profile | None = None,
    history: ClaimHistory | None = None,
    codes: Sequence[str] | None = None,
) -> ClaimResult:
    """Run the plugin's edits (or *codes* of them) through the engine, fixes applied."""
    chosen = [EDITS[c] for c in codes] if codes else list(EDITS.values())
    return scrub_claim(
        claim,
        edits=chosen,
        tables=MemoryTables(),
        profile=prof or profile(),
        history=history,
        strict=True,
    )


def coded(result: ClaimResult) -> list[tuple[str, str, str, str]]:
    """The result's lines as (code, units, unit basis, charge)."""
    return [
        (ln.code, f"{ln.units:f}", ln.unit_basis, f"{ln.charge:f}") for ln in result.claim.lines
    ]


class InfusionKit:
    """What the tests use, as one object (``kit.visit(330)``, ``kit.scrub(claim)`` ...)."""

    edits = EDITS
    sections = SECTIONS
    profile = staticmethod(profile)
    visit = staticmethod(visit)
    addon = staticmethod(addon)
    scrub = staticmethod(scrub)
    coded = staticmethod(coded)


@pytest.fixture(scope="session")
def kit() -> InfusionKit:
    return InfusionKit()
