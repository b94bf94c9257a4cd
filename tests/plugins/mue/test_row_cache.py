"""The MUE row read from a table hit is read once per hit, and always from that hit."""

from __future__ import annotations

from datetime import date

from scrubber._tables import MemoryTables, RowHit
from scrubber.testing import make_table
from scrubber_mue import resolve

TABLE = make_table(
    "mue",
    "medicare",
    "practitioner",
    date(2026, 7, 1),
    {"97110": {"value": "4", "mai": "1"}, "99213": {"value": "3", "mai": "3"}},
)


def _hit(code: str) -> RowHit:
    hit = MemoryTables([TABLE]).lookup("mue", "medicare", "practitioner", code, date(2026, 7, 2))
    assert hit is not None
    return hit


def test_one_row_per_hit_and_each_row_is_its_hits() -> None:
    first = _hit("97110")
    assert resolve.mue_row(first) is resolve.mue_row(first)
    other = _hit("99213")  # another snapshot, another code: never the cached row of the first
    assert (resolve.mue_row(other).code, resolve.mue_row(other).value) == ("99213", 3)
    assert resolve.mue_row(other).hit is other and resolve.mue_row(first).mai == "1"


def test_the_cache_stays_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(resolve, "_MAX_ROWS", 3)
    monkeypatch.setattr(resolve, "_ROWS", {})
    hits = [_hit("97110") for _ in range(10)]
    assert [resolve.mue_row(h).value for h in hits] == [4] * 10
    assert len(resolve._ROWS) <= 3
