"""A claim's report entry is built compact from the objects, and must be exactly what the full
entry compacted was: the same keys, the same values, the same order (the report's bytes)."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from scrubber._entries import (
    RowEntries,
    _shows_same,
    claim_states,
    compact,
    finding_entry,
    fix_entry,
    line_entry,
    plain,
)
from scrubber._findings import Finding, Severity, TableRowRef
from scrubber._fixes import (
    AddNote,
    Fix,
    RemoveLine,
    RequestAttachment,
    SetModifiers,
    SetUnits,
    SplitLine,
    SplitPart,
)
from scrubber._models import Attachment, ServiceLine
from scrubber.testing import make_claim, make_line


def _same(built: dict[str, Any], full: dict[str, Any]) -> None:
    assert json.dumps(built) == json.dumps(compact(full))


texts = st.text(alphabet="AB -1;", max_size=4)
maybe_texts = st.none() | texts
units = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("99"), places=1)
attachments = st.builds(
    Attachment,
    report_type=st.sampled_from(["09", "M1", "OZ"]),
    transmission=st.just("EL"),
    control_number=maybe_texts,
    description=maybe_texts,
)
parts = st.builds(
    SplitPart,
    units=units,
    code=st.none() | st.just("99602"),
    add_modifiers=st.lists(st.sampled_from(["GD", "59"]), max_size=2).map(tuple),
    unit_basis=st.none() | st.just("MJ"),
    note=maybe_texts,
    attachment=st.none() | attachments,
)
lines = st.none() | st.integers(1, 3)
fixes: st.SearchStrategy[Fix] = st.one_of(
    st.builds(SetUnits, line=st.integers(1, 3), units=units, unit_basis=st.none() | st.just("MJ")),
    st.builds(SplitLine, line=st.integers(1, 3), parts=st.lists(parts, min_size=1).map(tuple)),
    st.builds(AddNote, line=lines, text=st.just("NOTE")),
    st.builds(
        RequestAttachment,
        line=lines,
        report_type=st.just("09"),
        transmission=st.sampled_from(["AA", "EL"]),
        description=maybe_texts,
    ),
    st.builds(RemoveLine, line=st.integers(1, 3)),
    st.builds(
        SetModifiers,
        line=st.integers(1, 3),
        modifiers=st.lists(st.sampled_from(["GD", "59", "25"]), max_size=4).map(tuple),
    ),
)


@given(fixes, st.none() | st.just("MUE002"), st.none() | st.just("limit"))
def test_a_fix_entry_is_the_full_fix_compacted(fix: Fix, by: str | None, phase: str | None) -> None:
    full: dict[str, Any] = {"kind": type(fix).__name__}
    full.update({f.name: plain(getattr(fix, f.name)) for f in fields(fix)})
    if by is not None:
        full["by"] = by
    if phase is not None:
        full["phase"] = phase
    _same(fix_entry(fix, by=by, phase=phase), full)


# A plugin may break the types: a None, an empty list or a number among its strings still
# follows the one rule (null and empty left out), not a crash or a "null" in the report.
odd_values = st.none() | texts | st.just([]) | st.just(["x"]) | st.integers(0, 3)
pairs = st.lists(st.tuples(st.sampled_from(["mue", "mai", "table", "units"]), odd_values))
rows = st.builds(
    TableRowRef,
    table=st.just("mue/medicare/practitioner"),
    key=st.just("0001U"),
    values=pairs.map(tuple),
    effective=st.just(date(2026, 7, 1)),
    source_file=st.just("MCR.csv"),
)


@given(
    line=st.none() | st.integers(0, 3),
    output_lines=st.lists(st.integers(1, 3), max_size=2).map(tuple),
    appealable=st.none() | st.booleans(),
    carc=maybe_texts,
    citation=maybe_texts,
    row=st.none() | rows,
    details=pairs.map(tuple),
)
def test_a_finding_entry_is_the_full_finding_compacted(
    line: int | None,
    output_lines: tuple[int, ...],
    appealable: bool | None,
    carc: str | None,
    citation: str | None,
    row: TableRowRef | None,
    details: tuple[tuple[str, str], ...],
) -> None:
    finding = Finding(
        code="MUE002",
        severity=Severity.WARNING,
        message="over the MUE",
        claim_id="C1",
        line=line,
        output_lines=output_lines,
        appealable=appealable,
        carc=carc,
        rarc=carc,
        citation=citation,
        table_row=row,
        details=details,
    )
    full = {
        "code": finding.code,
        "severity": "warning",
        "message": finding.message,
        "line": line,
        "output_lines": list(output_lines),
        "appealable": appealable,
        "carc": carc,
        "rarc": carc,
        "citation": citation,
        "table_row": None
        if row is None
        else {
            "table": row.table,
            "key": row.key,
            **row.as_dict,
            "effective": "2026-07-01",
            "source_file": row.source_file,
        },
        "details": dict(details),
    }
    _same(finding_entry(finding), full)


@given(
    modifiers=st.lists(st.sampled_from(["GD", "59"]), max_size=2).map(tuple),
    unit_basis=st.none() | st.just("UN"),
    minutes=st.none() | units,
    service_to=st.none() | st.just(date(2026, 7, 16)),
    control_number=maybe_texts,
    note=maybe_texts,
    attached=st.lists(attachments, max_size=2).map(tuple),
)
def test_a_line_entry_is_the_full_line_compacted(
    modifiers: tuple[str, ...],
    unit_basis: str | None,
    minutes: Decimal | None,
    service_to: date | None,
    control_number: str | None,
    note: str | None,
    attached: tuple[Attachment, ...],
) -> None:
    line = make_line(
        modifiers=modifiers,
        unit_basis=unit_basis,
        minutes=minutes,
        service_to=service_to,
        control_number=control_number,
        note=note,
        attachments=attached,
    )
    full = {
        "number": 1,
        "origin": 1,
        "code": line.code,
        "modifiers": list(modifiers),
        "units": "1",
        "unit_basis": unit_basis,
        "minutes": None if minutes is None else str(minutes),
        "charge": "100.00",
        "service_from": line.service_from.isoformat(),
        "service_to": None if service_to is None else service_to.isoformat(),
        "control_number": control_number,
        "note": note,
        "attachments": [plain(a) for a in attached],
    }
    _same(line_entry(line), full)


def _lines(state: dict[str, Any]) -> list[tuple[int, int]]:
    return [(ln["number"], ln["origin"]) for ln in state.get("lines", [])]


def test_states_show_the_lines_a_fix_touched_and_no_other() -> None:
    original = make_claim(lines=[make_line(), make_line(code="97110"), make_line(code="J1100")])
    first, second, third = original.lines
    capped = replace(second, units=Decimal("1"), charge=Decimal("50.00"))
    # the third line keeps its fields but comes back as another object (renumbered after a
    # removal, say): what the report compares is what it shows, not identity
    fixed = replace(original, lines=(first, capped, replace(third)))
    before, after = claim_states(original, fixed)
    assert _lines(before) == _lines(after) == [(2, 2)]
    assert (before["lines"][0]["units"], after["lines"][0]["units"]) == ("1", "1")
    assert (before["lines"][0]["charge"], after["lines"][0]["charge"]) == ("100.00", "50.00")


def test_states_show_a_removed_line_and_every_part_of_a_split() -> None:
    original = make_claim(lines=[make_line(), make_line(code="97110")])
    second = original.lines[1]
    halves = (replace(second, number=1), replace(second, number=2, units=Decimal("0.5")))
    split = replace(original, lines=halves)  # line 1 removed, line 2 split in two
    before, after = claim_states(original, split)
    assert _lines(before) == [(1, 1), (2, 2)]
    assert _lines(after) == [(1, 2), (2, 2)]


def test_a_fix_with_a_field_of_an_unexpected_type_takes_the_generic_route() -> None:
    odd = SetUnits(line=Decimal(2), units=Decimal(1))  # type: ignore[arg-type]  # a plugin's slip
    assert fix_entry(odd) == {"kind": "SetUnits", "line": "2", "units": "1"}


def _row_finding(row: TableRowRef) -> Finding:
    return Finding(
        code="MUE002", severity=Severity.WARNING, message="m", claim_id="C1", table_row=row
    )


def _row(**values: Any) -> TableRowRef:
    return TableRowRef(
        table="mue/medicare/practitioner",
        key="96365",
        values=tuple(values.items()),
        effective=date(2026, 7, 1),
        source_file="MCR.csv",
    )


def test_a_table_row_shown_again_is_the_same_entry_and_a_copy_of_its_own() -> None:
    row = _row
    rows = RowEntries()
    first = finding_entry(_row_finding(row(mue="1", mai="3")), rows)
    again = finding_entry(_row_finding(row(mue="1", mai="3")), rows)
    assert again == first == finding_entry(_row_finding(row(mue="1", mai="3")))
    assert again["table_row"] is not first["table_row"]
    again["table_row"]["mue"] = "changed by a caller"
    assert finding_entry(_row_finding(row(mue="1", mai="3")), rows)["table_row"]["mue"] == "1"
    # equal rows that would print differently are never taken for one another
    number = finding_entry(_row_finding(row(mue=1)), rows)
    flag = finding_entry(_row_finding(row(mue=True)), rows)
    assert (number["table_row"]["mue"], flag["table_row"]["mue"]) == (1, True)
    unhashable = finding_entry(_row_finding(row(mue=["1"])), rows)
    assert unhashable["table_row"]["mue"] == ["1"]


def test_a_row_is_found_again_by_its_object_and_an_equal_new_one_by_value() -> None:
    """A table hands out one object per row (found by identity, no hash asked); a plugin
    that makes a new ``TableRowRef`` per finding still finds its row by value; past the
    limit rows are built each time, and come out the same."""
    rows = RowEntries(limit=1)
    kept = _row(mue="1", mai="3")
    first = finding_entry(_row_finding(kept), rows)
    assert rows.by_id[id(kept)][0] is kept
    assert finding_entry(_row_finding(kept), rows) == first
    assert finding_entry(_row_finding(_row(mue="1", mai="3")), rows) == first
    other = _row(mue="2", mai="3")
    assert finding_entry(_row_finding(other), rows)["table_row"]["mue"] == "2"
    assert id(other) not in rows.by_id and len(rows.by_value) == 1
    assert finding_entry(_row_finding(other), rows) == finding_entry(_row_finding(other))


def _shown(line: ServiceLine) -> dict[str, Any]:
    entry = line_entry(line)
    del entry["number"], entry["origin"]
    return entry


amounts = st.sampled_from([Decimal("2"), Decimal("2.0"), Decimal("3"), Decimal("25.50")])


@given(
    units=st.tuples(amounts, amounts),
    charge=st.tuples(amounts, amounts),
    minutes=st.tuples(st.none() | amounts, st.none() | amounts),
    note=st.tuples(maybe_texts, maybe_texts),
)
def test_a_line_counts_as_changed_exactly_when_its_entry_shows_a_change(
    units: tuple[Decimal, Decimal],
    charge: tuple[Decimal, Decimal],
    minutes: tuple[Decimal | None, Decimal | None],
    note: tuple[str | None, str | None],
) -> None:
    line, other = (
        make_line(units=units[k], charge=charge[k], minutes=minutes[k], note=note[k])
        for k in (0, 1)
    )
    assert _shows_same(line, other) == (_shown(line) == _shown(other))
