"""Containers of the CMS MUE tables: CSV, XLSX, tab-delimited TXT and the quarterly ZIP.

Sans-IO: bytes in, ``ParsedTable`` out; nothing is extracted to disk. The importer streams:
each table's rows are read from the file only as the store inserts them. Facts each reader
rests on (the CMS MUE page and the file layouts it publishes; docs/mue.md):

- CSV: Latin-1/cp1252 (the ``®`` in the AMA notice breaks strict UTF-8 readers), CRLF
  between records, the notice is one quoted multi-line cell followed by ``,,,``.
- XLSX: the same four columns; the notice sits in row 1 in most workbooks, not in all.
- TXT (Medicaid): tab-delimited Latin-1, notice row, header row, no indicator column.
- ZIP: one quarter; Medicare ZIPs hold the same table as XLSX and CSV plus a "Changes"
  workbook. The CSV is read (the XLSX when there is no CSV); change reports are skipped.

Costs are bounded whatever the file claims: members with absolute paths or ``..`` are
refused, as are members over ``MAX_MEMBER_BYTES`` uncompressed, a ZIP whose members add up to
more than ``MAX_TOTAL_BYTES`` uncompressed (both checked while reading, not only from the
headers, which can lie), ZIPs with more than ``MAX_MEMBERS`` entries, and files holding more
than ``MAX_ROWS`` records in all (counted as they are read, so an oversized table is refused
before it fills memory). A full quarter of CMS MUE tables is about 32,000 rows and a few MB.

Excel's "Unicode text" export (UTF-16 with a byte-order mark, tab-delimited) is read like the
CSV/TXT it was saved from.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import re
import warnings
import zipfile
from collections.abc import Iterator

from scrubber import ImportHints, ParsedTable, TableError
from scrubber_mue.layout import HEADER_SEARCH_ROWS, RawRow, build_table, is_header
from scrubber_mue.names import read_name

__all__ = [
    "MAX_MEMBERS",
    "MAX_MEMBER_BYTES",
    "MAX_ROWS",
    "MAX_TOTAL_BYTES",
    "looks_like_mue",
    "parse_mue_file",
    "stream_mue_file",
]

MAX_MEMBER_BYTES = 50 * 1024 * 1024  # a full CMS MUE CSV is about 1 MB; 50 MB is generous
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # every member of one ZIP together, uncompressed
MAX_MEMBERS = 100  # a quarterly ZIP holds a handful of files
MAX_ROWS = 200_000  # records in one imported file; CMS tables hold about 15,000 each
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CHECK_CHUNK = 1 << 20
_HEAD_BYTES = 8192
_TABLE_SUFFIXES = (".csv", ".txt", ".xlsx")
_PREFERENCE = {".csv": 0, ".xlsx": 1, ".txt": 2}  # same table in two layouts: read the CSV
_ZIP_MAGIC = b"PK\x03\x04"


class _Budget:
    """What one imported file may still cost: uncompressed bytes and records."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.bytes_left = MAX_TOTAL_BYTES
        self.rows_left = MAX_ROWS

    def take_bytes(self, size: int, member: str) -> None:
        self.bytes_left -= size
        if self.bytes_left < 0:
            raise TableError(
                f"the archive's members add up to more than {MAX_TOTAL_BYTES} bytes"
                f" uncompressed (limit reached in {member!r})",
                source=self.where,
            )

    def rows(self, rows: Iterator[RawRow], where: str) -> Iterator[RawRow]:
        for row in rows:
            self.rows_left -= 1
            if self.rows_left < 0:
                raise TableError(
                    f"more than {MAX_ROWS} records in one file (a CMS MUE table holds about"
                    " 15,000); split the file or check that it is an MUE table",
                    source=where,
                    position=f"row {row.number}",
                )
            yield row


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _suffix(name: str) -> str:
    lowered = name.lower()
    for suffix in (*_TABLE_SUFFIXES, ".zip"):
        if lowered.endswith(suffix):
            return suffix
    return ""


def _decodes_as(data: bytes, encoding: str) -> bool:
    """Whether all of *data* decodes, checked a chunk at a time (no full-size copy)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for start in range(0, len(data), _CHECK_CHUNK):
            decoder.decode(data[start : start + _CHECK_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def text_encoding(data: bytes) -> str:
    """UTF-16 when the bytes start with its byte-order mark (Excel's "Unicode text"), UTF-8
    when they are valid UTF-8 (a re-saved file; ``utf-8-sig`` drops a BOM), else cp1252 as
    CMS publishes, else Latin-1 (which decodes any byte)."""
    if data.startswith(_UTF16_BOMS):
        return "utf-16"
    for encoding in ("utf-8-sig", "cp1252"):
        if _decodes_as(data, encoding):
            return encoding
    return "latin-1"


def _delimiter(head: str, suffix: str) -> str:
    """Tab or comma, as the header row shows (a tab-delimited export may be named .csv);
    without a header in sight, tab for .txt and comma otherwise."""
    for line in head.splitlines():
        if "mue value" in " ".join(line.split()).lower():
            return "\t" if "\t" in line else ","
    if suffix == ".txt" or (suffix != ".csv" and "\t" in head):
        return "\t"
    return ","


def _delimited_rows(data: bytes, suffix: str, where: str) -> Iterator[RawRow]:
    """Records decoded as they are read: the text of the file is never held whole."""
    encoding = text_encoding(data)
    head = data[:_HEAD_BYTES].decode(encoding, errors="ignore")
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=_delimiter(head, suffix))
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield RawRow(number=number, cells=tuple(cells))
    except csv.Error as exc:
        raise TableError(
            f"not a readable table ({exc})", source=where, position=f"row {number + 1}"
        ) from None
    except UnicodeDecodeError:
        raise TableError(
            f"not valid {encoding} text", source=where, position=f"row {number + 1}"
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
    total = sum(info.file_size for info in entries)
    if total > MAX_TOTAL_BYTES:
        raise TableError(
            f"archive members add up to {total} bytes uncompressed (limit {MAX_TOTAL_BYTES})",
            source=where,
        )
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


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, budget: _Budget
) -> bytes:
    """Read at most the limit + 1 bytes, so a member whose header lies about its size is
    still caught before it fills memory; what was read counts against the ZIP's total."""
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
    budget.take_bytes(len(data), info.filename)
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
            rows = (
                RawRow(number=n, cells=tuple(_xlsx_cell(v) for v in values))
                for n, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            )
            head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
            if any(is_header(r.cells) for r in head):
                yield from head
                yield from rows  # the rest, one row at a time
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


def _parse_single(
    name: str, data: bytes, hints: ImportHints, container: str | None, budget: _Budget
) -> ParsedTable:
    where = name if container is None else f"{container}/{name}"
    suffix = _suffix(name)
    if not data.strip():
        raise TableError("the file is empty", source=where)
    if suffix == ".xlsx" or data.startswith(_ZIP_MAGIC):
        rows: Iterator[RawRow] = _pad_numeric_codes(_xlsx_rows(data, where))
    else:
        rows = _delimited_rows(data, suffix, where)
    return build_table(
        budget.rows(rows, where),
        file_name=name,
        container_name=container,
        sha256=_sha256(data),
        hints=hints,
    )


def _parse_zip(name: str, data: bytes, hints: ImportHints, budget: _Budget) -> list[ParsedTable]:
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
            _parse_single(
                info.filename, _read_member(archive, info, name, budget), hints, name, budget
            )
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
    """Every MUE table in *data*, rows read and checked: one for a CSV, XLSX or TXT, one per
    table in a ZIP. ``stream_mue_file`` is the same without holding the rows in memory."""
    return [table.materialized() for table in stream_mue_file(file_name, data, hints)]


def stream_mue_file(file_name: str, data: bytes, hints: ImportHints) -> list[ParsedTable]:
    """Every MUE table in *data*, each with its header read and its rows still to be read:
    they are checked as they are consumed (once), a bad one raising ``TableError``. Name,
    header, size and member errors are raised here; the row limit as the rows are read."""
    budget = _Budget(file_name)
    if _suffix(file_name) == ".zip" or (
        data.startswith(_ZIP_MAGIC) and _suffix(file_name) != ".xlsx" and not _is_xlsx(data)
    ):
        return _parse_zip(file_name, data, hints, budget)
    return [_parse_single(file_name, data, hints, None, budget)]


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
    if head.startswith(_UTF16_BOMS):
        decoded = head[: len(head) - len(head) % 2].decode("utf-16", errors="ignore")
    else:
        decoded = head.decode("latin-1")
    text = " ".join(decoded.split()).lower()
    return "mue value" in text and ("hcpcs" in text or "cpt" in text)
