"""The MUE plugin end to end: through the engine with fixes applied, across claims, on the
sample tables imported into a store, the explainer and the hook wiring."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from scrubber._engine import scrub, scrub_claim
from scrubber._explain import ExplainRequest
from scrubber._findings import Severity
from scrubber._manager import (
    collect_edits,
    collect_explainers,
    collect_settings,
    make_plugin_manager,
)
from scrubber._models import Attachment, Claim, ServiceLine
from scrubber._profiles import Profile, load_profile
from scrubber._store import StoreTables, TableStore
from scrubber._tables import ImportHints, MemoryTables, ReferenceTables
from scrubber.testing import make_claim, make_line
from scrubber_mue.edits import MUE_EDITS
from scrubber_mue.explain import explain_mue
from scrubber_mue.readers import parse_mue_file
from scrubber_mue.settings import MUE_SECTION

OTHER_BUILTINS = ("scrubber_infusion", "scrubber_x12", "scrubber_fhir")
JULY = date(2026, 7, 10)


@pytest.fixture
def sample_store(samples_dir: Path) -> Iterator[StoreTables]:
    store = TableStore.open(":memory:")
    for path in sorted((samples_dir / "tables").iterdir()):
        store.import_tables(parse_mue_file(path.name, path.read_bytes(), ImportHints()))
    yield store.snapshot()
    store.close()


def profile(text: str = "") -> Profile:
    return load_profile(text, [MUE_SECTION])


def line(code: str, units: int, *modifiers: str, on: date = JULY, charge: str = "") -> ServiceLine:
    return make_line(
        code=code,
        units=units,
        charge=charge or f"{30 * units}.00",
        service_from=on,
        modifiers=modifiers,
    )


def medicare(*lines: ServiceLine, **fields: Any) -> Claim:
    return make_claim(lines=lines, filing_indicator="MB", **fields)


def scrub_one(c: Claim, tables: ReferenceTables, prof: Profile | None = None) -> Claim:
    result = scrub_claim(c, edits=MUE_EDITS, tables=tables, profile=prof or profile(), strict=True)
    return result.claim


def test_medicare_claim_is_capped_documented_and_flagged(sample_store: StoreTables) -> None:
    c = medicare(
        line("96360", 2),  # sample MUE 1, MAI 2: capped
        line("99213", 4),  # sample MUE 3, MAI 3: documented
        line("97110", 6),  # sample MUE 4, MAI 1: flagged
        line("99601", 1),  # no Medicare row: no_data
        line("V5364", 1),  # sample MUE 0: not payable
    )
    result = scrub_claim(c, edits=MUE_EDITS, tables=sample_store, profile=profile(), strict=True)
    codes = [(f.code, f.line, f.severity) for f in result.findings]
    assert codes == [
        ("MUE002", 1, Severity.WARNING),
        ("MUE003", 2, Severity.WARNING),
        ("MUE001", 3, Severity.ERROR),
        ("MUE007", 4, Severity.INFO),
        ("MUE006", 5, Severity.ERROR),
    ]
    fixed = result.claim
    assert [(ln.code, ln.units, ln.charge) for ln in fixed.lines] == [
        ("96360", Decimal(1), Decimal("30.00")),
        ("99213", Decimal(4), Decimal("120.00")),
        ("97110", Decimal(6), Decimal("180.00")),
        ("99601", Decimal(1), Decimal("30.00")),
        ("V5364", Decimal(1), Decimal("30.00")),
    ]
    assert fixed.lines[0].note == "UNITS CAPPED AT MUE 1"
    assert fixed.lines[1].attachments == (
        Attachment(
            report_type="M1",
            transmission="FX",
            control_number="CLAIM1-MUE-2",
            description="MUE: records showing the units were rendered and medically necessary",
        ),
    )
    assert fixed.total_charge == c.total_charge - Decimal("30.00")
    assert {t.name for t in sample_store.used()} == {"mue/medicare/practitioner"}


def test_medicaid_claim_is_split_for_review_where_the_state_profile_says_so(
    sample_store: StoreTables,
) -> None:
    c = make_claim(lines=[line("99601", 6, charge="600.00")], filing_indicator="MC", id="MCD9")
    fixed = scrub_one(c, sample_store, profile('[defaults.mue]\nmedicaid_action = "split"\n'))
    assert [(ln.units, ln.modifiers, ln.charge, ln.control_number) for ln in fixed.lines] == [
        (Decimal(4), (), Decimal("400.00"), "MCD9-1-1"),
        (Decimal(2), ("GD",), Decimal("200.00"), "MCD9-1-2"),
    ]
    excess = fixed.lines[1]
    assert excess.note == "UNITS OVER MUE 4; REVIEW REQUESTED"
    assert [a.control_number for a in excess.attachments] == ["MCD9-MUE-1"]
    assert [ln.origin for ln in fixed.lines] == [1, 1]
    assert fixed.total_charge == c.total_charge


def test_mai2_cap_over_several_lines_reduces_from_the_last_line(sample_store: StoreTables) -> None:
    c = medicare(line("96413", 1), line("97110", 1), line("96413", 1, "59"), line("96413", 1))
    fixed = scrub_one(c, sample_store)
    assert [(ln.code, ln.units, ln.origin) for ln in fixed.lines] == [
        ("96413", Decimal(1), 1),
        ("97110", Decimal(1), 2),
    ]
    assert fixed.total_charge == Decimal("60.00")


def test_date_of_service_picks_the_quarter_in_force(sample_store: StoreTables) -> None:
    june = medicare(line("99213", 3, on=date(2026, 6, 30)))  # Q1 sample: MUE 2
    july = medicare(line("99213", 3, on=date(2026, 7, 1)))  # Q3 sample: MUE 3
    [(june_result), (july_result)] = [
        scrub_claim(c, edits=MUE_EDITS, tables=sample_store, profile=profile(), strict=True)
        for c in (june, july)
    ]
    # June is in Q2 but the newest table before it is Q1's: checked, with MUE009 saying so
    finding, stale = june_result.findings
    assert stale.code == "MUE009" and "2026 Q2" in stale.message
    assert (
        finding.code == "MUE003"
        and "MUE of 2 (Medicare practitioner table effective 2026-01-01" in finding.message
    )
    assert finding.table_row is not None
    assert finding.table_row.effective == date(2026, 1, 1)
    assert finding.table_row.source_file == "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv"
    assert july_result.findings == ()


def test_date_of_service_units_add_up_across_claims_of_one_patient(
    sample_store: StoreTables,
) -> None:
    prof = profile('[defaults.mue]\nmai3_action = "cap"\n')
    first = medicare(line("99213", 2), id="A")
    second = medicare(line("99213", 2), id="B")
    other_patient = medicare(line("99213", 2), id="C", patient_key="patient-2")
    results = list(
        scrub(
            [first, second, other_patient],
            edits=MUE_EDITS,
            tables=sample_store,
            profile=prof,
            strict=True,
        )
    )
    assert [len(r.findings) for r in results] == [0, 1, 0]
    [finding] = results[1].findings
    assert "4 units (line 1 plus 2 units on earlier claims) exceed" in finding.message
    assert results[1].claim.lines[0].units == Decimal(1)


def test_dme_supplier_claim_uses_the_dme_sample(sample_store: StoreTables) -> None:
    c = medicare(line("E0114", 3), line("97110", 1), billing_taxonomy="332B00000X")
    result = scrub_claim(c, edits=MUE_EDITS, tables=sample_store, profile=profile(), strict=True)
    assert [(f.code, f.line) for f in result.findings] == [("MUE002", 1), ("MUE006", 2)]
    assert result.claim.lines[0].units == Decimal(1)


def test_claim_within_every_mue_is_left_alone(sample_store: StoreTables) -> None:
    c = medicare(line("99213", 3), line("97110", 4))
    result = scrub_claim(c, edits=MUE_EDITS, tables=sample_store, profile=profile(), strict=True)
    assert result.findings == () and not result.changed


# --- explain --------------------------------------------------------------------------------


def explain(tables: ReferenceTables, code: str, program: str, on: date) -> tuple[str, ...]:
    payer = profile().for_program(program)
    request = ExplainRequest(code=code, program=program, on=on, payer=payer, tables=tables)
    return explain_mue(request).text


def test_explain_mai2_and_mai3(sample_store: StoreTables) -> None:
    text = " ".join(explain(sample_store, "0001u", "medicare", JULY))
    assert "0001U: MUE value 1 in the Medicare practitioner MUE table" in text
    assert "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv, effective 2026-07-01 (2026 Q3)" in text
    assert "2 Date of Service Edit: Policy" in text and "Code Descriptor / CPT Instruction" in text
    assert "all units of the code for that day" in text
    assert "Not appealable" in text
    text = " ".join(explain(sample_store, "99213", "medicare", JULY))
    assert "medical records support them" in text and "start/stop" in text


def test_explain_mai1_and_medicaid(sample_store: StoreTables) -> None:
    text = " ".join(explain(sample_store, "97110", "medicare", JULY))
    assert "Claim line edit (MAI 1)" in text and "59 or XE/XP/XS/XU" in text
    text = " ".join(explain(sample_store, "99601", "medicaid", date(2026, 2, 1)))
    assert "99601: MUE value 4 in the Medicaid practitioner MUE table" in text
    assert "Clinical: Medicaid Data" in text and "compared per line" in text
    assert "modifier GD" in text


def test_explain_says_plainly_when_there_is_no_row_or_no_table(sample_store: StoreTables) -> None:
    [no_row, _] = explain(sample_store, "99601", "medicare", JULY)
    assert no_row.startswith("No MUE row for 99601 in the Medicare practitioner MUE table")
    [no_table] = explain(MemoryTables(), "99601", "medicare", JULY)
    assert no_table.startswith("No Medicare practitioner MUE table is in force on 2026-07-10")


def test_explain_data_carries_the_row_and_the_table(sample_store: StoreTables) -> None:
    payer = profile().for_program("medicare")
    section = explain_mue(
        ExplainRequest(code="0002M", program="medicare", on=JULY, payer=payer, tables=sample_store)
    )
    mue = section.data["mue"]
    assert isinstance(mue, dict)
    assert (mue["value"], mue["mai"], mue["action"]) == ("1", "3", "document")
    table = section.data["table"]
    assert isinstance(table, dict) and table["effective"] == "2026-07-01"


# --- hooks ----------------------------------------------------------------------------------


def test_hooks_register_edits_settings_importer_and_explainer() -> None:
    pm = make_plugin_manager(entrypoints=False, blocked=OTHER_BUILTINS)
    edits = {e.code: e for e in collect_edits(pm)}
    assert sorted(edits) == [f"MUE{n:03}" for n in range(1, 12)]
    for item in edits.values():
        assert item.plugin == "scrubber_mue"
        assert item.doc and item.citation
    [section] = collect_settings(pm)
    assert section.name == "mue" and section.defaults["mai2_action"] == "cap"
    assert [e.name for e in collect_explainers(pm)] == ["mue"]


def test_profile_rejects_an_unknown_action() -> None:
    from scrubber._errors import ProfileError

    with pytest.raises(ProfileError, match="mai3_action"):
        profile('[defaults.mue]\nmai3_action = "ignore"\n')
