"""What one imported file may cost: total uncompressed size and records are capped, and
Excel's "Unicode text" (UTF-16) export is read like the CSV it was saved from."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from mue_files import zipped

import scrubber._cli as cli
from scrubber._errors import TableError
from scrubber._store import TableStore
from scrubber._tables import ImportHints
from scrubber_mue.readers import parse_mue_file

NO_HINTS = ImportHints()
ZIP_NAME = "medicare-ncci-2026-q3-practitioner-services-mue-table.zip"
MEMBER = "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv"
HEADER = ["HCPCS/\nCPT Code", "Practitioner Services MUE Values", "MUE Adjudication Indicator"]


def records(*rows: tuple[str, ...], delimiter: str = ",") -> str:
    def cell(text: str) -> str:
        return f'"{text}"' if "\n" in text or delimiter in text else text

    lines = ["Synthetic notice, not CMS data.", *(delimiter.join(map(cell, r)) for r in rows)]
    return "\r\n".join(lines) + "\r\n"


ROWS = [("97110", "4", "2 Date of Service Edit: Policy"), ("99601", "1", "3 Clinical")]


@pytest.mark.parametrize("name", [MEMBER.replace(".csv", ".txt"), MEMBER])
def test_excel_unicode_text_export_is_read(name: str) -> None:
    """Excel's "Unicode text": UTF-16LE with a byte-order mark, tab-delimited, CRLF; users
    keep the .txt name or rename it .csv."""
    data = records(tuple(HEADER), *ROWS, delimiter="\t").encode("utf-16")
    assert data.startswith(b"\xff\xfe")
    [table] = parse_mue_file(name, data, NO_HINTS)
    assert {r.key: dict(r.values)["value"] for r in table.rows} == {"97110": "4", "99601": "1"}
    assert dict(table.rows[0].values)["mai"] == "2"


def test_utf16_comma_separated_is_read_too() -> None:
    data = records(tuple(HEADER), *ROWS).encode("utf-16-be")
    [table] = parse_mue_file(MEMBER, b"\xfe\xff" + data, NO_HINTS)
    assert [r.key for r in table.rows] == ["97110", "99601"]


def test_utf16_file_is_recognised_by_its_header(tmp_path: Path) -> None:
    src = tmp_path / "export.txt"  # no "mue" in the name: the header must tell
    src.write_bytes(records(tuple(HEADER), *ROWS, delimiter="\t").encode("utf-16"))
    db = tmp_path / "t.db"
    argv = ["tables", "import", str(src), "--tables", str(db), "--effective", "2026-07-01"]
    assert cli.main([*argv, "--program", "medicare", "--service-type", "practitioner"]) == 0


def test_zip_members_adding_up_past_the_total_are_refused(monkeypatch) -> None:
    monkeypatch.setattr("scrubber_mue.readers.MAX_TOTAL_BYTES", 5000)
    body = records(tuple(HEADER), *((f"{n:05d}", "1", "1 Line Edit") for n in range(90)))
    members = [(f"notes/{n}.csv", body.encode()) for n in range(3)]  # each under the total
    assert all(len(data) < 5000 for _name, data in members)
    with pytest.raises(TableError, match=r"add up to .* bytes uncompressed"):
        parse_mue_file(ZIP_NAME, zipped(*members), NO_HINTS)


def test_too_many_records_are_refused_as_they_are_read(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr("scrubber_mue.readers.MAX_ROWS", 50)
    rows = ((f"{n:05d}", "1", "1 Line Edit") for n in range(60))
    src = tmp_path / MEMBER
    src.write_text(records(tuple(HEADER), *rows), encoding="latin-1")
    db = tmp_path / "t.db"
    assert cli.main(["tables", "import", str(src), "--tables", str(db)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"scrubber: {src}, row 51: more than 50 records in one file")
    if db.exists():  # nothing half-imported
        assert TableStore.open(db, create=False).list_tables() == ()


def test_the_record_cap_counts_every_table_of_a_zip(monkeypatch) -> None:
    monkeypatch.setattr("scrubber_mue.readers.MAX_ROWS", 50)
    body = records(tuple(HEADER), *((f"{n:05d}", "1", "1 Line Edit") for n in range(30)))
    data = zipped(
        (MEMBER, body.encode()),
        (
            MEMBER.replace("Practitioner", "DMESupplier"),
            body.replace("Practitioner", "DME Supplier").encode(),
        ),
    )
    with pytest.raises(TableError, match="more than 50 records"):
        parse_mue_file(ZIP_NAME, data, NO_HINTS)


def test_an_mue_value_of_thousands_of_digits_is_bad_input(tmp_path: Path, capsys) -> None:
    src = tmp_path / MEMBER
    src.write_text(records(tuple(HEADER), ("97110", "9" * 5000, "1 Line Edit")), encoding="latin-1")
    assert cli.main(["tables", "import", str(src), "--tables", str(tmp_path / "t.db")]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == (
        f"scrubber: {src}, row 3: MUE value for 97110 has 5000 digits"
        " (at most 9: no MUE comes near a billion units)"
    )


def test_rows_stream_from_the_importer_into_the_store(tmp_path: Path, capsys) -> None:
    """The registered importer hands the store rows still to be read; the store counts them."""
    from scrubber_mue import MUE_IMPORTER
    from scrubber_mue.readers import stream_mue_file

    assert MUE_IMPORTER.parse is stream_mue_file
    data = records(tuple(HEADER), *ROWS).encode()
    [table] = stream_mue_file(MEMBER, data, NO_HINTS)
    assert not isinstance(table.rows, tuple) and table.info.rows == 0
    store = TableStore.open(tmp_path / "t.db", create=True)
    [outcome] = store.import_tables([table])
    assert (outcome.outcome, outcome.table.rows) == ("added", 2)
    assert outcome.table.sha256 == hashlib.sha256(data).hexdigest()
    [stored] = store.list_tables()
    assert stored.rows == 2


def test_a_bad_row_half_way_leaves_the_store_as_it_was(tmp_path: Path, capsys) -> None:
    """Rows already inserted are rolled back: the version imported before is kept whole."""
    many_rows = [(f"{n:05d}", "1", "1 Line Edit") for n in range(12_000)]
    good = tmp_path / MEMBER
    good.write_text(records(tuple(HEADER), *ROWS), encoding="latin-1")
    db = tmp_path / "t.db"
    assert cli.main(["tables", "import", str(good), "--tables", str(db)]) == 0
    capsys.readouterr()
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = bad_dir / MEMBER  # the same quarter, corrected: it would replace the version
    bad.write_text(
        records(tuple(HEADER), *many_rows, ("97110", "x", "1 Line Edit")),
        encoding="latin-1",
    )
    assert cli.main(["tables", "import", str(bad), "--tables", str(db)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"scrubber: {bad}, row 12003: MUE value 'x' for 97110")
    store = TableStore.open(db, create=False)
    [info] = store.list_tables()
    assert info.rows == 2 and info.sha256 == hashlib.sha256(good.read_bytes()).hexdigest()
    assert set(store.load_rows(info)) == {"97110", "99601"}


def test_several_files_in_one_import_are_all_or_nothing(tmp_path: Path, capsys) -> None:
    first = tmp_path / MEMBER
    first.write_text(records(tuple(HEADER), *ROWS), encoding="latin-1")
    second = tmp_path / MEMBER.replace("Practitioner", "DMESupplier")
    dup = records(tuple(HEADER), ("E0100", "1", "1 Line Edit"), ("E0100", "2", "1 Line Edit"))
    second.write_text(dup.replace("Practitioner", "DME Supplier"), encoding="latin-1")
    db = tmp_path / "t.db"
    assert cli.main(["tables", "import", str(first), str(second), "--tables", str(db)]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # nothing reported as added: nothing was
    [line] = err.splitlines()
    assert line.startswith(f"scrubber: {second}, row 4: code E0100 appears twice")
    assert not db.exists()  # a failed first import leaves no (empty) store behind
    missing = tmp_path / "MCR_MUE_OutpatientHospitalServices_Eff_07-01-2026.csv"
    assert cli.main(["tables", "import", str(first), str(missing), "--tables", str(db)]) == 2
    assert not db.exists()
    assert cli.main(["tables", "import", str(first), "--tables", str(db)]) == 0
    assert [t.rows for t in TableStore.open(db, create=False).list_tables()] == [2]
