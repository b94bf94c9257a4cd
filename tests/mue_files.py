"""Hand-made CMS MUE files for the importer tests (no CMS data): the Medicare CSV with its
notice row and two-line header, the Medicaid tab-separated text, ZIPs and workbooks."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from scrubber._tables import ImportHints, ParsedTable

__all__ = [
    "HEADER",
    "NAME",
    "NOTICE",
    "NO_HINTS",
    "medicaid_txt",
    "medicare_csv",
    "values",
    "workbook",
    "zipped",
]

NO_HINTS = ImportHints()
#: A Medicare practitioner table's CSV name, as CMS names the file.
NAME = "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv"

NOTICE = (
    '"Synthetic notice for a claim-scrubber test, not CMS data.\n\n'
    'CPT\u00ae is a registered trademark of the American Medical Association.",,,'
)
HEADER = (
    '"HCPCS/\nCPT Code",Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale'
)


def medicare_csv(*rows: str, header: str = HEADER, notice: str | None = NOTICE) -> bytes:
    records = ([notice] if notice else []) + [header, *rows]
    return ("\r\n".join(records) + "\r\n").encode("latin-1")


def medicaid_txt(*rows: str) -> bytes:
    records = [
        "Synthetic Medicaid notice, not CMS data. CPT\u00ae is a trademark of the AMA.",
        "HCPCS/CPT Code\tMUE Values\tMUE Rationale",
        *rows,
    ]
    return ("\r\n".join(records) + "\r\n").encode("latin-1")


def values(table: ParsedTable, code: str) -> dict[str, str]:
    [row] = [r for r in table.rows if r.key == code]
    return dict(row.values)


def zipped(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
