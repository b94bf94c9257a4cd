"""The report's entry for a claim, built compact from the objects themselves.

A report entry leaves out every key whose value is null or empty (``compact``: the rule the
schema states). The report used to build each entry in full and then walk it with a generic
``compact``; on a batch where most claims need a fix that walk, and the generic conversion of
fixes field by field, cost more than building the entry. The shapes here are known (a
finding, a fix of the closed algebra, a line, a claim's state), so each is built with only
the keys it keeps, in the order the full entry had them: the JSON is the same, byte for byte.
``compact`` stays the definition, and what any value of an unexpected type (a plugin that put
something other than a string in a table row or in ``details``) goes through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from scrubber._findings import EditFailure, Finding, TableRowRef
from scrubber._fixes import AddNote, Fix, RemoveLine, RequestAttachment, SetUnits
from scrubber._models import Attachment, Claim, ServiceLine

__all__ = [
    "Entry",
    "RowEntries",
    "attachment_entry",
    "claim_states",
    "compact",
    "failure_entry",
    "finding_entries",
    "finding_entry",
    "fix_entry",
    "line_entry",
    "plain",
]

Entry = dict[str, Any]


def compact(entry: Entry) -> Entry:
    """*entry* without keys whose value is None or empty (recursively in dicts and lists).
    Entries are built here from plain dicts and lists, so exact type tests serve (a third
    of the cost of ``isinstance``)."""
    out: Entry = {}
    for key, value in entry.items():
        if value is None:
            continue
        kind = type(value)
        if kind is dict:
            value = compact(value)
            if not value:
                continue
        elif kind is list:
            if not value:
                continue
            value = [compact(v) if type(v) is dict else v for v in value]
        out[key] = value
    return out


def plain(value: Any) -> Any:
    """*value* as JSON can carry it: Decimals and dates as strings, tuples as lists, records
    as dicts of their fields."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    return value


def _texts(entry: Entry) -> Entry:
    """*entry* compact; its values are strings (the types say so), and anything else takes
    the generic route, so a stray None or empty list is still left out."""
    for value in entry.values():
        if type(value) is not str:
            return compact(entry)
    return entry


class RowEntries:
    """The entries of the table rows a report has shown, so each row's is built once.

    Looked up first by the row object's identity: a table hands out one object per row (the
    MUE plugin's row holds its ``TableRowRef``), so the same row comes back on claim after
    claim, and asking an equal row's hash (a tuple of every field, made each time) costs
    more than building a small entry. The object is kept with its entry, so its identity is
    never reused for another row while kept. A plugin that makes a new ``TableRowRef`` for
    every finding still finds its row by value. Only rows whose fields are all strings are
    kept (their entry is the same JSON each time), at most ``limit``."""

    __slots__ = ("by_id", "by_value", "limit")

    def __init__(self, limit: int = 4096) -> None:
        self.by_id: dict[int, tuple[TableRowRef, Entry]] = {}
        self.by_value: dict[TableRowRef, Entry] = {}
        self.limit = limit

    def get(self, row: TableRowRef) -> Entry | None:
        held = self.by_id.get(id(row))
        if held is not None and held[0] is row:
            return held[1]
        try:
            return self.by_value.get(row)
        except TypeError:  # a plugin put an unhashable value in the row: never kept
            return None

    def keep(self, row: TableRowRef, entry: Entry) -> None:
        if len(self.by_value) < self.limit:
            try:
                self.by_value[row] = entry
            except TypeError:
                return
            self.by_id[id(row)] = (row, entry)


def finding_entry(finding: Finding, rows: RowEntries | None = None) -> Entry:
    """``{"code": ..., "severity": ..., "message": ..., "line": 3, ...}``, compact.

    *rows*, if given, keeps the entry of each table row already shown (a report's findings
    cite the same few MUE rows over and over); each finding gets its own copy."""
    [entry] = finding_entries((finding,), rows)
    return entry


def finding_entries(findings: Iterable[Finding], rows: RowEntries | None = None) -> list[Entry]:
    """``finding_entry`` of each finding, in one loop: a claim's findings (5 on a claim that
    needs a fix, most of them infos) are entered together, one call per claim."""
    entries = []
    for finding in findings:
        out: Entry = {
            "code": finding.code,
            "severity": finding.severity._value_,
            "message": finding.message,
        }
        if finding.line is not None:
            out["line"] = finding.line
        if finding.output_lines:
            out["output_lines"] = list(finding.output_lines)
        if finding.appealable is not None:
            out["appealable"] = finding.appealable
        if finding.carc is not None:
            out["carc"] = finding.carc
        if finding.rarc is not None:
            out["rarc"] = finding.rarc
        if finding.citation is not None:
            out["citation"] = finding.citation
        row = finding.table_row
        if row is not None:
            table_row = _row_entry(row, rows)
            if table_row:
                out["table_row"] = table_row
        if finding.details:
            details = _texts(dict(finding.details))
            if details:
                out["details"] = details
        entries.append(out)
    return entries


def _row_entry(row: TableRowRef, rows: RowEntries | None) -> Entry:
    """The compact entry of a table row, from *rows* when the row was shown before (each
    finding gets its own copy)."""
    if rows is not None:
        held = rows.get(row)
        if held is not None:
            return dict(held)
    entry: Entry = {
        "table": row.table,
        "key": row.key,
        **dict(row.values),
        "effective": row.effective.isoformat(),
        "source_file": row.source_file,
    }
    shown = _texts(entry)
    if shown is entry and rows is not None:
        rows.keep(row, entry)  # all strings: kept, and each finding gets its own copy
        return dict(entry)
    return shown


def attachment_entry(attachment: Attachment) -> Entry:
    out: Entry = {
        "report_type": attachment.report_type,
        "transmission": attachment.transmission,
    }
    if attachment.control_number is not None:
        out["control_number"] = attachment.control_number
    if attachment.description is not None:
        out["description"] = attachment.description
    return out


def _field_value(value: Any) -> Any:
    """A fix field as the compact entry holds it; None when the key is left out."""
    kind = type(value)
    if kind is str or kind is int or kind is bool:
        return value
    if value is None:
        return None
    if kind is Decimal:
        return str(value)
    if kind is tuple:
        if not value:
            return None
        return [_record(v) if is_dataclass(v) else plain(v) for v in value]
    if kind is Attachment:
        return attachment_entry(value)
    if is_dataclass(value) and not isinstance(value, type):
        return _record(value) or None
    return compact({"value": plain(value)}).get("value")


def _record(record: Any) -> Entry:
    out: Entry = {}
    for name in _field_names(type(record)):
        value = _field_value(getattr(record, name))
        if value is not None:
            out[name] = value
    return out


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(kind))
    return names


def fix_entry(fix: Fix, *, by: str | None = None, phase: str | None = None) -> Entry:
    """``{"kind": "SplitLine", "line": 2, "parts": [...], "by": ..., "phase": ...}``, compact,
    Decimals as strings."""
    quick = _QUICK_FIX_ENTRIES.get(type(fix))
    out = None if quick is None else quick(fix)
    if out is None:  # a split, new modifiers, or a field of an unexpected type
        out = {"kind": type(fix).__name__}
        out.update(_record(fix))
    if by is not None:
        out["by"] = by
    if phase is not None:
        out["phase"] = phase
    return out


# The common fixes' entries written out, field by field in field order (what ``_record``
# makes of them when every field has its declared type; None sends any other to it).


def _set_units_entry(fix: SetUnits) -> Entry | None:
    line, units, basis = fix.line, fix.units, fix.unit_basis
    if type(line) is not int or type(units) is not Decimal or type(basis) not in _TEXT:
        return None
    out: Entry = {"kind": "SetUnits", "line": line, "units": str(units)}
    if basis is not None:
        out["unit_basis"] = basis
    return out


def _add_note_entry(fix: AddNote) -> Entry | None:
    line, text = fix.line, fix.text
    if type(line) not in _NUMBER or type(text) is not str:
        return None
    out: Entry = {"kind": "AddNote"}
    if line is not None:
        out["line"] = line
    out["text"] = text
    return out


def _attachment_entry(fix: RequestAttachment) -> Entry | None:
    line, control, description = fix.line, fix.control_number, fix.description
    if (
        type(line) not in _NUMBER
        or type(fix.report_type) is not str
        or type(fix.transmission) is not str
        or type(control) not in _TEXT
        or type(description) not in _TEXT
    ):
        return None
    out: Entry = {"kind": "RequestAttachment"}
    if line is not None:
        out["line"] = line
    out["report_type"] = fix.report_type
    out["transmission"] = fix.transmission
    if control is not None:
        out["control_number"] = control
    if description is not None:
        out["description"] = description
    return out


def _remove_line_entry(fix: RemoveLine) -> Entry | None:
    return {"kind": "RemoveLine", "line": fix.line} if type(fix.line) is int else None


_TEXT = (str, type(None))
_NUMBER = (int, type(None))
_QUICK_FIX_ENTRIES: dict[type, Callable[[Any], Entry | None]] = {
    SetUnits: _set_units_entry,
    AddNote: _add_note_entry,
    RequestAttachment: _attachment_entry,
    RemoveLine: _remove_line_entry,
}


def failure_entry(failure: EditFailure) -> Entry:
    return compact({"code": failure.code, "exc_type": failure.exc_type, "message": failure.message})


def line_entry(line: ServiceLine) -> Entry:
    """What a biller compares before and after a fix: code, modifiers, units, charge, note,
    attachments (never a patient field: a service line carries none), compact."""
    out: Entry = {"number": line.number, "origin": line.origin, "code": line.code}
    if line.modifiers:
        out["modifiers"] = list(line.modifiers)
    out["units"] = str(line.units)
    if line.unit_basis is not None:
        out["unit_basis"] = line.unit_basis
    if line.minutes is not None:
        out["minutes"] = str(line.minutes)
    out["charge"] = str(line.charge)
    out["service_from"] = line.service_from.isoformat()
    if line.service_to is not None:
        out["service_to"] = line.service_to.isoformat()
    if line.control_number is not None:
        out["control_number"] = line.control_number
    if line.note is not None:
        out["note"] = line.note
    if line.attachments:
        out["attachments"] = [attachment_entry(a) for a in line.attachments]
    return out


def _changed_lines(original: Claim, fixed: Claim) -> tuple[list[ServiceLine], list[ServiceLine]]:
    """The input lines that a fix changed, split or removed, and the output lines they became
    (each list in its claim's order). A line the fixes left alone is the very object it was
    (``apply_fixes`` keeps it), so only the others are compared field by field."""
    before: list[ServiceLine] = []
    after: list[ServiceLine] = []
    if len(original.lines) == len(fixed.lines):  # most fixes: every line is still one line
        for line, kept in zip(original.lines, fixed.lines, strict=True):
            if kept.origin != line.number:  # lines removed and others split: see below
                break
            if kept is not line and not _shows_same(kept, line):
                before.append(line)
                after.append(kept)
        else:
            return before, after
    descendants: dict[int, list[ServiceLine]] = {}
    for line in fixed.lines:
        descendants.setdefault(line.origin, []).append(line)
    changed = set()
    for line in original.lines:
        made = descendants.get(line.number, [])
        if len(made) != 1 or (made[0] is not line and not _shows_same(made[0], line)):
            changed.add(line.number)
    before = [line for line in original.lines if line.number in changed]
    after = [line for line in fixed.lines if line.origin in changed]
    return before, after


def _shows_same(line: ServiceLine, other: ServiceLine) -> bool:
    """True when ``line_entry`` shows *line* and *other* alike but for number and origin: the
    same fields, and the same texts for units, minutes and charge (so ``2`` and ``2.0``
    still differ). Values are compared first; a fixed line differs in one, most often."""
    return (
        line.units == other.units
        and line.charge == other.charge
        and line.code == other.code
        and line.modifiers == other.modifiers
        and line.unit_basis == other.unit_basis
        and line.minutes == other.minutes
        and line.service_from == other.service_from
        and line.service_to == other.service_to
        and line.control_number == other.control_number
        and line.note == other.note
        and line.attachments == other.attachments
        and str(line.units) == str(other.units)
        and str(line.charge) == str(other.charge)
        and (line.minutes is None or str(line.minutes) == str(other.minutes))
    )


def _state(claim: Claim, lines: list[ServiceLine]) -> Entry:
    out: Entry = {"total_charge": str(claim.total_charge)}
    if claim.note is not None:
        out["note"] = claim.note
    if claim.attachments:
        out["attachments"] = [attachment_entry(a) for a in claim.attachments]
    if lines:
        out["lines"] = [line_entry(line) for line in lines]
    return out


def claim_states(original: Claim, fixed: Claim) -> tuple[Entry, Entry]:
    """A changed claim as billed (``before``) and as written (``after``): the totals, the
    claim-level note and attachments, and only the lines a fix touched (with every line a
    split made of them), so a 50-line claim with one capped line costs two lines here."""
    before, after = _changed_lines(original, fixed)
    return _state(original, before), _state(fixed, after)
