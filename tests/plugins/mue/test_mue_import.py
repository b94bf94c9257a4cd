"""Importing the CMS MUE tables: the real excerpt, every layout by hand, malformed files,
ZIP safety, provenance and the store round trip."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from mue_files import NAME, NO_HINTS, medicaid_txt, medicare_csv, values, workbook, zipped

from scrubber._errors import TableError
from scrubber._manager import collect_importers, make_plugin_manager
from scrubber._store import TableStore
from scrubber._tables import ImportHints
from scrubber_mue import MUE_IMPORTER
from scrubber_mue.names import read_name
from scrubber_mue.readers import parse_mue_file

EXCERPT = "mue/MCR_MUE_PractitionerServices_Eff_07-01-2026.excerpt.csv"
# --- the real CMS excerpt -------------------------------------------------------------------


def test_real_practitioner_excerpt_imports_44_rows_with_provenance(corpus_dir: Path) -> None:
    data = (corpus_dir / EXCERPT).read_bytes()
    [table] = parse_mue_file(Path(EXCERPT).name, data, NO_HINTS)
    info = table.info
    assert (info.kind, info.program, info.service_type) == ("mue", "medicare", "practitioner")
    assert info.effective == date(2026, 7, 1)
    assert info.rows == len(table.rows) == 44
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert values(table, "0001U") == {
        "value": "1",
        "mai": "2",
        "mai_text": "2 Date of Service Edit: Policy",
        "rationale": "Code Descriptor / CPT Instruction",
    }
    assert values(table, "0002M")["mai"] == "3"
    assert values(table, "0002M")["rationale"] == "Nature of Analyte"
    assert [r.key for r in table.rows][:2] == ["0001U", "0002M"]
    assert table.rows[-1].key == "0041U"


def test_importer_recognizes_the_real_excerpt_by_name_and_content(corpus_dir: Path) -> None:
    head = (corpus_dir / EXCERPT).read_bytes()[:4096]
    assert MUE_IMPORTER.recognizes(Path(EXCERPT).name, head)
    assert MUE_IMPORTER.recognizes("table.csv", head)  # no "mue" in the name: the header tells
    assert not MUE_IMPORTER.recognizes("claims.837", b"ISA*00*          *00*")


def test_importer_is_registered_by_the_builtin_plugin() -> None:
    pm = make_plugin_manager(
        entrypoints=False, blocked=("scrubber_infusion", "scrubber_x12", "scrubber_fhir")
    )
    importers = collect_importers(pm)
    assert any(i.name == "cms-mue" and i.kind == "mue" for i in importers)


# --- file names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "program", "service_type", "effective"),
    [
        (
            "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv",
            "medicare",
            "practitioner",
            (2026, 7, 1),
        ),
        (
            "MCR_MUE_OutpatientHospitalServices_Eff_10-01-2026.xlsx",
            "medicare",
            "outpatient",
            (2026, 10, 1),
        ),
        ("MCR_MUE_DMESupplierServices_Eff_04-01-2026.csv", "medicare", "dme", (2026, 4, 1)),
        (
            "MCD-MUE-PractitionerServices-Effective_07012026.txt",
            "medicaid",
            "practitioner",
            (2026, 7, 1),
        ),
        (
            "medicaid-ncci-q1-2026-mue-edits-practitioner-services.zip",
            "medicaid",
            "practitioner",
            (2026, 1, 1),
        ),
        (
            "medicare-ncci-2026-q3-practitioner-services-mue-table.zip",
            "medicare",
            "practitioner",
            (2026, 7, 1),
        ),
        (
            "practitionerservicesmuetable-effective-07-01-2026.zip",
            None,
            "practitioner",
            (2026, 7, 1),
        ),
        (
            "facilityoutpatienthospitalservicesmuetable-effective-10-01-2026",
            None,
            "outpatient",
            (2026, 10, 1),
        ),
        ("mue.csv", None, None, None),
    ],
)
def test_file_names_tell_program_service_type_and_date(
    name: str, program: str | None, service_type: str | None, effective: tuple[int, int, int] | None
) -> None:
    facts = read_name(name)
    assert facts.program == program
    assert facts.service_type == service_type
    assert facts.effective == (date(*effective) if effective else None)


def test_hints_fill_what_the_name_does_not_tell() -> None:
    data = medicare_csv("99213,3,3 Date of Service Edit: Clinical,Clinical: Data")
    hints = ImportHints(program="medicare", effective=date(2026, 4, 1))
    [table] = parse_mue_file("mue.csv", data, hints)
    # the service type comes from the "Practitioner Services MUE Values" header
    assert (table.info.program, table.info.service_type) == ("medicare", "practitioner")
    assert table.info.effective == date(2026, 4, 1)


def test_file_name_wins_over_hints() -> None:
    data = medicare_csv("99213,3,3 Date of Service Edit: Clinical,Clinical: Data")
    hints = ImportHints(program="medicaid", effective=date(2020, 1, 1))
    [table] = parse_mue_file("MCR_MUE_PractitionerServices_Eff_07-01-2026.csv", data, hints)
    assert (table.info.program, table.info.effective) == ("medicare", date(2026, 7, 1))


@pytest.mark.parametrize(
    ("hints", "missing"),
    [
        (ImportHints(effective=date(2026, 1, 1)), "program"),
        (ImportHints(program="medicare"), "effective"),
    ],
)
def test_a_name_and_hints_that_do_not_tell_are_a_clear_error(
    hints: ImportHints, missing: str
) -> None:
    data = medicare_csv("99213,3,3 Date of Service Edit: Clinical,Clinical: Data")
    with pytest.raises(TableError, match=missing) as raised:
        parse_mue_file("table.csv", data, hints)
    assert raised.value.source == "table.csv"


# --- each layout ----------------------------------------------------------------------------


def test_medicare_csv_with_loose_headers_and_crlf_in_the_header_cell() -> None:
    header = (
        '"  hcpcs/\r\ncpt   CODE ",practitioner services  MUE values,'
        "MUE  Adjudication Indicator,mue rationale"
    )
    data = medicare_csv(
        "97110,4,1 Line Edit,Clinical: Data",
        "J1100,120,3 Date of Service Edit: Clinical,Prescribing   Information",
        header=header,
    )
    [table] = parse_mue_file("MCR_MUE_PractitionerServices_Eff_07-01-2026.csv", data, NO_HINTS)
    assert values(table, "97110") == {
        "value": "4",
        "mai": "1",
        "mai_text": "1 Line Edit",
        "rationale": "Clinical: Data",
    }
    assert values(table, "J1100")["rationale"] == "Prescribing Information"


def test_medicare_csv_without_a_notice_row() -> None:
    data = medicare_csv("97110,4,1 Line Edit,Clinical: Data", notice=None)
    [table] = parse_mue_file("MCR_MUE_PractitionerServices_Eff_07-01-2026.csv", data, NO_HINTS)
    assert [r.key for r in table.rows] == ["97110"]


def test_medicare_xlsx_with_the_notice_in_row_one() -> None:
    data = workbook(
        [
            ["Synthetic notice for a test.\n\nNot CMS data.", None, None, None],
            [
                "HCPCS/\nCPT Code",
                "DME Supplier Services MUE Values",
                "MUE Adjudication Indicator",
                "MUE Rationale",
            ],
            ["E0114", 1, "2 Date of Service Edit: Policy", "Nature of Equipment"],
            ["A4253", 3.0, "3 Date of Service Edit: Clinical", "Clinical: Data"],
            [100, 1, "2 Date of Service Edit: Policy", "Anatomic Consideration"],
        ]
    )
    [table] = parse_mue_file("MCR_MUE_DMESupplierServices_Eff_07-01-2026.xlsx", data, NO_HINTS)
    assert (table.info.service_type, table.info.rows) == ("dme", 3)
    assert values(table, "A4253")["value"] == "3"
    assert (
        values(table, "00100")["rationale"] == "Anatomic Consideration"
    )  # Excel dropped the zeros
    assert table.info.sha256 == hashlib.sha256(data).hexdigest()


def test_medicare_xlsx_without_a_notice_row() -> None:
    data = workbook(
        [
            [
                "HCPCS/\nCPT Code",
                "Practitioner Services MUE Values",
                "MUE Adjudication Indicator",
                "MUE Rationale",
            ],
            ["97110", 4, "1 Line Edit", "Clinical: Data"],
        ]
    )
    [table] = parse_mue_file("MCR_MUE_PractitionerServices_Eff_01-01-2026.xlsx", data, NO_HINTS)
    assert values(table, "97110")["mai"] == "1"


def test_medicaid_txt_has_no_indicator() -> None:
    data = medicaid_txt("99601\t4\tClinical: Medicaid Data", "99602\t2\tClinical: Medicaid Data")
    [table] = parse_mue_file("MCD-MUE-PractitionerServices-Effective_01012026.txt", data, NO_HINTS)
    assert (table.info.program, table.info.service_type) == ("medicaid", "practitioner")
    assert table.info.effective == date(2026, 1, 1)
    assert values(table, "99601") == {
        "value": "4",
        "mai": "",
        "mai_text": "",
        "rationale": "Clinical: Medicaid Data",
    }
    assert values(table, "99602")["value"] == "2"


def test_medicare_zip_reads_the_csv_once_and_skips_the_xlsx_twin_and_change_report() -> None:
    csv_data = medicare_csv("97110,4,1 Line Edit,Clinical: Data")
    xlsx_data = workbook(
        [
            [
                "HCPCS/\nCPT Code",
                "Practitioner Services MUE Values",
                "MUE Adjudication Indicator",
                "MUE Rationale",
            ],
            ["97110", 4, "1 Line Edit", "Clinical: Data"],
        ]
    )
    data = zipped(
        ("MCR_MUE_PractitionerServices_Eff_07-01-2026.xlsx", xlsx_data),
        ("MCR_MUE_PractitionerServices_Eff_07-01-2026.csv", csv_data),
        ("MCR_MUE_PractitionerServices_Changes_Eff_07-01-2026.xlsx", b"not read"),
        ("readme.pdf", b"%PDF-1.4"),
    )
    [table] = parse_mue_file(
        "medicare-ncci-2026-q3-practitioner-services-mue-table.zip", data, NO_HINTS
    )
    assert table.info.source_file == (
        "medicare-ncci-2026-q3-practitioner-services-mue-table.zip/"
        "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv"
    )
    assert table.info.sha256 == hashlib.sha256(csv_data).hexdigest()  # of the member


def test_medicare_zip_with_only_the_xlsx() -> None:
    xlsx_data = workbook(
        [
            ["notice"],
            [
                "HCPCS/\nCPT Code",
                "Outpatient Hospital Services MUE Values",
                "MUE Adjudication Indicator",
                "MUE Rationale",
            ],
            ["V5364", 0, "3 Date of Service Edit: Clinical", "CMS Policy"],
        ]
    )
    data = zipped(("MCR_MUE_OutpatientHospitalServices_Eff_10-01-2026.xlsx", xlsx_data))
    [table] = parse_mue_file(
        "facilityoutpatienthospitalservicesmuetable-effective-10-01-2026.zip", data, NO_HINTS
    )
    assert (table.info.service_type, values(table, "V5364")["value"]) == ("outpatient", "0")


def test_medicaid_zip_with_one_txt_per_service_type() -> None:
    data = zipped(
        (
            "MCD-MUE-PractitionerServices-Effective_01012026.txt",
            medicaid_txt("99601\t4\tClinical: Medicaid Data"),
        ),
        (
            "MCD-MUE-DMESupplierServices-Effective_01012026.txt",
            medicaid_txt("E0114\t1\tNature of Equipment"),
        ),
    )
    tables = parse_mue_file("medicaid-ncci-q1-2026-mue-edits.zip", data, NO_HINTS)
    assert sorted(t.info.name for t in tables) == ["mue/medicaid/dme", "mue/medicaid/practitioner"]


def test_every_sample_table_imports(samples_dir: Path) -> None:
    for path in sorted((samples_dir / "tables").iterdir()):
        [table] = parse_mue_file(path.name, path.read_bytes(), NO_HINTS)
        assert table.info.rows == len(table.rows) > 0


# --- the store ------------------------------------------------------------------------------


def test_store_round_trip_and_idempotent_import(corpus_dir: Path) -> None:
    data = (corpus_dir / EXCERPT).read_bytes()
    store = TableStore.open(":memory:")
    try:
        parsed = parse_mue_file(Path(EXCERPT).name, data, NO_HINTS)
        [first] = store.import_tables(parsed, imported_at="2026-11-01T00:00:00+00:00")
        [again] = store.import_tables(
            parse_mue_file(Path(EXCERPT).name, data, NO_HINTS),
            imported_at="2026-11-02T00:00:00+00:00",
        )
        assert (first.outcome, again.outcome) == ("added", "unchanged")
        [info] = store.list_tables()
        assert (info.rows, info.imported_at) == (44, "2026-11-01T00:00:00+00:00")
        tables = store.snapshot()
        hit = tables.lookup("mue", "medicare", "practitioner", "0002M", date(2026, 7, 15))
        assert hit is not None
        assert dict(hit.row.values) == values(parsed[0], "0002M")
        assert hit.table.sha256 == hashlib.sha256(data).hexdigest()
        assert tables.lookup("mue", "medicare", "practitioner", "0002M", date(2026, 6, 30)) is None
    finally:
        store.close()


def test_a_rejected_file_stores_nothing() -> None:
    store = TableStore.open(":memory:")
    try:
        with pytest.raises(TableError):
            store.import_tables(
                parse_mue_file(NAME, medicare_csv("97110,x,1 Line Edit,y"), NO_HINTS)
            )
        assert store.list_tables() == ()
    finally:
        store.close()


def test_medicaid_txt_needs_a_service_type_from_name_or_hint() -> None:
    data = medicaid_txt("99601\t4\tClinical: Medicaid Data")
    hints = ImportHints(program="medicaid", effective=date(2026, 1, 1))
    with pytest.raises(TableError, match="service type"):
        parse_mue_file("mue.txt", data, hints)
    with_type = ImportHints(program="medicaid", effective=date(2026, 1, 1), service_type="dme")
    [table] = parse_mue_file("mue.txt", data, with_type)
    assert table.info.name == "mue/medicaid/dme"
