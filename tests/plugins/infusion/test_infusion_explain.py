"""``scrubber explain``: what a unit of a timed code means, and a visit of --minutes worked out."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

import scrubber_infusion
from scrubber._explain import ExplainRequest
from scrubber._tables import MemoryTables


def explain(kit, code: str, minutes: int | None = None, profile_text: str | None = None):
    [explainer] = scrubber_infusion.scrubber_explainers()
    request = ExplainRequest(
        code=code,
        program="medicaid",
        on=date(2026, 1, 15),
        payer=kit.profile(profile_text).default,
        tables=MemoryTables(),
        minutes=None if minutes is None else Decimal(minutes),
    )
    return explainer.explain(request)


def test_what_one_unit_means(kit) -> None:
    section = explain(kit, "99601")
    assert section.title == "Time units: 99601/99602 (home-infusion-visit)"
    assert section.text[0] == (
        "1 unit of 99601 = one visit of up to 2 hours; 1 unit of 99602 = each additional hour, "
        "billable from 31 minutes past the last full hour."
    )
    assert "Each separate visit on one date is another unit of 99601." in section.text
    assert "This payer sets no daily or weekly hour cap." in section.text
    assert section.text[-1].startswith("Source: CPT Introduction, 'Time'")
    assert "worked" not in section.data


def test_a_visit_of_minutes_worked_out(kit) -> None:
    section = explain(kit, "99601", minutes=330)
    assert (
        "5 h 30 min visit = 99601 × 1 (first 2 hours) + 99602 × 3 (hours 3, 4 and 5; the last "
        "30 min do not reach the 31 min an additional hour needs)."
    ) in section.text
    assert section.data["worked"]["lines"] == [
        {"code": "99601", "units": "1"},
        {"code": "99602", "units": "3"},
    ]
    json.dumps(section.data)  # --json can print it as it is


def test_the_add_on_code_explains_its_family(kit) -> None:
    section = explain(kit, "96366", minutes=91)
    assert section.title.startswith("Time units: 96365/96366")
    assert "96365 is reported once per encounter." in section.text
    assert "96365 needs at least 16 min of time." in section.text
    assert section.data["worked"]["lines"] == [
        {"code": "96365", "units": "1"},
        {"code": "96366", "units": "1"},
    ]


def test_below_the_minimum_bills_nothing(kit) -> None:
    section = explain(kit, "96360", minutes=20)
    assert section.data["worked"]["lines"] == []
    assert section.data["worked"]["below_minimum"] is True


def test_the_payers_settings_shape_the_answer(kit) -> None:
    profile_text = (
        "[defaults.infusion]\n"
        'family_overrides = ["99601.threshold_minutes=46", "99601.daily_cap_hours=4"]\n'
    )
    section = explain(kit, "99602", minutes=165, profile_text=profile_text)
    assert "billable from 46 minutes past the last full hour" in section.text[0]
    assert "This payer caps the family at 4 h per day." in section.text
    assert section.data["worked"]["lines"] == [{"code": "99601", "units": "1"}]
    assert section.data["threshold_minutes"] == "46"


def test_codes_without_time_rules_get_no_section(kit) -> None:
    assert explain(kit, "99213") is None
    assert explain(kit, "J1100", minutes=60) is None


def test_a_disabled_family_says_so(kit) -> None:
    section = explain(
        kit, "99601", profile_text='[defaults.infusion]\ndisabled_families = ["99601"]\n'
    )
    assert section.data["enabled"] is False
    assert "disabled in this payer's profile" in section.text[0]


def test_minutes_give_the_answer_and_the_units_for_the_mue(kit) -> None:
    section = explain(kit, "99602", minutes=330)
    assert section.answer == "330 minutes = 99601 × 1 + 99602 × 3."
    assert section.units == {"99601": Decimal(1), "99602": Decimal(3)}
    short = explain(kit, "99602", minutes=120)
    assert short.answer == (
        "120 minutes = 99601 × 1 (no 99602: the time earns no additional hour)."
    )
    assert explain(kit, "99601").answer == ""


@pytest.mark.parametrize(("code", "push"), [("96413", "96409"), ("96365", "96374")])
def test_fifteen_minutes_or_less_is_answered_as_a_push(kit, code: str, push: str) -> None:
    section = explain(kit, code, minutes=15)
    assert section.answer.startswith("15 minutes is an IV push, not an infusion")
    assert section.units == {push: Decimal(1)}
    assert explain(kit, code, minutes=16).units == {code: Decimal(1)}


def test_the_mue_explainer_builds_on_the_minutes_without_a_table(kit) -> None:
    from scrubber._explain import explain_code
    from scrubber_mue import scrubber_explainers as mue_explainers

    request = ExplainRequest(
        code="99602",
        program="medicaid",
        on=date(2026, 1, 15),
        payer=kit.profile().default,
        tables=MemoryTables(),
        minutes=Decimal(330),
    )
    explainers = [*scrubber_infusion.scrubber_explainers(), *mue_explainers()]
    answer = explain_code(reversed(explainers), request)  # order comes from Explainer.order
    assert [s.title.split(":")[0] for s in answer.sections] == [
        "Time units",
        "Medically Unlikely Edit (MUE)",
    ]
    assert answer.answer == (
        "330 minutes = 99601 × 1 + 99602 × 3; no Medicaid practitioner MUE table is in force on "
        "2026-01-15, so no MUE limit is known: import the CMS MUE file for that quarter."
    )
