"""``scrubber tables import | list | show``: the reference-table commands of the CLI.

``import`` picks the importer that recognises each file by its name and first bytes; a ZIP
whose own name says nothing (``download.zip``) is recognised by the names and first bytes of
its members, so a renamed quarterly CMS archive still imports. Every file named is recognised
before the store is opened; then all of them are imported in one transaction, each file read
only when its turn comes and its rows streamed into the store, so a bad row in any file leaves
the store as it was and nothing is reported as imported. ``list`` and ``show`` read the
store only and load no plugin, so a broken plugin never hides what the store holds. ``show``
says which of the two reasons applies when it finds nothing: no table in force on the date,
or a table in force without a row for the code (what the MUE edits report as no data).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from scrubber._errors import ScrubberError, TableError
from scrubber._store import TableStore
from scrubber._tables import (
    ImportHints,
    ParsedTable,
    ReferenceTables,
    TableImporter,
    TableInfo,
    TableRow,
)

__all__ = ["find_importer", "hint_notes", "tables_import", "tables_list", "tables_show"]

HEAD = 4096
_ZIP_MAGIC = b"PK\x03\x04"
MAX_MEMBERS_LOOKED_AT = 100  # a quarterly archive holds a handful of files


def _member_heads(data: bytes) -> list[tuple[str, bytes]]:
    """(base name, first bytes) of each member of a ZIP; nothing for anything else.

    Only the first ``HEAD`` bytes of a member are inflated, so this costs nothing on a large
    or hostile archive; the importer applies its own limits when it parses the file.
    """
    if not data.startswith(_ZIP_MAGIC):
        return []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            heads = []
            for info in archive.infolist()[:MAX_MEMBERS_LOOKED_AT]:
                if info.is_dir():
                    continue
                with archive.open(info) as member:
                    heads.append((os.path.basename(info.filename), member.read(HEAD)))
            return heads
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError):
        return []


def find_importer(
    importers: Sequence[TableImporter], name: str, data: bytes
) -> TableImporter | None:
    """The importer that recognises *name*, or, for a ZIP, one of its members."""
    base = os.path.basename(name)
    for importer in importers:
        if importer.recognizes(base, data[:HEAD]):
            return importer
    for member, head in _member_heads(data):
        for importer in importers:
            if importer.recognizes(member, head):
                return importer
    return None


def hint_notes(hints: ImportHints, table: TableInfo) -> list[str]:
    """What was used where the command line and the file name disagree, and why.

    CMS dates and labels each MUE file only in its name (the rows carry no effective date), so
    an importer takes the name's facts first and the command line's only where the name is
    silent. Without a word, a mistyped ``--effective`` would seem to have been applied."""
    notes = []
    if hints.effective is not None and hints.effective != table.effective:
        notes.append(
            f"effective date {table.effective} taken from the file name, not --effective "
            f"{hints.effective}: CMS dates each MUE file in its name, which wins over the "
            "option (the option is for files whose name carries no date)"
        )
    for option, given, used in (
        ("--program", hints.program, table.program),
        ("--service-type", hints.service_type, table.service_type),
    ):
        if given is not None and given != used:
            notes.append(f"{used} taken from the file name, not {option} {given}")
    return notes


def tables_import(
    args: argparse.Namespace, importers: Sequence[TableImporter], store_path: Path
) -> int:
    for given, option, known in (
        (args.program, "--program", {p for i in importers for p in i.programs}),
        (args.service_type, "--service-type", {t for i in importers for t in i.service_types}),
    ):
        if given is not None and given not in known:
            raise ScrubberError(
                f"{option} {given!r} is not known to any installed importer "
                f"({', '.join(sorted(known)) or 'none'})"
            )
    hints = ImportHints(
        program=args.program, service_type=args.service_type, effective=args.effective
    )
    for name in args.files:  # a file no importer takes is refused before a store is made
        _recognised(importers, name)
    # one transaction: every file, or none if one fails; a new store appears only on success
    done = TableStore.import_into(store_path, lambda: _read_files(args.files, importers, hints))
    for name, outcomes in zip(args.files, done, strict=True):
        for outcome in outcomes:
            t = outcome.table
            print(
                f"{outcome.outcome:9} {t.name} effective {t.effective}:"
                f" {t.rows} rows from {os.path.basename(name)}"
            )
            for note in hint_notes(hints, t):
                print(f"note: {os.path.basename(name)}: {note}", file=sys.stderr)
    return 0


def _read_files(
    names: Sequence[str], importers: Sequence[TableImporter], hints: ImportHints
) -> Iterator[list[ParsedTable]]:
    """Each file's tables, read one file at a time as the store asks for them; a table's
    rows stream from the importer into the store. Errors name the file given."""
    for name in names:
        data, importer = _recognised(importers, name)
        try:
            tables = list(importer.parse(os.path.basename(name), data, hints))
        except TableError as exc:
            exc.source = name
            raise
        yield [replace(table, rows=_named(table.rows, name)) for table in tables]


def _recognised(importers: Sequence[TableImporter], name: str) -> tuple[bytes, TableImporter]:
    """The file's bytes and the importer that recognises it; a ``TableError`` if none does."""
    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        raise TableError(f"cannot read: {exc.strerror}", source=name) from None
    importer = find_importer(importers, name, data)
    if importer is None:
        raise TableError(
            "no installed importer recognises this file (nor any member of it, for a ZIP)",
            source=name,
        )
    return data, importer


def _named(rows: Iterable[TableRow], name: str) -> Iterator[TableRow]:
    """*rows*, with a ``TableError`` raised while reading them naming the file given."""
    try:
        yield from rows
    except TableError as exc:
        exc.source = name
        raise


def _info_json(info: TableInfo) -> dict[str, Any]:
    return dict(info.as_dict())


def tables_list(args: argparse.Namespace, store_path: Path) -> int:
    store = TableStore.open(store_path, create=False)
    infos = store.list_tables()
    if args.json:
        print(json.dumps({"store": str(store_path), "tables": [_info_json(i) for i in infos]}))
        return 0
    if not infos:
        print(f"no tables in {store_path}")
    for info in infos:
        print(
            f"{info.name:32} effective {info.effective}  {info.rows:>6} rows  "
            f"{info.source_file}  sha256 {info.sha256[:12]}  imported {info.imported_at}"
        )
    return 0


def tables_show(args: argparse.Namespace, store_path: Path, today: Callable[[], date]) -> int:
    """Each table family's answer for CODE on the date: its row, no row, or no table."""
    store = TableStore.open(store_path, create=False)
    snapshot = store.snapshot()
    code = args.code.upper()
    on = args.date or today()
    families = sorted(
        {i.family for i in snapshot.tables() if not args.program or i.program == args.program}
    )
    answers = [_answer(snapshot, family, code, on) for family in families]
    if args.json:
        print(json.dumps({"code": code, "date": on.isoformat(), "tables": answers}))
        return 0
    if not answers:
        which = f" for {args.program}" if args.program else ""
        print(f"{code}: no tables{which} in {store_path}; import the CMS files first")
    for answer in answers:
        family = "/".join(answer["family"])
        if answer["status"] == "no_table":
            print(f"{family:32} {code}  no table in force on {on} ({answer['why']})")
        elif answer["status"] == "no_row":
            t = answer["table"]
            print(
                f"{family:32} {code}  no row in the table in force"
                f" (effective {t['effective']}, {t['source_file']})"
            )
        else:
            t = answer["table"]
            values = "  ".join(f"{k}={v}" for k, v in answer["row"].items())
            print(f"{family:32} {code}  {values}  (effective {t['effective']}, {t['source_file']})")
    return 0


def _answer(
    snapshot: ReferenceTables, family: tuple[str, str, str], code: str, on: date
) -> dict[str, Any]:
    kind, program, service_type = family
    info = snapshot.in_force(kind, program, service_type, on)
    if info is None:
        versions = sorted(i.effective for i in snapshot.tables() if i.family == family)
        why = f"the earliest imported is effective {versions[0]}" if versions else "none imported"
        return {"family": list(family), "status": "no_table", "why": why}
    hit = snapshot.lookup(kind, program, service_type, code, on)
    table = _info_json(info)
    if hit is None:
        return {"family": list(family), "status": "no_row", "table": table}
    return {"family": list(family), "status": "row", "table": table, "row": dict(hit.row.values)}
