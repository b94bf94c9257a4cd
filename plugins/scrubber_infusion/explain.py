"""``scrubber explain 99601 --minutes 330``: what a unit of a timed code means, worked through.

The answer comes from the family data after the payer's ``[infusion]`` settings, so a payer
with a 46-minute threshold sees its own arithmetic. Codes in no family get None: the MUE
explainer covers them and the CLI says there are no time rules.

With ``--minutes`` the section gives the one-sentence answer ("330 minutes = 99601 x 1 +
99602 x 3.") and the units it comes to, which the MUE explainer (run after this one) compares
with the MUE in force.
"""

from __future__ import annotations

from decimal import Decimal

from scrubber import Explainer, ExplainRequest, ExplainSection
from scrubber_infusion.families import (
    HOUR,
    TIMES,
    FamilyCatalog,
    TimeCoding,
    TimedFamily,
    code_time,
    describe_coding,
    format_minutes,
)
from scrubber_infusion.hierarchy import INITIAL_SERVICES, PUSH_MAX_MINUTES
from scrubber_infusion.settings import SECTION, rulebook

__all__ = ["explain_timed_code", "make_explainer"]


def _rules(family: TimedFamily) -> dict[str, object]:
    return {
        "family": family.name,
        "primary": family.primary,
        "addon": family.addon,
        "primary_unit": family.primary_unit,
        "addon_unit": family.addon_unit,
        "primary_minutes": str(family.primary_minutes),
        "addon_minutes": str(family.addon_minutes),
        "threshold_minutes": str(family.threshold_minutes),
        "minimum_minutes": str(family.minimum_minutes),
        "per_visit": family.per_visit,
        "daily_cap_hours": str(family.daily_cap_hours),
        "weekly_cap_hours": str(family.weekly_cap_hours),
        "citation": family.citation,
    }


def _unit_sentences(family: TimedFamily) -> list[str]:
    threshold = f"{family.threshold_minutes.normalize():f} minutes"
    step = "hour" if family.addon_minutes == 60 else format_minutes(family.addon_minutes)
    text = [
        f"1 unit of {family.primary} = {family.primary_unit}; 1 unit of {family.addon} = "
        f"{family.addon_unit}, billable from {threshold} past the last full {step}.",
        (
            f"Each separate {family.service} on one date is another unit of {family.primary}."
            if family.per_visit
            else f"{family.primary} is reported once per encounter."
        ),
    ]
    service = INITIAL_SERVICES.get(family.primary)
    if service is not None:
        outranked = (
            f"; when a service ranked above it is given in the same encounter, {family.primary} "
            f"is reported as {service.subsequent} ({service.subsequent_text})"
            if service.subsequent
            else ""
        )
        text.append(
            f"{family.primary} is an initial IV service: one initial service is reported per "
            "encounter unless a separate IV site is documented, chosen by the hierarchy "
            f"chemotherapy > therapeutic, prophylactic, diagnostic > hydration{outranked} "
            "(INF010)."
        )
    if family.minimum_minutes:
        text.append(
            f"{family.primary} needs at least {format_minutes(family.minimum_minutes)} of time."
        )
    caps = [
        f"{format_minutes(hours * 60)} per {period}"
        for hours, period in ((family.daily_cap_hours, "day"), (family.weekly_cap_hours, "week"))
        if hours
    ]
    text.append(
        f"This payer caps the family at {' and '.join(caps)}."
        if caps
        else "This payer sets no daily or weekly hour cap."
    )
    return text


def _worked(
    family: TimedFamily, coding: TimeCoding, minutes: Decimal, code: str
) -> tuple[str, dict[str, Decimal]]:
    """The one-sentence answer for a visit of *minutes*, and the units it comes to."""
    said = f"{minutes.normalize():f} minutes"
    service = INITIAL_SERVICES.get(family.primary)
    if service is not None and service.push and minutes <= PUSH_MAX_MINUTES:
        return (
            f"{said} is an IV push, not an infusion (CPT: an infusion of "
            f"{format_minutes(PUSH_MAX_MINUTES)} or less): bill {service.push} {TIMES} 1, not "
            f"{family.primary}.",
            {service.push: Decimal(1)},
        )
    if coding.below_minimum:
        return (
            f"{said} is under the {format_minutes(family.minimum_minutes)} {family.primary} "
            f"needs, so it is not billed as {family.primary}.",
            {},
        )
    units = {family.primary: Decimal(1)}
    if coding.addon_units:
        units[family.addon] = Decimal(coding.addon_units)
    coded = " + ".join(f"{c} {TIMES} {n}" for c, n in units.items())
    if code == family.addon and not coding.addon_units:
        step = "hour" if family.addon_minutes == HOUR else "unit"
        coded += f" (no {family.addon}: the time earns no additional {step})"
    return f"{said} = {coded}.", units


def explain_timed_code(catalog: FamilyCatalog, request: ExplainRequest) -> ExplainSection | None:
    """The time rules of *request.code*'s family, and the coding of ``request.minutes``."""
    book = rulebook(catalog, request.payer.settings(SECTION))
    family, enabled = book.find(request.code.strip().upper())
    if family is None:
        return None
    title = f"Time units: {family.label} ({family.name})"
    data: dict[str, object] = {"enabled": enabled, **_rules(family)}
    if not enabled:
        return ExplainSection(
            title=title,
            text=(
                f"Time rules for {family.label} are disabled in this payer's profile "
                "([infusion] disabled_families).",
            ),
            data=data,
        )
    text = _unit_sentences(family)
    answer, units = "", dict[str, Decimal]()
    if request.minutes is not None:
        coding = code_time(family, request.minutes)
        answer, units = _worked(family, coding, request.minutes, request.code.strip().upper())
        text.append(describe_coding(family, coding) + ".")
        lines = [] if coding.below_minimum else [{"code": family.primary, "units": "1"}]
        if coding.addon_units and not coding.below_minimum:
            lines.append({"code": family.addon, "units": str(coding.addon_units)})
        data["worked"] = {
            "minutes": str(request.minutes),
            "below_minimum": coding.below_minimum,
            "lines": lines,
            "text": describe_coding(family, coding),
        }
    text.extend(family.notes)
    text.append(f"Source: {family.citation}.")
    return ExplainSection(title=title, text=tuple(text), data=data, answer=answer, units=units)


def make_explainer(catalog: FamilyCatalog) -> Explainer:
    """The explainer with *catalog* bound in (called once, by the hookimpl)."""

    def explain(request: ExplainRequest) -> ExplainSection | None:
        return explain_timed_code(catalog, request)

    return Explainer(name="infusion", explain=explain, order=10)  # before the MUE (20)
