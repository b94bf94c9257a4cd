"""Idempotence as a law: scrubbing the scrubber's output changes nothing, byte for byte.

Claims pass through a scrubber twice (the EHR's export, then the clearinghouse), so for every
sample, every corpus file and the known hard cases, ``scrub(scrub(x)) == scrub(x)`` under the
default profile and under profiles that split, document, cap or flag. Generated claims are in
``tests/fuzz/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber._api import Plugins, ScrubResult, scrub_bytes
from scrubber._errors import AdapterError
from scrubber._findings import UnreadableClaim
from scrubber._store import TableStore
from scrubber._tables import ReferenceTables
from scrubber_x12.synthetic import SyntheticLine, synthetic_837

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
CORPUS = ROOT.parent / "shared" / "corpus"

PROFILES = {
    "default": None,
    "sample-payers": (SAMPLES / "profiles" / "payers.toml").read_text(encoding="utf-8"),
    **{
        f"{action}-{mode}": (
            f'[defaults.mue]\nmedicaid_action = "{action}"\nmedicaid_mode = "{mode}"\n'
            f'mai1_action = "split"\nmai3_action = "{action}"\n'
        )
        for action in ("split", "document", "cap", "flag")
        for mode in ("per_line", "per_date_of_service")
    },
}
CLAIM_FILES = sorted(
    p
    for p in SAMPLES.glob("*/*")
    if p.suffix in (".837", ".json", ".xml", ".ndjson") and ".report." not in p.name
)


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return Plugins.load()


@pytest.fixture(scope="module")
def tables(sample_tables_db: Path) -> Iterator[ReferenceTables]:
    store = TableStore.open(sample_tables_db, create=False)
    try:
        yield store.snapshot()
    finally:
        store.close()


def twice(
    data: bytes, tables: ReferenceTables, plugins: Plugins, profile: str | None
) -> tuple[ScrubResult, ScrubResult]:
    first = scrub_bytes(data, tables=tables, profile=profile, plugins=plugins)
    return first, scrub_bytes(first.output, tables=tables, profile=profile, plugins=plugins)


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("path", CLAIM_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_samples_scrubbed_again_are_unchanged(path, profile, tables, plugins) -> None:
    first, second = twice(path.read_bytes(), tables, plugins, PROFILES[profile])
    assert second.output == first.output


@pytest.mark.parametrize("profile", ["default", "split-per_line", "document-per_line"])
def test_corpus_files_scrubbed_again_are_unchanged(corpus_dir, profile, tables, plugins) -> None:
    files = sorted(corpus_dir.joinpath("x12").glob("*.837"))
    assert files
    for path in files:
        try:
            first, second = twice(path.read_bytes(), tables, plugins, PROFILES[profile])
        except AdapterError:
            continue  # a file the scrubber refuses has no output to scrub again
        assert second.output == first.output, path.name


def _x12(*lines: tuple[str, str, str], sbr09: str = "MC") -> bytes:
    return synthetic_837(
        0,
        claim_lines=[
            [
                SyntheticLine(code=code, basis=basis, units=Decimal(units), date="20260115")
                for code, basis, units in lines
            ]
        ],
        sbr09=sbr09,
    )


HARD_CASES = {
    # the first PWK of a Medicare MAI 3 line was added again on every run
    "mai3-document": (_x12(("99213", "UN", "5"), sbr09="MB"), "default"),
    # the GD excess line was over the MUE itself and split again
    "medicaid-gd-per-line": (_x12(("99602", "MJ", "431")), "split-per_line"),
    "medicaid-gd-per-day": (
        _x12(("96413", "UN", "4"), ("96360", "UN", "5")),
        "split-per_date_of_service",
    ),
    # an add-on in minutes beside a primary in minutes and one without time
    "addon-beside-primary": (
        _x12(("96413", "UN", "4"), ("96413", "MJ", "5"), ("96415", "MJ", "3")),
        "split-per_date_of_service",
    ),
    # several add-on lines in minutes: the primary is not converted alone
    "several-addons": (
        _x12(("99602", "MJ", "1"), ("99601", "MJ", "1"), ("99602", "MJ", "1")),
        "default",
    ),
}


@pytest.mark.parametrize("case", sorted(HARD_CASES))
def test_known_regressions_are_idempotent(case, tables, plugins) -> None:
    data, profile = HARD_CASES[case]
    first, second = twice(data, tables, plugins, PROFILES[profile])
    assert second.output == first.output


def test_a_note_already_cut_to_80_characters_is_not_cut_again(tables, plugins) -> None:
    """Found by the fuzz harness: a provider note that already ends in ``...`` lost one more
    character on every scrub that merged a note into it."""
    note = "UNITS OVER MUE 1; RECORDS SENT" * 2 + "; UNITS OVER MUE..."
    data = synthetic_837(
        0,
        claim_lines=[[SyntheticLine(code="99213", units=Decimal(5), note=note, date="20260115")]],
        sbr09="MB",
    )
    first, second = twice(data, tables, plugins, None)
    assert f"NTE*ADD*{note}~".encode() in first.output  # nothing more fits in NTE02
    assert first.output != data  # the records were still requested (PWK)
    assert second.output == first.output


def test_an_addon_alone_under_the_threshold_is_reported_not_removed(tables, plugins) -> None:
    data = _x12(("99602", "MJ", "20"), sbr09="MB")
    result = scrub_bytes(data, tables=tables, plugins=plugins)
    assert result.output == data  # the claim keeps its only line
    [inf003] = [f for f in result.findings if f.code == "INF003"]
    assert "reported, not removed" in inf003.message and not inf003.fixes


def test_a_line_with_two_sv1_is_reported_and_passed_through(tables, plugins) -> None:
    data = _x12(("99213", "UN", "5"), sbr09="MB").replace(
        b"DTP*472", b"SV1*HC:99213*10.00*UN*9***1~\nDTP*472", 1
    )
    count = re.search(rb"SE\*(\d+)\*", data)
    assert count is not None
    data = data.replace(count.group(0), b"SE*%d*" % (int(count.group(1)) + 1))
    result = scrub_bytes(data, tables=tables, plugins=plugins)
    assert result.output == data
    [claim] = result.report["claims"]
    assert "second SV1" in json.dumps(claim)


def test_fhir_minutes_and_period_that_disagree_are_reported_not_converted(tables, plugins) -> None:
    claim = json.loads((SAMPLES / "fhir" / "home-infusion-medicaid.r4.json").read_bytes())
    claim["item"][0]["quantity"] = {
        "value": 240,
        "system": "http://unitsofmeasure.org",
        "code": "min",
    }
    data = json.dumps(claim, indent=2).encode()
    first, second = twice(data, tables, plugins, None)
    assert second.output == first.output
    [inf001] = [f for f in first.findings if f.code == "INF001"]
    assert "not changed: its period spans 5 h 30 min" in inf001.message and not inf001.fixes


def test_a_quantity_without_value_in_minutes_is_written_as_units(tables, plugins) -> None:
    """Found by the fuzz harness: a quantity with a time unit but no value is read as one
    unit; a fix wrote the value beside the time unit, and the next read took it for minutes."""
    claim = json.loads((SAMPLES / "fhir" / "home-infusion-medicaid.r4.json").read_bytes())
    addon = json.loads(json.dumps(claim["item"][0]))
    addon.update(
        sequence=2,
        productOrService={
            "coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "99602"}]
        },
        quantity={"system": "http://unitsofmeasure.org", "code": "min"},
    )
    claim["item"].append(addon)
    first, second = twice(json.dumps(claim, indent=2).encode(), tables, plugins, None)
    assert second.output == first.output
    written = json.loads(first.output)
    assert all("code" not in i.get("quantity", {}) for i in written["item"])


def _fhir(*items: tuple[str, dict[str, object], int | None]) -> bytes:
    """The home-infusion sample with *items*: (code, quantity, minutes of a servicedPeriod
    from 09:00, or None for a servicedDate), all on 2026-01-15."""
    claim = json.loads((SAMPLES / "fhir" / "home-infusion-medicaid.r4.json").read_bytes())
    base = claim["item"][0]
    claim["item"] = []
    for n, (code, quantity, period) in enumerate(items, start=1):
        item = json.loads(json.dumps(base))
        item.pop("servicedPeriod", None)
        item.pop("servicedDate", None)
        item.update(sequence=n, quantity=quantity)
        item["productOrService"]["coding"][0]["code"] = code
        if period is None:
            item["servicedDate"] = "2026-01-15"
        else:
            end = 9 * 60 + period
            item["servicedPeriod"] = {
                "start": "2026-01-15T09:00:00-05:00",
                "end": f"2026-01-15T{end // 60:02d}:{end % 60:02d}:00-05:00",
            }
        claim["item"].append(item)
    return json.dumps(claim, indent=2).encode()


# Found by fuzz/idempotence.py: the infusion plugin judges a date's lines in the NORMALIZE
# phase, then the MUE cap (LIMIT phase) removes one of them, and the next scrub judged what was
# left differently. Form 1 is settled by the time rules themselves (timed primaries of one
# encounter are one service: INF009 combines them, and there is no second primary to cap);
# the others by the engine, which scrubs a claim a later phase changed again until it settles.
CAPPED_AFTER_NORMALIZE = {
    # 1. a second once-per-encounter primary (96360, MUE 1) is capped away; the add-on units
    #    its 5 h 30 min earned stay beside the kept primary, whose period documents 45 min
    "second-primary-fhir": (
        _fhir(("96360", {"value": 1}, 45), ("96360", {"value": 1}, 330)),
        "cap-per_date_of_service",
    ),
    # 1 in 837P: the kept 96413 is 1 minute (under its minimum, left in minutes), and the
    #    96415 earned by the capped 2 h 1 min line is judged against that minute
    "second-primary-x12": (
        _x12(("96413", "MJ", "1"), ("96413", "MJ", "121")),
        "cap-per_date_of_service",
    ),
    # 2. two add-on lines are left for correction by hand (INF003); the cap removes one and the
    #    next scrub corrects the one left
    "addon-lines-fhir": (
        _fhir(
            ("99601", {"value": 1}, 120),
            ("99602", {"value": 3}, None),
            ("99602", {"value": 3}, None),
        ),
        "cap-per_date_of_service",
    ),
    # 3. 96365 in minutes is a second initial service beside 96413 (INF010, left as sent); the
    #    cap removes that 96413, and the next scrub converts 96365 as the initial service
    "initial-service-x12": (
        synthetic_837(
            0,
            claim_lines=[
                [
                    SyntheticLine(
                        code="96413", units=Decimal(1), modifiers=("59",), date="20260715"
                    ),
                    SyntheticLine(code="96413", units=Decimal(1), date="20260715"),
                    SyntheticLine(code="96365", basis="MJ", units=Decimal(330), date="20260715"),
                ]
            ],
            sbr09="MB",
        ),
        "default",
    ),
}


@pytest.mark.parametrize("case", sorted(CAPPED_AFTER_NORMALIZE))
def test_lines_capped_after_the_time_rules_are_idempotent(case, tables, plugins) -> None:
    data, profile = CAPPED_AFTER_NORMALIZE[case]
    first, second = twice(data, tables, plugins, PROFILES[profile])
    assert first.output != data
    assert second.output == first.output


def test_a_second_timed_primary_is_combined_before_any_mue_cap(tables, plugins) -> None:
    """Form 1 needs no second round: the time rules leave one primary, so the MUE of 1 on
    96360/96413 has nothing to cap (CPT: once per encounter, further time as the add-on)."""
    expected = {
        "second-primary-x12": [("96413", "1"), ("96415", "1")],  # 1 + 121 min = 2 h 2 min
        "second-primary-fhir": [("96360", "1"), ("96361", "4")],  # periods overlap: 5 h 30
    }
    for case, coded in expected.items():
        data, profile = CAPPED_AFTER_NORMALIZE[case]
        result = scrub_bytes(data, tables=tables, profile=PROFILES[profile], plugins=plugins)
        [inf009] = [f for f in result.findings if f.code == "INF009"]
        assert "lines combined, line 1 stays" in inf009.message and inf009.fixes
        assert not [f for f in result.findings if f.code.startswith("MUE") and f.fixes]
        [claim] = [r.claim for r in result.results if not isinstance(r, UnreadableClaim)]
        assert [(ln.code, f"{ln.units:f}") for ln in claim.lines] == coded


def test_the_engine_settles_what_a_cap_removed_after_the_time_rules(tables, plugins) -> None:
    """Forms 2 and 3: the cap removes a line the time rules judged with another; the engine
    scrubs the claim again on its fixed form, and both rounds' findings are reported."""
    data, profile = CAPPED_AFTER_NORMALIZE["initial-service-x12"]
    result = scrub_bytes(data, tables=tables, profile=PROFILES[profile], plugins=plugins)
    codes = {(f.code, f.line) for f in result.findings}
    assert {("INF010", 3), ("INF001", 3)} <= codes  # ranked below 96413, then converted
    [claim] = [r.claim for r in result.results if not isinstance(r, UnreadableClaim)]
    assert [(ln.code, f"{ln.units:f}") for ln in claim.lines] == [
        ("96413", "1"),
        ("96365", "1"),
        ("96366", "4"),
    ]
    assert "SCR004" not in {f.code for f in result.findings}


# The combined-primary rule (CPT: the initial code once per encounter, further time of the same
# service as the add-on; CMS Pub. 100-04 ch. 12 sec. 30.5): timed lines of one once-per-encounter
# code on one date are one service of their summed time.
ENCOUNTER_FAMILIES = {"96365": "96366", "96413": "96415", "96360": "96361"}
MINIMUM = {"96365": 16, "96413": 16, "96360": 31}


def _addon_units(minutes: int) -> int:
    """CPT's mid-point rule past the first hour, written out independently of the plugin."""
    beyond = max(minutes - 60, 0)
    return beyond // 60 + (1 if beyond % 60 >= 31 else 0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    code=st.sampled_from(sorted(ENCOUNTER_FAMILIES)),
    minutes=st.lists(st.integers(min_value=16, max_value=600), min_size=2, max_size=3),
    sbr09=st.sampled_from(["MB", "MC"]),
    profile=st.sampled_from(["default", "cap-per_date_of_service", "split-per_line"]),
)
def test_timed_primaries_of_one_encounter_are_combined(
    code, minutes, sbr09, profile, tables, plugins
) -> None:
    data = _x12(*((code, "MJ", str(m)) for m in minutes), sbr09=sbr09)
    first, second = twice(data, tables, plugins, PROFILES[profile])
    assert second.output == first.output
    total = sum(minutes)
    addon = ENCOUNTER_FAMILIES[code]
    [inf009] = [f for f in first.findings if f.code == "INF009"]
    expected = _addon_units(total)
    if total < MINIMUM[code] or expected < len(minutes) - 1:
        # under the code's minimum, or too few add-on units for each other line to carry
        # one: checked by hand, never dropped by the time rules
        assert not inf009.fixes and "lines combined" not in inf009.message
        return
    lines = ", ".join(map(str, range(1, len(minutes))))
    assert f"billed on lines {lines} and {len(minutes)} of one encounter" in inf009.message
    assert "lines combined, line 1 stays" in inf009.message
    coded = re.findall(rb"SV1\*HC:(\d+)[^*]*\*([\d.]+)\*UN\*(\d+)", first.output)
    assert [c for c, _, _ in coded].count(code.encode()) == 1  # one primary: nothing to cap
    if not any(f.code.startswith("MUE") and f.fixes for f in first.findings):
        assert sum(int(u) for c, _, u in coded if c == addon.encode()) == expected
        assert len(coded) == len(minutes)  # no line lost
        charges = sum(Decimal(c.decode()) for _, c, _ in coded)
        assert charges == Decimal(100) * len(minutes)  # every line keeps its charge
