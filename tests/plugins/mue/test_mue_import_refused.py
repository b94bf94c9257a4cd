"""The MUE importer refuses a malformed table, naming the row, and an unsafe or empty ZIP,
storing nothing (test_mue_import.py: the files it reads)."""

from __future__ import annotations

import pytest
from mue_files import NAME, NO_HINTS, medicaid_txt, medicare_csv, zipped

from scrubber._errors import TableError
from scrubber_mue.readers import MAX_MEMBERS, parse_mue_file

# --- malformed files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message", "position"),
    [
        (b"", "empty", None),
        (b"just,some,text\r\n1,2,3\r\n", "no MUE header", None),
        (medicare_csv(), "no rows", None),
        (medicare_csv("97110,four,1 Line Edit,Clinical: Data"), "not a whole number", "row 3"),
        (medicare_csv("97110,-1,1 Line Edit,Clinical: Data"), "not a whole number", "row 3"),
        (medicare_csv("97110,2.5,1 Line Edit,Clinical: Data"), "not a whole number", "row 3"),
        (medicare_csv("97110,4,4 Something New,Clinical: Data"), "adjudication indicator", "row 3"),
        (medicare_csv("97110,4,,Clinical: Data"), "adjudication indicator", "row 3"),
        (medicare_csv("97110,4,1 Line Edit,x", "97110,5,1 Line Edit,x"), "appears twice", "row 4"),
        (medicare_csv("9711,4,1 Line Edit,x"), "not a 5-character", "row 3"),
        (medicare_csv(",4,1 Line Edit,x"), "not a 5-character", "row 3"),
    ],
)
def test_malformed_csv_is_rejected_naming_the_row(
    data: bytes, message: str, position: str | None
) -> None:
    with pytest.raises(TableError, match=message) as raised:
        parse_mue_file(NAME, data, NO_HINTS)
    assert raised.value.source == NAME
    assert raised.value.position == position


def test_medicare_table_without_the_indicator_column_is_rejected() -> None:
    data = medicare_csv(
        "97110,4,Clinical: Data", header='"HCPCS/\nCPT Code",MUE Values,MUE Rationale'
    )
    with pytest.raises(TableError, match="Adjudication Indicator"):
        parse_mue_file(NAME, data, NO_HINTS)


def test_damaged_xlsx_is_a_table_error() -> None:
    data = zipped(("xl/workbook.xml", b"<not really"))
    with pytest.raises(TableError):
        parse_mue_file("MCR_MUE_PractitionerServices_Eff_07-01-2026.xlsx", data, NO_HINTS)


def test_bad_member_rejects_the_whole_zip() -> None:
    data = zipped(
        ("MCD-MUE-PractitionerServices-Effective_01012026.txt", medicaid_txt("99601\t4\tok")),
        ("MCD-MUE-DMESupplierServices-Effective_01012026.txt", medicaid_txt("E0114\tone\tbad")),
    )
    with pytest.raises(TableError, match="whole number") as raised:
        parse_mue_file("medicaid-ncci-q1-2026-mue-edits.zip", data, NO_HINTS)
    assert raised.value.source == (
        "medicaid-ncci-q1-2026-mue-edits.zip/MCD-MUE-DMESupplierServices-Effective_01012026.txt"
    )
    assert raised.value.position == "row 3"


@pytest.mark.parametrize(
    "member",
    [
        "../MCR_MUE_PractitionerServices_Eff_07-01-2026.csv",
        "/etc/MCR_MUE.csv",
        "a/../../x.csv",
        "C:/x.csv",
    ],
)
def test_zip_members_outside_the_archive_are_refused(member: str) -> None:
    data = zipped((member, medicare_csv("97110,4,1 Line Edit,x")))
    with pytest.raises(TableError, match="outside the archive"):
        parse_mue_file("medicare-ncci-2026-q3-practitioner-services-mue-table.zip", data, NO_HINTS)


def test_zip_with_too_many_members_is_refused() -> None:
    data = zipped(*((f"notes/{n}.txt", b"x") for n in range(MAX_MEMBERS + 1)))
    with pytest.raises(TableError, match="entries"):
        parse_mue_file("medicare-ncci-2026-q3-practitioner-services-mue-table.zip", data, NO_HINTS)


def test_oversized_zip_member_is_refused_without_inflating_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("scrubber_mue.readers.MAX_MEMBER_BYTES", 1000)
    data = zipped((NAME, medicare_csv(*(f"{n:05d},1,1 Line Edit,x" for n in range(200)))))
    with pytest.raises(TableError, match="bytes uncompressed"):
        parse_mue_file("medicare-ncci-2026-q3-practitioner-services-mue-table.zip", data, NO_HINTS)


def test_zip_without_a_table_is_an_error() -> None:
    data = zipped(("readme.pdf", b"%PDF"))
    with pytest.raises(TableError, match="no MUE table"):
        parse_mue_file("medicare-ncci-2026-q3-practitioner-services-mue-table.zip", data, NO_HINTS)


def test_not_a_zip_is_an_error() -> None:
    with pytest.raises(TableError, match="ZIP"):
        parse_mue_file(
            "medicare-ncci-2026-q3-practitioner-services-mue-table.zip", b"PK\x03\x04junk", NO_HINTS
        )
