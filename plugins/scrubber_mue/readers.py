"""Containers of the CMS MUE tables: CSV, XLSX, tab-delimited TXT and the quarterly ZIP.

Sans-IO: bytes in, ``ParsedTable`` out; nothing is extracted to disk. Facts each reader
rests on (domain.md §1.3, §1.6):

- CSV: Latin-1/cp1252 (the ``®`` in the AMA notice breaks strict UTF-8 readers), CRLF
  between records, the notice is one quoted multi-line cell followed by ``,,,``.
- XLSX: the same four columns; the notice sits in row 1 in most workbooks, not in all.
- TXT (Medicaid): tab-delimited Latin-1, notice row, header row, no indicator column.
- ZIP: one quarter; Medicare ZIPs hold the same table as XLSX and CSV plus a "Changes"
  workbook. The CSV is read (the XLSX when there is no CSV); change reports are skipped.

ZIP safety (DESIGN §10): members with absolute paths or ``..`` are refused, as are members
over ``MAX_MEMBER_BYTES`` uncompressed (checked while reading, not only from the header) and
ZIPs with more than ``MAX_MEMBERS`` entries.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
import zipfile
from collections.abc import Iterator

from scrubber.errors import TableError
from scrubber.tables import ImportHints, ParsedTable
from scrubber_mue.layout import HEADER_SEARCH_ROWS, RawRow, build_table, is_header
from scrubber_mue.names import read_name

__all__ = ["MAX_MEMBERS", "MAX_MEMBER_BYTES", "looks_like_mue", "parse_mue_file"]

MAX_MEMBER_BYTES = 50 * 1024 * 1024  # a full CMS MUE CSV is about 1 MB; 50 MB is generous
MAX_MEMBERS = 100  # a quarterly ZIP holds a handful of files
_TABLE_SUFFIXES = (".csv", ".txt", ".xlsx")
_PREFERENCE = {".csv": 0, ".xlsx": 1, ".txt": 2}  # same table in two layouts: read the CSV
_ZIP_MAGIC = b"PK\x03\x04"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _suffix(name: str) -> str:
    lowered = name.lower()
    for suffix in (*_TABLE_SUFFIXES, ".zip"):
        if lowered.endswith(suffix):
            return suffix
    return ""


def decode_text(data: bytes) -> str:
    """UTF-8 when the bytes are valid UTF-8 (a re-saved file), else cp1252 as CMS publishes,
    else Latin-1 (which decodes any byte)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _delimited_rows(data: bytes, delimiter: str, where: str) -> Iterator[RawRow]:
    reader = csv.reader(io.StringIO(decode_text(data), newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield RawRow(number=number, cells=tuple(cells))
    except csv.Error as exc:
        raise TableError(
            f"not a readable table ({exc})", source=where, position=f"row {number + 1}"
        ) from None


def _xlsx_cell(value: object) -> str:
    """Cell values as the CSV would show them: whole numbers without ``.0``; a numeric code
    cell (``100`` for anesthesia code ``00100``) is padded by the layout check, not here."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_archive(archive: zipfile.ZipFile, where: str) -> None:
    entries = archive.infolist()
    if len(entries) > MAX_MEMBERS:
        raise TableError(f"archive has {len(entries)} entries (limit {MAX_MEMBERS})", source=where)
    for info in entries:
        name = info.filename
        parts = re.split(r"[/\\]", name)
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            raise TableError(f"archive entry {name!r} points outside the archive", source=where)
        if info.file_size > MAX_MEMBER_BYTES:
            raise TableError(
                f"archive entry {name!r} is {info.file_size} bytes uncompressed "
                f"(limit {MAX_MEMBER_BYTES})",
                source=where,
            )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
    """Read at most the limit + 1 bytes, so a member whose header lies about its size is
    still caught before it fills memory."""
    try:
        with archive.open(info) as stream:
            data = stream.read(MAX_MEMBER_BYTES + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
        raise TableError(
            f"cannot read archive entry {info.filename!r} ({exc})", source=where
        ) from None
    if len(data) > MAX_MEMBER_BYTES:
        raise TableError(
            f"archive entry {info.filename!r} is over {MAX_MEMBER_BYTES} bytes uncompressed",
            source=where,
        )
    return data


def _open_zip(data: bytes, where: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise TableError(f"not a readable ZIP archive ({exc})", source=where) from None


def _xlsx_rows(data: bytes, where: str) -> Iterator[RawRow]:
    # An XLSX is itself a ZIP: apply the same size limits before openpyxl inflates it.
    with _open_zip(data, where) as archive:
        _check_archive(archive, where)
    import openpyxl  # imported here: only XLSX imports need it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it cannot read
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise TableError(f"not a readable XLSX workbook ({exc})", source=where) from None
    try:
        for sheet in workbook.worksheets:
            rows = [
                RawRow(number=n, cells=tuple(_xlsx_cell(v) for v in values))
                for n, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
            if any(is_header(r.cells) for r in rows[:HEADER_SEARCH_ROWS]):
                yield from rows
                return
        raise TableError("no worksheet holds an MUE header row", source=where)
    finally:
        workbook.close()


def _pad_numeric_codes(rows: Iterator[RawRow]) -> Iterator[RawRow]:
    """Excel stores a code such as ``00100`` as the number 100; put the zeros back."""
    for row in rows:
        first = row.cells[0] if row.cells else ""
        if first.isascii() and first.isdigit() and len(first) < 5:
            yield RawRow(number=row.number, cells=(first.zfill(5), *row.cells[1:]))
        else:
            yield row


def _parse_single(name: str, data: bytes, hints: ImportHints, container: str | None) -> ParsedTable:
    where = name if container is None else f"{container}/{name}"
    suffix = _suffix(name)
    if not data.strip():
        raise TableError("the file is empty", source=where)
    if suffix == ".xlsx" or data.startswith(_ZIP_MAGIC):
        rows: Iterator[RawRow] = _pad_numeric_codes(_xlsx_rows(data, where))
    elif suffix == ".txt" or (suffix != ".csv" and b"\t" in data[:8192]):
        rows = _delimited_rows(data, "\t", where)
    else:
        rows = _delimited_rows(data, ",", where)
    return build_table(
        rows, file_name=name, container_name=container, sha256=_sha256(data), hints=hints
    )


def _parse_zip(name: str, data: bytes, hints: ImportHints) -> list[ParsedTable]:
    with _open_zip(data, name) as archive:
        _check_archive(archive, name)
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and _suffix(info.filename) in _TABLE_SUFFIXES
            and not info.filename.startswith("__MACOSX")
            and "change" not in info.filename.lower()  # the quarter's change report
        ]
        # The same table as CSV and XLSX: keep one member per (program, service type, date).
        chosen: dict[tuple[object, ...], zipfile.ZipInfo] = {}
        for info in sorted(members, key=lambda i: _PREFERENCE[_suffix(i.filename)]):
            facts = read_name(info.filename)
            key: tuple[object, ...] = (facts.program, facts.service_type, facts.effective)
            if None in key:
                key = (*key, info.filename)  # the name does not tell: read it on its own
            chosen.setdefault(key, info)
        tables = [
            _parse_single(info.filename, _read_member(archive, info, name), hints, name)
            for info in sorted(chosen.values(), key=lambda i: i.filename)
        ]
    if not tables:
        raise TableError("the ZIP holds no MUE table (no .csv, .xlsx or .txt member)", source=name)
    families = [(t.info.family, t.info.effective) for t in tables]
    if len(set(families)) != len(families):
        raise TableError(
            "the ZIP holds two different files for the same table and quarter", source=name
        )
    return tables


def parse_mue_file(file_name: str, data: bytes, hints: ImportHints) -> list[ParsedTable]:
    """Every MUE table in *data*: one for a CSV, XLSX or TXT, one per table in a ZIP."""
    if _suffix(file_name) == ".zip" or (
        data.startswith(_ZIP_MAGIC) and _suffix(file_name) != ".xlsx" and not _is_xlsx(data)
    ):
        return _parse_zip(file_name, data, hints)
    return [_parse_single(file_name, data, hints, None)]


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def looks_like_mue(file_name: str, head: bytes) -> bool:
    """An MUE file by its name (``mue`` in it and a table or ZIP suffix), or a CSV/TXT whose
    first bytes carry an MUE header."""
    squashed = re.sub(r"[^a-z0-9]", "", file_name.lower())
    if _suffix(file_name) and "mue" in squashed:
        return True
    text = " ".join(head.decode("latin-1").split()).lower()
    return "mue value" in text and ("hcpcs" in text or "cpt" in text)
