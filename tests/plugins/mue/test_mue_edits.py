"""The MUE edits as a decision table: indicator x action x program, run one edit at a time.

Tables are hand-made test data (values chosen for the tests, not CMS values)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from scrubber._edits import Edit
from scrubber._findings import Finding, Severity
from scrubber._fixes import (
    AddNote,
    RemoveLine,
    RequestAttachment,
    SetModifiers,
    SetUnits,
    SplitLine,
    SplitPart,
)
from scrubber._models import Attachment, Claim, ServiceLine, SourceRef
from scrubber._profiles import Profile, load_profile
from scrubber._tables import ParsedTable
from scrubber.testing import make_claim, make_line, make_table, run_edit
from scrubber_mue import checks
from scrubber_mue.checks import mue_no_data, mue_zero_not_payable
from scrubber_mue.edits import (
    mai1_line_units_over_mue,
    mai2_day_units_over_policy_mue,
    mai3_day_units_over_clinical_mue,
    medicaid_day_total_over_mue,
    medicaid_units_over_mue,
)
from scrubber_mue.settings import MUE_SECTION

DOS = date(2026, 7, 10)
RECORDS = "MUE: records showing the units were rendered and medically necessary"
Q3 = date(2026, 7, 1)


def mcr(value: int, mai: str, rationale: str = "Clinical: Data") -> dict[str, str]:
    text = {
        "1": "1 Line Edit",
        "2": "2 Date of Service Edit: Policy",
        "3": "3 Date of Service Edit: Clinical",
    }[mai]
    return {"value": str(value), "mai": mai, "mai_text": text, "rationale": rationale}


def mcd(value: int) -> dict[str, str]:
    return {"value": str(value), "mai": "", "mai_text": "", "rationale": "Clinical: Medicaid Data"}


TABLES: tuple[ParsedTable, ...] = (
    make_table(
        "mue",
        "medicare",
        "practitioner",
        Q3,
        {
            "97110": mcr(4, "1"),
            "96413": mcr(3, "2", "Code Descriptor / CPT Instruction"),
            "99213": mcr(3, "3"),
            "V5364": mcr(0, "3", "CMS Policy"),
        },
        source_file="MCR_MUE_PractitionerServices_Eff_07-01-2026.csv",
    ),
    make_table(
        "mue",
        "medicaid",
        "practitioner",
        date(2026, 1, 1),
        {"99601": mcd(4), "99602": mcd(2)},
        source_file="MCD-MUE-PractitionerServices-Effective_01012026.txt",
    ),
    make_table(
        "mue", "medicare", "dme", Q3, {"E0114": mcr(1, "2"), "97110": mcr(0, "3", "CMS Policy")}
    ),
)


def profile(**mue: str) -> Profile:
    body = "\n".join(f'{key} = "{value}"' for key, value in mue.items())
    return load_profile(f"[defaults.mue]\n{body}\n", [MUE_SECTION])


def claim(*lines: ServiceLine, program: str = "medicare", **fields: Any) -> Claim:
    indicator = {"medicare": "MB", "medicaid": "MC"}[program]
    return make_claim(lines=lines, filing_indicator=indicator, **fields)


def line(code: str, units: int, *modifiers: str, on: date = DOS) -> ServiceLine:
    return make_line(
        code=code, units=units, charge=f"{25 * units}.00", service_from=on, modifiers=modifiers
    )


def run(item: Edit, c: Claim, prof: Profile | None = None) -> list[Finding]:
    return run_edit(item, c, tables=TABLES, profile=prof or profile())


# --- Medicare MAI 1: per line ---------------------------------------------------------------

MAI1_EXPECTED = {
    "flag": (Severity.ERROR, ()),
    "cap": (
        Severity.WARNING,
        (SetUnits(line=1, units=Decimal(4)), AddNote(line=1, text="UNITS CAPPED AT MUE 4")),
    ),
    "split": (
        Severity.WARNING,
        (
            SplitLine(
                line=1,
                parts=(
                    SplitPart(units=Decimal(4)),
                    SplitPart(units=Decimal(4), add_modifiers=("XU",)),
                    SplitPart(units=Decimal(1), add_modifiers=("XU",)),
                ),
            ),
        ),
    ),
    "document": (
        Severity.WARNING,
        (
            RequestAttachment(
                line=1,
                report_type="M1",
                transmission="FX",
                control_number="CLAIM1-MUE-1",
                description=RECORDS,
            ),
            AddNote(line=1, text="UNITS OVER MUE 4; RECORDS SENT"),
        ),
    ),
}


@pytest.mark.parametrize("action", sorted(MAI1_EXPECTED))
def test_mai1_compares_each_line_and_acts_per_profile(action: str) -> None:
    c = claim(line("97110", 9))
    [finding] = run(mai1_line_units_over_mue, c, profile(mai1_action=action, split_modifier="XU"))
    severity, fixes = MAI1_EXPECTED[action]
    assert (finding.code, finding.line, finding.severity) == ("MUE001", 1, severity)
    assert finding.fixes == fixes
    assert finding.appealable is True
    assert (finding.carc, finding.rarc) == ("B5", "N362")
    assert finding.table_row is not None and finding.table_row.key == "97110"
    assert "59 or XE/XP/XS/XU, 76, 77, 91" in finding.message
    assert "97110 billed 9 units on 2026-07-10" in finding.message
    assert (
        "its MUE of 4 (Medicare practitioner table effective 2026-07-01; "
        "MAI 1 Line Edit; rationale Clinical: Data)" in finding.message
    )


def test_mai1_lines_within_the_mue_pass_even_when_the_day_adds_up() -> None:
    c = claim(line("97110", 4), line("97110", 4, "59"))
    assert run(mai1_line_units_over_mue, c) == []


# --- Medicare MAI 2 / 3: per date of service ------------------------------------------------

ATTACH_L2 = RequestAttachment(
    line=2,
    report_type="M1",
    transmission="FX",
    control_number="CLAIM1-MUE-2",
    description=RECORDS,
)
GD_PART = SplitPart(
    units=Decimal(1),
    add_modifiers=("GD",),
    note="UNITS OVER MUE 3; REVIEW REQUESTED",
    attachment=Attachment(
        report_type="M1",
        transmission="FX",
        control_number="CLAIM1-MUE-2",
        description=RECORDS,
    ),
)
DAY_EXPECTED = {
    "flag": (Severity.ERROR, ()),
    "cap": (
        Severity.WARNING,
        (
            SetUnits(line=2, units=Decimal(1)),
            AddNote(line=2, text="UNITS CAPPED AT MUE 3"),
            RemoveLine(line=3),
        ),
    ),
    "document": (
        Severity.WARNING,
        (ATTACH_L2, AddNote(line=2, text="UNITS OVER MUE 3; RECORDS SENT")),
    ),
    "split": (
        Severity.WARNING,
        (
            SplitLine(line=2, parts=(SplitPart(units=Decimal(1)), GD_PART)),
            SetModifiers(line=3, modifiers=("XU", "GD")),
            AddNote(line=3, text="UNITS OVER MUE 3; REVIEW REQUESTED"),
            RequestAttachment(
                line=3,
                report_type="M1",
                transmission="FX",
                control_number="CLAIM1-MUE-3",
                description=RECORDS,
            ),
        ),
    ),
}


@pytest.mark.parametrize("action", sorted(DAY_EXPECTED))
@pytest.mark.parametrize(
    ("item", "code", "setting", "appealable"),
    [
        (mai2_day_units_over_policy_mue, "96413", "mai2_action", False),
        (mai3_day_units_over_clinical_mue, "99213", "mai3_action", True),
    ],
)
def test_date_of_service_edits_sum_lines_whatever_their_modifiers(
    item: Edit, code: str, setting: str, appealable: bool, action: str
) -> None:
    c = claim(line(code, 2), line(code, 2, "59"), line(code, 1, "XU"), line("97110", 1))
    [finding] = run(item, c, profile(**{setting: action}))
    severity, fixes = DAY_EXPECTED[action]
    assert (finding.line, finding.severity, finding.appealable) == (2, severity, appealable)
    assert finding.fixes == fixes
    assert f"{code} on 2026-07-10: 5 units (lines 1, 2, 3) exceed" in finding.message
    assert finding.table_row is not None and finding.table_row.key == code


def test_mai2_default_is_cap_and_not_appealable() -> None:
    [finding] = run(mai2_day_units_over_policy_mue, claim(line("96413", 5)))
    assert finding.fixes == (
        SetUnits(line=1, units=Decimal(3)),
        AddNote(line=1, text="UNITS CAPPED AT MUE 3"),
    )
    assert finding.appealable is False
    assert "cannot be bypassed by modifiers or appealed" in finding.message


def test_mai3_default_documents_and_says_what_records_must_show() -> None:
    [finding] = run(mai3_day_units_over_clinical_mue, claim(line("99213", 4)))
    assert [type(f) for f in finding.fixes] == [RequestAttachment, AddNote]
    assert finding.appealable is True
    for words in ("rendered", "correctly coded", "medically necessary", "start/stop"):
        assert words in finding.message


def test_date_of_service_edits_keep_days_apart() -> None:
    c = claim(line("99213", 3), line("99213", 3, on=date(2026, 7, 11)))
    assert run(mai3_day_units_over_clinical_mue, c) == []


def test_cap_that_would_remove_every_line_only_flags() -> None:
    from scrubber._history import ClaimHistory

    history = ClaimHistory()
    history.record(claim(line("96413", 3), id="EARLIER"))
    c = claim(line("96413", 1))
    [finding] = run_edit(
        mai2_day_units_over_policy_mue, c, tables=TABLES, profile=profile(), history=history
    )
    assert finding.fixes == ()
    assert finding.severity is Severity.ERROR
    assert "plus 3 units on earlier claims" in finding.message
    assert "would remove every line" in finding.message


# --- Medicaid: no indicator -----------------------------------------------------------------

MEDICAID_EXPECTED = {
    "flag": (Severity.ERROR, ()),
    "cap": (
        Severity.WARNING,
        (SetUnits(line=1, units=Decimal(4)), AddNote(line=1, text="UNITS CAPPED AT MUE 4")),
    ),
    "document": (
        Severity.WARNING,
        (
            RequestAttachment(
                line=1,
                report_type="M1",
                transmission="FX",
                control_number="CLAIM1-MUE-1",
                description=RECORDS,
            ),
            AddNote(line=1, text="UNITS OVER MUE 4; RECORDS SENT"),
        ),
    ),
    "split": (
        Severity.WARNING,
        (
            SplitLine(
                line=1,
                parts=(
                    SplitPart(units=Decimal(4)),
                    SplitPart(
                        units=Decimal(2),
                        add_modifiers=("GD",),
                        note="UNITS OVER MUE 4; REVIEW REQUESTED",
                        attachment=Attachment(
                            report_type="M1",
                            transmission="FX",
                            control_number="CLAIM1-MUE-1",
                            description=RECORDS,
                        ),
                    ),
                ),
            ),
        ),
    ),
}


@pytest.mark.parametrize("action", sorted(MEDICAID_EXPECTED))
def test_medicaid_line_over_the_mue_per_action(action: str) -> None:
    c = claim(line("99601", 6), program="medicaid")
    [finding] = run(medicaid_units_over_mue, c, profile(medicaid_action=action))
    severity, fixes = MEDICAID_EXPECTED[action]
    assert (finding.code, finding.severity, finding.fixes) == ("MUE004", severity, fixes)
    assert (finding.carc, finding.rarc, finding.appealable) == ("35", "N362", True)
    assert (
        "its MUE of 4 (Medicaid practitioner table effective 2026-01-01; rationale"
        in finding.message
    )
    assert "rationale Clinical: Medicaid Data" in finding.message
    assert finding.table_row is not None
    assert finding.table_row.source_file == "MCD-MUE-PractitionerServices-Effective_01012026.txt"


def test_medicaid_per_line_mode_warns_when_the_day_adds_up() -> None:
    c = claim(line("99601", 3), line("99601", 3, "59"), program="medicaid")
    assert run(medicaid_units_over_mue, c) == []
    [warning] = run(medicaid_day_total_over_mue, c)
    assert (warning.code, warning.severity, warning.fixes) == ("MUE005", Severity.WARNING, ())
    assert "6 units (lines 1, 2) exceed" in warning.message


def test_medicaid_per_date_of_service_mode_splits_the_crossing_line() -> None:
    c = claim(line("99601", 3), line("99601", 3, "59"), program="medicaid")
    prof = profile(medicaid_mode="per_date_of_service", medicaid_action="split")
    assert run(medicaid_day_total_over_mue, c, prof) == []
    [finding] = run(medicaid_units_over_mue, c, prof)
    assert finding.line == 2
    [split] = finding.fixes
    assert isinstance(split, SplitLine)
    assert [(p.units, p.add_modifiers) for p in split.parts] == [
        (Decimal(1), ()),
        (Decimal(2), ("GD",)),
    ]


def test_medicaid_claims_never_use_medicare_tables() -> None:
    c = claim(line("97110", 9), program="medicaid")
    assert run(mai1_line_units_over_mue, c) == []
    [info] = run(mue_no_data, c)
    assert "97110 has no row in the Medicaid practitioner MUE table" in info.message


# --- MUE 0, no data, DME, settings edge cases -----------------------------------------------


def test_mue_zero_is_not_payable_and_has_no_fix() -> None:
    [finding] = run(mue_zero_not_payable, claim(line("V5364", 1)))
    assert (finding.code, finding.severity, finding.fixes) == ("MUE006", Severity.ERROR, ())
    assert finding.appealable is False
    assert "MUE of 0" in finding.message and "not payable" in finding.message
    assert run(mai3_day_units_over_clinical_mue, claim(line("V5364", 1))) == []


def test_code_without_a_row_is_an_explicit_info_finding() -> None:
    [finding] = run(mue_no_data, claim(line("99601", 1)))
    assert (finding.code, finding.severity, finding.line) == ("MUE007", Severity.INFO, 1)
    assert (
        "99601 has no row in the Medicare practitioner MUE table effective 2026-07-01"
        in finding.message
    )
    assert dict(finding.details) == {"no_data": "row"}


def test_a_code_without_a_row_names_the_table_version_in_force_on_its_date(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """MUE007 words "no row in this table version" once per version, program and table,
    never the words of another version, and the same words as worded afresh."""
    versions = (
        make_table("mue", "medicare", "practitioner", date(2026, 4, 1), {}, source_file="q2.csv"),
        make_table("mue", "medicare", "practitioner", Q3, {}, source_file="q3.csv"),
        make_table("mue", "medicaid", "practitioner", Q3, {}, source_file="mcd.txt"),
    )
    c = claim(line("99601", 1, on=date(2026, 6, 30)), line("99602", 2), line("99601", 3))
    medicaid = claim(line("99601", 1), program="medicaid")

    def said() -> list[str]:
        found = run_edit(mue_no_data, c, tables=versions, profile=profile())
        found += run_edit(mue_no_data, medicaid, tables=versions, profile=profile())
        return [f.message for f in found]

    expected = [
        "Line 1: 99601 has no row in the Medicare practitioner MUE table effective 2026-04-01 "
        "(q2.csv); CMS publishes no MUE for it (or keeps it confidential), so it was not "
        "checked.",
        "Line 2: 99602 has no row in the Medicare practitioner MUE table effective 2026-07-01 "
        "(q3.csv); CMS publishes no MUE for it (or keeps it confidential), so it was not "
        "checked.",
        "Line 3: 99601 has no row in the Medicare practitioner MUE table effective 2026-07-01 "
        "(q3.csv); CMS publishes no MUE for it (or keeps it confidential), so it was not "
        "checked.",
        "Line 1: 99601 has no row in the Medicaid practitioner MUE table effective 2026-07-01 "
        "(mcd.txt); CMS publishes no MUE for it (or keeps it confidential), so it was not "
        "checked.",
    ]
    assert said() == expected  # worded afresh or from the cache, the same
    assert said() == expected
    monkeypatch.setattr(checks, "_MAX_NO_ROW_WORDS", 1)
    monkeypatch.setattr(checks, "_NO_ROW_WORDS", {})
    assert said() == expected  # a cache of one version at a time says the same
    assert len(checks._NO_ROW_WORDS) == 1


def test_no_table_in_force_is_an_explicit_info_finding() -> None:
    [finding] = run(mue_no_data, claim(line("97110", 1, on=date(2026, 6, 30))))
    assert "no Medicare practitioner MUE table is in force on 2026-06-30" in finding.message
    assert dict(finding.details) == {"no_data": "table"}


def test_dme_supplier_claims_use_the_dme_table() -> None:
    dme = claim(line("97110", 1), line("E0114", 2), billing_taxonomy="332B00000X")
    [zero] = run(mue_zero_not_payable, dme)
    assert zero.table_row is not None and zero.table_row.table == "mue/medicare/dme"
    [over] = run(mai2_day_units_over_policy_mue, dme)
    assert (over.line, over.fixes[0]) == (2, SetUnits(line=2, units=Decimal(1)))
    practitioner = claim(line("97110", 1), line("E0114", 2))
    assert run(mue_zero_not_payable, practitioner) == []


def test_dme_taxonomies_are_a_setting() -> None:
    prof = load_profile('[defaults.mue]\ndme_taxonomies = ["332BX2000X"]\n', [MUE_SECTION])
    c = claim(line("E0114", 2), billing_taxonomy="332BX2000X")
    [finding] = run(mai2_day_units_over_policy_mue, c, prof)
    assert finding.table_row is not None and finding.table_row.table == "mue/medicare/dme"


def test_attachment_available_on_request_has_no_control_number() -> None:
    prof = profile(attachment_transmission="AA")
    [finding] = run(mai3_day_units_over_clinical_mue, claim(line("99213", 4)), prof)
    attachment = finding.fixes[0]
    assert isinstance(attachment, RequestAttachment)
    assert (attachment.transmission, attachment.control_number) == ("AA", None)


def test_split_needs_room_for_the_modifier() -> None:
    c = claim(line("99601", 6, "59", "76", "77", "91"), program="medicaid")
    [finding] = run(medicaid_units_over_mue, c, profile(medicaid_action="split"))
    assert finding.fixes == ()
    assert "not split" in finding.message and finding.severity is Severity.ERROR


def test_split_keeps_an_x12_claim_within_50_lines() -> None:
    lines = [line("99213", 1) for _ in range(49)] + [line("97110", 9)]
    c = claim(*lines, source=SourceRef(locator="segment 1", format="x12", max_lines=50))
    prof = profile(mai1_action="split")
    [finding] = run(mai1_line_units_over_mue, c, prof)
    assert finding.fixes == () and "would pass 50 lines" in finding.message


def test_messages_name_claim_and_lines_but_no_patient() -> None:
    c = claim(line("99213", 4), patient_key="PATIENT-SECRET", subscriber_key="MEMBER-SECRET")
    for item in (mai3_day_units_over_clinical_mue, mue_no_data):
        for finding in run(item, c):
            assert "SECRET" not in finding.message
