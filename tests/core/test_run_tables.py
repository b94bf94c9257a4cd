"""A run's view of the tables: every version its lookups rest on is reported, in first-use
order, whether a lookup asked for one key or for a date's rows at once."""

from __future__ import annotations

from datetime import date

from scrubber._run_tables import RunTables
from scrubber._tables import MemoryTables
from scrubber.testing import make_table

Q1, Q3 = date(2026, 1, 1), date(2026, 7, 1)
ROWS = {"97110": {"value": "4", "mai": "1"}}
TABLES = MemoryTables(
    [
        make_table("mue", "medicare", "practitioner", Q1, ROWS),
        make_table("mue", "medicare", "practitioner", Q3, {"97110": {"value": "6", "mai": "1"}}),
        make_table("mue", "medicaid", "practitioner", Q1, ROWS),
    ]
)


def test_rows_in_force_notes_the_version_as_a_lookup_does() -> None:
    by_key, by_date = RunTables(TABLES), RunTables(TABLES)
    asks = [("medicaid", date(2026, 8, 2)), ("medicare", date(2026, 8, 2)), ("medicare", Q1)]
    for program, on in asks:
        hit = by_key.lookup("mue", program, "practitioner", "97110", on)
        info, rows = by_date.rows_in_force("mue", program, "practitioner", on) or (None, {})
        assert hit is not None and rows["97110"] is hit and info is hit.table
    assert by_date.used() == by_key.used()
    assert [(t.program, t.effective) for t in by_date.used()] == [
        ("medicaid", Q1),
        ("medicare", Q3),
        ("medicare", Q1),
    ]


def test_a_date_before_every_version_has_no_rows_and_notes_nothing() -> None:
    run = RunTables(TABLES)
    assert run.rows_in_force("mue", "medicare", "practitioner", date(2025, 12, 31)) == (None, {})
    assert run.lookup("mue", "medicare", "practitioner", "97110", date(2025, 12, 31)) is None
    assert run.used() == ()
