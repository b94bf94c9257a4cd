"""The MUE screen never hides a finding: scrubbing with it (the engine runs only the MUE edits
it names) gives exactly what running every MUE edit on every claim gives, and a clean claim
really is passed without running any of them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber import EditContext, Finding, ServiceLine, provider_for
from scrubber._edits import Edit
from scrubber._engine import scrub
from scrubber._history import ClaimHistory
from scrubber._models import Claim
from scrubber._profiles import Profile, load_profile
from scrubber._tables import MemoryTables, ReferenceTables, RowHit, TableInfo
from scrubber.testing import make_claim, make_line, make_table
from scrubber_mue.bilateral import bilateral_pair
from scrubber_mue.edits import MUE_EDITS
from scrubber_mue.resolve import DayGroup, service_type_for, span_days
from scrubber_mue.screen import mue_screen
from scrubber_mue.settings import MUE_SECTION, MueSettings
from scrubber_mue.view import day_group, day_totals, mue_view, walked_groups

Q3 = date(2026, 7, 1)
ROWS = {
    "97110": {"value": "4", "mai": "1", "mai_text": "1 Line Edit", "rationale": "r"},
    "36415": {"value": "2", "mai": "2", "mai_text": "2 Date of Service Edit: Policy"},
    "99213": {"value": "3", "mai": "3", "mai_text": "3 Date of Service Edit: Clinical"},
    "27447": {"value": "1", "mai": "2", "mai_text": "2 Date of Service Edit: Policy"},
    "J1100": {"value": "0", "mai": "3", "mai_text": "3 Date of Service Edit: Clinical"},
}
MEDICAID_ROWS = {code: {**row, "mai": "", "mai_text": ""} for code, row in ROWS.items()}
TABLES = MemoryTables(
    [
        make_table("mue", "medicare", "practitioner", Q3, ROWS),
        make_table("mue", "medicaid", "practitioner", Q3, MEDICAID_ROWS),
    ]
)
PROFILES = {
    "default": load_profile(None, [MUE_SECTION]),
    "per_date": load_profile(
        '[defaults.mue]\nmedicaid_mode = "per_date_of_service"\n', [MUE_SECTION]
    ),
    "by_billing_npi": load_profile(
        '[defaults.mue]\nday_total_key = "billing_npi"\n', [MUE_SECTION]
    ),
    "stated": load_profile('[[payer]]\npayer_ids = ["P1"]\nprogram = "medicaid"\n', [MUE_SECTION]),
}
UNSCREENED = tuple(dataclasses.replace(e, screen=None) for e in MUE_EDITS)
# Mostly codes with a row, units within it and one date, so that lines add up per day and
# most claims reach the comparisons; 99999 has no row, J1100 an MUE of 0.
CODES = ("97110", "36415", "36415", "99213", "99213", "27447", "J1100", "99999")

lines = st.builds(
    dict,
    code=st.sampled_from(CODES),
    units=st.sampled_from([0, 1, 1, 1, 2, 2, 3, 5]),
    day=st.sampled_from([-1, 4, 5, 5, 5, 5, 95]),  # before the table, in it, past its quarter
    span=st.sampled_from([0, 0, 0, 0, 2]),
    modifiers=st.sampled_from([(), ("RT",), ("LT",), ("59",)]),
    minutes=st.booleans(),
    rendering=st.sampled_from([None, "1111111112"]),
)
claims = st.lists(
    st.builds(
        dict,
        lines=st.lists(lines, min_size=1, max_size=5),
        indicator=st.sampled_from(["MB", "MB", "MC", ""]),
        patient=st.sampled_from(["p1", "p2"]),
        payer=st.sampled_from(["P1", "P2"]),
    ),
    min_size=1,
    max_size=4,
)


def _claim(n: int, spec: dict[str, Any]) -> Claim:
    made = []
    for item in spec["lines"]:
        start = Q3 + timedelta(days=item["day"])
        made.append(
            make_line(
                code=item["code"],
                units=item["units"],
                service_from=start,
                service_to=start + timedelta(days=item["span"]) if item["span"] else None,
                modifiers=item["modifiers"],
                unit_basis="MJ" if item["minutes"] and item["code"] == "99213" else "UN",
                rendering_npi=item["rendering"],
            )
        )
    return make_claim(
        id=f"C{n}",
        lines=made,
        filing_indicator=spec["indicator"] or None,
        patient_key=spec["patient"],
        payer_id=spec["payer"],
    )


class LookupOnly:
    """Tables that answer one key at a time (no whole version in memory), as a store that
    reads rows on demand would: the screen must then look each line up by itself."""

    def __init__(self, inner: MemoryTables) -> None:
        self._inner = inner

    def in_force(self, kind: str, program: str, service_type: str, on: date) -> TableInfo | None:
        return self._inner.in_force(kind, program, service_type, on)

    def lookup(
        self, kind: str, program: str, service_type: str, key: str, on: date
    ) -> RowHit | None:
        return self._inner.lookup(kind, program, service_type, key, on)

    def tables(self) -> tuple[TableInfo, ...]:
        return self._inner.tables()

    def used(self) -> tuple[TableInfo, ...]:
        return self._inner.used()


def _scrubbed(
    batch: list[Claim],
    edits: tuple[Edit, ...],
    profile: Profile,
    tables: ReferenceTables = TABLES,
) -> list[object]:
    results = scrub(
        batch, edits=edits, tables=tables, profile=profile, history=ClaimHistory(), strict=True
    )
    return [(r.claim, r.findings, r.applied) for r in results]


@settings(max_examples=200, deadline=None)
@given(specs=claims, profile=st.sampled_from(sorted(PROFILES)))
def test_the_screen_changes_no_result(specs: list[dict[str, Any]], profile: str) -> None:
    batch = [_claim(n, spec) for n, spec in enumerate(specs)]
    chosen = PROFILES[profile]
    assert _scrubbed(batch, MUE_EDITS, chosen) == _scrubbed(batch, UNSCREENED, chosen)


@settings(max_examples=100, deadline=None)
@given(specs=claims, profile=st.sampled_from(sorted(PROFILES)))
def test_tables_answering_one_key_at_a_time_screen_alike(
    specs: list[dict[str, Any]], profile: str
) -> None:
    """The screen reads a date's rows once where the tables hold whole versions, and asks
    per line where they do not: either way the same edits run and report the same."""
    batch = [_claim(n, spec) for n, spec in enumerate(specs)]
    chosen = PROFILES[profile]
    one_by_one = _scrubbed(batch, MUE_EDITS, chosen, LookupOnly(TABLES))
    assert one_by_one == _scrubbed(batch, MUE_EDITS, chosen)


def test_a_clean_claim_runs_no_mue_edit_and_a_claim_over_one_runs_only_its_own() -> None:
    calls: list[str] = []

    def counted(item: Edit) -> Edit:
        def check(claim: Claim, ctx: Any) -> Any:
            calls.append(item.code)
            return item.check(claim, ctx)

        return dataclasses.replace(item, check=check)

    edits = tuple(counted(e) for e in MUE_EDITS)
    clean = make_claim(
        lines=[make_line(code="97110", units=2, service_from=Q3 + timedelta(days=3))],
        filing_indicator="MB",
    )
    over = make_claim(
        id="C2",
        lines=[make_line(code="97110", units=5, service_from=Q3 + timedelta(days=3))],
        filing_indicator="MB",
    )
    [result] = _scrubbed([clean], edits, PROFILES["default"])
    assert calls == [] and result == (clean, (), ())
    [(_, findings, _)] = _scrubbed([over], edits, PROFILES["default"])
    assert [f.code for f in findings] == ["MUE001"]
    assert calls == ["MUE001"]  # the only edit a line over an MAI 1 MUE concerns


def test_only_a_day_of_several_lines_over_an_mue_of_1_runs_mue010() -> None:
    """A bilateral pair is two lines of one code on one day: a claim that bills a code once,
    over its MUE of 1, runs the day edit but not MUE010; an RT + LT pair runs both."""
    day = Q3 + timedelta(days=5)
    once = make_claim(
        id="A", lines=[make_line(code="27447", units=2, service_from=day)], filing_indicator="MB"
    )
    sides = make_claim(
        id="B",
        lines=[
            make_line(code="27447", units=1, service_from=day, modifiers=("RT",)),
            make_line(code="27447", units=1, service_from=day, modifiers=("LT",)),
        ],
        filing_indicator="MB",
    )
    for claim, named in ((once, {"MUE002"}), (sides, {"MUE002", "MUE010"})):
        ctx = EditContext(
            edit=MUE_EDITS[0],
            claim=claim,
            tables=TABLES,
            payer=PROFILES["default"].for_claim(claim),
            program="medicare",
        )
        assert mue_screen(claim, ctx) == named
    [(_, findings, _)] = _scrubbed([sides], MUE_EDITS, PROFILES["default"])
    assert [f.code for f in findings] == ["MUE010"]


def test_units_on_an_earlier_claim_open_the_screen() -> None:
    """A claim within the MUE on its own still goes to the edits when the day's units on an
    earlier claim of the run push it over (MAI 2 counts the day across claims)."""
    day = Q3 + timedelta(days=5)
    first = make_claim(
        id="A", lines=[make_line(code="36415", units=2, service_from=day)], filing_indicator="MB"
    )
    second = make_claim(
        id="B", lines=[make_line(code="36415", units=1, service_from=day)], filing_indicator="MB"
    )
    assert {e.screen for e in MUE_EDITS} == {mue_screen}
    results = list(
        scrub([first, second], edits=MUE_EDITS, tables=TABLES, profile=PROFILES["default"])
    )
    assert [f.code for f in results[0].findings] == []
    assert [f.code for f in results[1].findings] == ["MUE002"]


def _reference_groups(claim: Claim, ctx: EditContext) -> list[tuple[object, ...]]:
    """The day totals as the MUE docs state them, worked out the plain way: lines with units
    and a payable MUE row, by code, first date, days of the span and provider, each with the
    most units per day on earlier claims of the patient and provider."""
    settings = MueSettings.from_mapping(ctx.settings("mue"))
    key, table = settings.day_total_key, service_type_for(claim, settings)
    grouped: dict[tuple[str, date, int, str], list[ServiceLine]] = {}
    for line in claim.lines:
        hit = ctx.tables.lookup("mue", ctx.program, table, line.code, line.service_from)
        if line.units <= 0 or hit is None or int(hit.row.get("value") or "0") == 0:
            continue
        slot = (line.code, line.service_from, span_days(line), provider_for(claim, line, key))
        grouped.setdefault(slot, []).append(line)
    return [
        (
            code,
            on,
            days,
            tuple(lines),
            max(
                ctx.prior_units(code, on + timedelta(days=n), key=key, line=lines[0])
                for n in range(days)
            ),
        )
        for (code, on, days, _), lines in grouped.items()
    ]


@settings(max_examples=100, deadline=None)
@given(specs=claims, profile=st.sampled_from(sorted(PROFILES)), screened=st.booleans())
def test_the_day_totals_the_edits_read_are_the_plain_ones(
    specs: list[dict[str, Any]], profile: str, screened: bool
) -> None:
    """The edits read the day totals the screen's walk left (or, unscreened, the same walk
    made again): the groups, their lines and the units on earlier claims are the ones a
    plain grouping gives, and the day totals (made only of the groups the walk found over
    their MUE) are exactly the groups over it (but MAI 1's: a line edit)."""
    seen: list[tuple[list[tuple[object, ...]], list[tuple[object, ...]], bool]] = []

    def probe(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
        view = mue_view(claim, ctx)
        every = [day_group(ctx, view, slot) for slot, _, _ in walked_groups(view)]
        made = [(g.code, g.on, g.days, g.lines, g.prior) for g in every]
        totals = day_totals(claim, ctx)  # made only of the groups the walk found over
        plain_over: dict[str, list[DayGroup]] = {}
        for g in every:
            if g.over() and g.row.mai != "1" and bilateral_pair(g) is None:
                plain_over.setdefault(g.row.mai, []).append(g)
        plain_pairs = [
            (g, *pair)
            for g in every
            if g.over() and g.row.mai != "1" and (pair := bilateral_pair(g)) is not None
        ]
        alike = totals.over == plain_over and totals.pairs == plain_pairs
        seen.append((made, _reference_groups(claim, ctx), alike))
        return iter(())

    probes = tuple(
        dataclasses.replace(e, check=probe, screen=e.screen if screened else None)
        for e in MUE_EDITS
    )
    batch = [_claim(n, spec) for n, spec in enumerate(specs)]
    chosen = PROFILES[profile]
    list(scrub(batch, edits=probes, tables=TABLES, profile=chosen, history=ClaimHistory()))
    # the batch's real scrub records what earlier claims billed, as it does for the edits
    for made, plain, over_alike in seen:
        assert made == plain
        assert over_alike
