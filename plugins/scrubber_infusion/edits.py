"""The plugin's eleven edits: each check bound to its code, summary, severity and citation.

All edits run in the NORMALIZE phase, so the MUE plugin's LIMIT edits count the lines these
fixes produce. Each check reads the same plan (``plan.py``), so every line gets at most one
structural fix; the checks live by theme (``units.py`` the time units, ``daily.py`` the day
and week, ``encounter.py`` the initial service) beside INF002 here. The family rules come
from package data, loaded by the hookimpl and bound into the edits here (``make_edits``): an
edit never reads a file.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from datetime import date

from scrubber import Claim, Edit, EditContext, Finding, Phase, Setting, Severity, edit
from scrubber_infusion.daily import (
    CAPS_CITATION,
    daily_cap,
    day_summary,
    once_per_encounter,
    weekly_cap,
)
from scrubber_infusion.encounter import push_billed_as_infusion, second_initial_service
from scrubber_infusion.families import FamilyCatalog
from scrubber_infusion.hierarchy import HIERARCHY_CITATION, INITIAL_SERVICES, PUSH_CITATION
from scrubber_infusion.plan import ClaimPlan, plan_claim
from scrubber_infusion.screen import concerned_edits
from scrubber_infusion.settings import SECTION, Rulebook, rulebook
from scrubber_infusion.units import (
    addon_units_inconsistent,
    minutes_to_units,
    primary_below_minimum,
    primary_billed_in_hours,
)

__all__ = [
    "addon_units_inconsistent",
    "addon_without_primary",
    "make_edits",
    "minutes_to_units",
    "primary_below_minimum",
    "primary_billed_in_hours",
]

TIME_CITATION = (
    "CPT Introduction, 'Time': 'a unit of time is attained when the mid-point is passed' (an "
    "additional hour at 31 minutes past the last full hour); CPT time descriptors 99601/99602, "
    "96365/96366, 96413/96415, 96360/96361 (AMA); payer example: BCBSM The Record, May 2013 "
    "('a minimum of 31 minutes ... beyond the initial two hours')"
)
AOC_CITATION_MEDICARE = (
    "CPT add-on instruction 'List separately in addition to code for primary procedure'; CMS "
    "NCCI add-on code edits (Medicare): an add-on is not paid unless its primary is paid for "
    "the same beneficiary, provider and date"
)
AOC_CITATION_MEDICAID = (
    "CPT add-on instruction 'List separately in addition to code for primary procedure'; "
    "Medicaid NCCI has no add-on code methodology, so this is payer policy (e.g. BCBSM: "
    "'99602 can only be used in conjunction with code 99601')"
)

GroupCheck = Callable[[ClaimPlan, EditContext], Iterator[Finding]]


def addon_without_primary(plan: ClaimPlan, ctx: EditContext) -> Iterator[Finding]:
    """An add-on code with no primary on the same date of service, on this claim or on an
    earlier claim of the same patient and billing provider in the run.

    CPT marks 99602, 96366, 96415 and 96361 "List separately in addition to code for primary
    procedure"; for Medicare the NCCI add-on code edits deny it, for Medicaid (no NCCI AOC
    methodology) it is payer policy. No fix: only the provider knows the missing primary.
    """
    medicare = ctx.program == "medicare"
    citation = AOC_CITATION_MEDICARE if medicare else AOC_CITATION_MEDICAID
    rule = "NCCI add-on code edit" if medicare else "payer add-on policy (no Medicaid NCCI AOC)"
    billed: Container[tuple[str, date]] | None = None
    for group in plan.groups:
        if not group.addons or group.primaries or group.partners:
            continue
        family = group.family
        primaries = (family.primary, *family.also_primary)
        if billed is None:
            billed = ctx.billed_days()  # a (code, date) it does not hold has no units earlier
        if _billed_earlier(ctx, billed, primaries, group.on):
            continue
        accepted = " or ".join(primaries)
        for addon in group.addons:
            yield ctx.finding(
                addon,
                f"{addon.code} is an add-on ({family.addon_unit}) but no {accepted} is billed "
                f"on its date of service on this or an earlier claim ({rule})",
                citation=citation,
                carc="107",
            )


def _billed_earlier(
    ctx: EditContext, billed: Container[tuple[str, date]], codes: Iterable[str], on: date
) -> bool:
    """Whether an earlier claim of the patient and provider bills one of *codes* on *on*;
    units are asked only for a (code, date) the patient's earlier claims hold at all."""
    for code in codes:  # noqa: SIM110  # any(genexpr) makes a generator per group
        if (code, on) in billed and ctx.prior_units(code, on) > 0:
            return True
    return False


# code, check, summary, severity, citation
_WARN, _ERROR, _INFO = Severity.WARNING, Severity.ERROR, Severity.INFO
_SPECS: tuple[tuple[str, GroupCheck, str, Severity, str], ...] = (
    ("INF001", minutes_to_units, "Visit time to primary and add-on units", _WARN, TIME_CITATION),
    (
        "INF002",
        addon_without_primary,
        "Add-on code without its primary on the date of service",
        _ERROR,
        AOC_CITATION_MEDICARE,
    ),
    (
        "INF003",
        addon_units_inconsistent,
        "Add-on units inconsistent with the documented time",
        _ERROR,
        TIME_CITATION,
    ),
    (
        "INF004",
        primary_billed_in_hours,
        "Primary billed in hours instead of once per visit",
        _ERROR,
        TIME_CITATION,
    ),
    ("INF005", day_summary, "Several visits on one date of service", _INFO, TIME_CITATION),
    ("INF006", daily_cap, "Hours over the payer's daily cap", _WARN, CAPS_CITATION),
    ("INF007", weekly_cap, "Hours over the payer's weekly cap", _WARN, CAPS_CITATION),
    ("INF008", primary_below_minimum, "Primary time under the code minimum", _WARN, TIME_CITATION),
    (
        "INF009",
        once_per_encounter,
        "Once-per-encounter primary billed more than once a day",
        _WARN,
        TIME_CITATION,
    ),
    (
        "INF010",
        second_initial_service,
        "Second initial IV service in one encounter (report the sequential code)",
        _ERROR,
        HIERARCHY_CITATION,
    ),
    (
        "INF011",
        push_billed_as_infusion,
        "Infusion of 15 minutes or less billed as an infusion (report the push)",
        _ERROR,
        PUSH_CITATION,
    ),
)


class _Planner:
    """Plans each claim once for all the plugin's edits, through the engine's per-claim memo
    (every NORMALIZE edit sees the same claim and payer settings in one phase)."""

    __slots__ = ("_books", "_catalog", "_codes")

    def __init__(self, catalog: FamilyCatalog) -> None:
        self._catalog = catalog
        self._codes = catalog.codes | frozenset(INITIAL_SERVICES)
        # a payer's [infusion] section (by identity) -> its rules: a profile's sections live
        # as long as the profile, and the entry holds the section, so its id is never reused
        self._books: dict[int, tuple[Mapping[str, Setting], Rulebook]] = {}

    @property
    def codes(self) -> frozenset[str]:
        """Every code a plan can concern: the codes the plugin's edits watch."""
        return self._codes

    def plan(self, claim: Claim, ctx: EditContext) -> ClaimPlan:
        """The claim's plan (empty, and false, when no line concerns an edit). The engine
        asks only for claims that bill one of ``codes``; ``plan_claim`` itself passes over
        the other lines in one loop, so no walk of the claim comes first."""

        def compute() -> ClaimPlan:
            return plan_claim(claim, self._rules(ctx.settings(SECTION)))

        return ctx.memo("scrubber_infusion.plan", compute)

    def _rules(self, settings: Mapping[str, Setting]) -> Rulebook:
        """``rulebook`` for a payer's section, once per section rather than once per claim."""
        cached = self._books.get(id(settings))
        if cached is None or cached[0] is not settings:
            if len(self._books) >= 256:
                self._books.clear()
            cached = self._books[id(settings)] = (settings, rulebook(self._catalog, settings))
        return cached[1]

    def screen(self, claim: Claim, ctx: EditContext) -> set[str] | bool:
        """The INF edits the claim's plan concerns (``screen.py``), False for none; the plan
        it makes stays in the memo for the edits it names."""
        plan = self.plan(claim, ctx)
        return (concerned_edits(plan) or False) if plan else False


def _bind(
    check: GroupCheck, planner: _Planner
) -> Callable[[Claim, EditContext], Iterable[Finding]]:
    """An edit check over a claim: the claim's plan under the payer's rules, then *check*."""

    def run(claim: Claim, ctx: EditContext) -> Iterable[Finding]:
        plan = planner.plan(claim, ctx)
        return check(plan, ctx) if plan else ()

    run.__doc__ = check.__doc__
    run.__module__ = check.__module__
    run.__name__ = run.__qualname__ = check.__name__
    return run


def make_edits(catalog: FamilyCatalog) -> tuple[Edit, ...]:
    """The plugin's edits with *catalog* bound in (called once, by the hookimpl)."""
    planner = _Planner(catalog)
    screen = planner.screen  # one object: the engine asks a screen once per claim and phase
    return tuple(
        edit(
            code,
            summary=summary,
            citation=citation,
            severity=severity,
            phase=Phase.NORMALIZE,
            codes=planner.codes,  # a claim with none of them has no plan: nothing to find
            screen=screen,
        )(_bind(check, planner))
        for code, check, summary, severity, citation in _SPECS
    )
