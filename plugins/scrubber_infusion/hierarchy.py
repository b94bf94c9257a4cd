"""One initial IV service per encounter, and an infusion of 15 minutes or less is a push.

When several drug administration services are given in one encounter, only one of them is the
"initial" service; the others are reported with their sequential or subsequent codes (CMS Pub.
100-04, Medicare Claims Processing Manual, ch. 12, section 30.5; CMS Recovery Audit topic 0071:
"only report one 'initial' service code unless protocol requires that two separate IV sites
must be used", those reported with modifier 59, XE, XS, XP or XU). Which one is initial follows
the CPT hierarchy: chemotherapy before therapeutic, prophylactic and diagnostic services before
hydration, and within each, an infusion before a push. The order in which the services were
given does not matter.

CPT also defines an IV push as an injection or "an infusion of 15 minutes or less", so a
96413 or 96365 line documenting 15 minutes or less is the push 96409 or 96374. That line is
ranked as the push it is.

An encounter here is one date of service of one claim. Lines with a separate-site modifier (a
profile setting) are their own initial service and are left out of the ranking. The plan
computes the recodes once (``rank_initial_services``) so the time-unit edits can leave the
lines that are not their family's primary in this encounter alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import final

from scrubber import Claim, Fix, ServiceLine, SplitLine, SplitPart
from scrubber_infusion.families import (
    TIMES,
    addon_units_for_extra_time,
    code_time,
    format_minutes,
)
from scrubber_infusion.settings import Rulebook

__all__ = [
    "HIERARCHY_CITATION",
    "INITIAL_SERVICES",
    "PUSH_CITATION",
    "PUSH_MAX_MINUTES",
    "InitialService",
    "Recode",
    "rank_initial_services",
]

HIERARCHY_CITATION = (
    "CMS Pub. 100-04, Medicare Claims Processing Manual, ch. 12, section 30.5, and CMS Recovery "
    "Audit topic 0071: one 'initial' drug administration code per encounter unless protocol "
    "requires two separate IV sites (modifier 59, XE, XS, XP or XU); CPT guidelines for "
    "hydration, therapeutic, prophylactic, diagnostic injections and infusions, and "
    "chemotherapy administration: initial, sequential and concurrent services, hierarchy "
    "chemotherapy > therapeutic/prophylactic/diagnostic > hydration and infusion > push; "
    "NCCI Policy Manual for Medicare Services, ch. XI"
)
PUSH_CITATION = (
    "CPT guidelines for therapeutic, prophylactic, diagnostic injections and infusions and "
    "for chemotherapy administration: an intravenous push is an injection with the "
    "administering professional continuously present, or an infusion of 15 minutes or less"
)
PUSH_MAX_MINUTES = Decimal(15)
_UNIT = "UN"
_ONE = Decimal(1)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class InitialService:
    """A code that can be the initial IV service of an encounter, with its rank (1 = first)."""

    code: str
    rank: int
    category: str
    kind: str  # "infusion" | "push"
    subsequent: str  # its code when another service is initial ("" = none)
    subsequent_text: str
    push: str = ""  # the push code for 15 minutes or less ("" = not an infusion code)
    addon: str = ""  # the add-on of further hours when ``subsequent`` is timed

    @property
    def label(self) -> str:
        return f"{self.category} {self.kind}"


def _services(*items: InitialService) -> Mapping[str, InitialService]:
    return MappingProxyType({item.code: item for item in items})


INITIAL_SERVICES: Mapping[str, InitialService] = _services(
    InitialService(
        code="96413",
        rank=1,
        category="chemotherapy",
        kind="infusion",
        subsequent="",
        subsequent_text="",
        push="96409",
    ),
    InitialService(
        code="96409",
        rank=2,
        category="chemotherapy",
        kind="push",
        subsequent="96411",
        subsequent_text="chemotherapy IV push, each additional substance",
    ),
    InitialService(
        code="96365",
        rank=3,
        category="therapeutic",
        kind="infusion",
        subsequent="96367",
        subsequent_text="additional sequential infusion of a new substance, up to 1 hour",
        push="96374",
        addon="96366",
    ),
    InitialService(
        code="96374",
        rank=4,
        category="therapeutic",
        kind="push",
        subsequent="96375",
        subsequent_text="each additional sequential IV push of a new substance",
    ),
    InitialService(
        code="96360",
        rank=5,
        category="hydration",
        kind="infusion",
        subsequent="96361",
        subsequent_text="hydration, each additional hour, after another initial service",
    ),
)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Recode:
    """A line billed with an initial-service code it should not carry.

    ``initial`` is the line that is the initial service of the encounter (None for a push
    that is itself initial); ``suggested`` the code (and ``suggested_units`` the coding) the
    line should be reported with; ``fix`` the rewrite when the profile opts in, or None with
    ``no_fix`` saying why."""

    line: ServiceLine
    on: date
    minutes: Decimal | None
    as_push: bool
    initial: ServiceLine | None
    initial_code: str
    suggested: str
    coding: str
    fix: Fix | None
    no_fix: str = ""


def _is_push(service: InitialService, minutes: Decimal | None) -> bool:
    return bool(service.push) and minutes is not None and minutes <= PUSH_MAX_MINUTES


def rank_initial_services(
    claim: Claim, book: Rulebook, minutes_of: Callable[[ServiceLine], Decimal | None]
) -> tuple[Recode, ...]:
    """Every line of *claim* whose initial-service code is not the one it should be reported
    with: a push sent as an infusion, or a second initial service on one date of service."""
    groups: dict[date | int, list[tuple[ServiceLine, InitialService, Decimal | None]]] = {}
    for line in claim.lines:
        service = INITIAL_SERVICES.get(line.code)
        if service is None:
            continue
        minutes = minutes_of(line)
        effective = INITIAL_SERVICES[service.push] if _is_push(service, minutes) else service
        # A separate IV site is an encounter of its own: ranked alone, still a push if short.
        key: date | int = line.number if book.separate_site(line) else line.service_date
        groups.setdefault(key, []).append((line, effective, minutes))
    recodes: list[Recode] = []
    for entries in groups.values():
        first_line, first, _ = min(entries, key=lambda e: (e[1].rank, e[0].number))
        for line, effective, minutes in entries:
            demoted = effective.rank > first.rank
            if not demoted and effective.code == line.code:
                continue
            suggested = effective.subsequent if demoted else effective.code
            on = line.service_date
            coding, fix, no_fix = _coding(claim, book, line, on, suggested, minutes)
            recodes.append(
                Recode(
                    line=line,
                    on=on,
                    minutes=minutes,
                    as_push=effective.code != line.code,
                    initial=first_line if demoted else None,
                    initial_code=first.code,
                    suggested=suggested,
                    coding=coding,
                    fix=fix,
                    no_fix=no_fix,
                )
            )
    recodes.sort(key=lambda r: r.line.number)
    return tuple(recodes)


def _n(value: Decimal | int) -> str:
    return f"{Decimal(value).normalize():f}"


def _coding(
    claim: Claim,
    book: Rulebook,
    line: ServiceLine,
    on: date,
    suggested: str,
    minutes: Decimal | None,
) -> tuple[str, Fix | None, str]:
    """How the line is coded as *suggested*: (text, the rewrite, why there is no rewrite).

    A line with its time is one service: one unit of the suggested code, plus the add-on hours
    its time earns when the suggested code is the hour-based 96367 (followed by 96366) or is
    96361 itself (hours of hydration, the first from 31 minutes: CPT's mid-point rule). A line
    without time keeps its units. The rewrite keeps the line's charge (a one-part split)."""
    units = _ONE if minutes is not None else line.units
    parts = [SplitPart(units=units, code=suggested, unit_basis=_UNIT)]
    addon = ""
    if suggested == "96361" and minutes is not None:
        family, _ = book.find("96361")
        hours = addon_units_for_extra_time(family, minutes) if family else 0
        if not hours:
            text = f"{suggested} needs at least 31 min; {format_minutes(minutes)} is not reportable"
            return text, None, "the time earns no unit of 96361"
        parts = [SplitPart(units=Decimal(hours), code=suggested, unit_basis=_UNIT)]
        addon = suggested
    elif suggested == "96367" and minutes is not None:
        family, _ = book.find("96366")
        extra = code_time(family, minutes).addon_units if family else 0
        if extra:
            parts.append(SplitPart(units=Decimal(extra), code="96366", unit_basis=_UNIT))
        addon = "96366"
    text = " + ".join(f"{p.code} {TIMES} {_n(p.units)}" for p in parts)
    if minutes is not None:
        text += f" for {format_minutes(minutes)}"
    if addon and any(
        ln.code == addon and ln.service_date == on and ln.number != line.number
        for ln in claim.lines
    ):
        return text, None, f"the date already has {addon} lines; correct them together by hand"
    return text, SplitLine(line=line.number, parts=tuple(parts)), ""
