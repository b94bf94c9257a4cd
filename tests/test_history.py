"""History is a run's: day totals span every input of a run, ``scrub_bytes`` calls that share
a history, and runs that share a persisted one; replacements supersede, voids remove.

The sample medicare-mue.837 holds two claims of one patient and provider for 2026-07-15:
MUE-0001 bills 0002M x 3, MUE-0002 bills 0002M x 1 more; 0002M's MUE is 1 per day (MAI 3),
so MUE-0002 is over the MUE only when MUE-0001's units count.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import scrubber._cli as cli
from scrubber import ClaimHistory, TableError, TableStore, scrub_bytes
from scrubber._api import Plugins
from scrubber._history_store import SqliteHistory
from scrubber.testing import make_claim, make_line

SAMPLE = Path(__file__).resolve().parents[1] / "samples/x12/medicare-mue.837"
EARLIER = "plus 3 units on earlier claims"


def _segments(data: bytes) -> list[bytes]:
    return data.split(b"~")


def _recount(segs: list[bytes]) -> bytes:
    """Join *segs* with SE01 set to the transaction's segment count."""
    st = next(i for i, s in enumerate(segs) if s.strip().startswith(b"ST*"))
    se = next(i for i, s in enumerate(segs) if s.strip().startswith(b"SE*"))
    segs = list(segs)
    segs[se] = re.sub(rb"SE\*\d+\*", b"SE*%d*" % (se - st + 1), segs[se])
    return b"~".join(segs)


def _index(segs: list[bytes], prefix: bytes) -> int:
    return next(i for i, s in enumerate(segs) if s.strip().startswith(prefix))


def split_claims() -> tuple[bytes, bytes]:
    """The sample as two interchanges, one claim each."""
    segs = _segments(SAMPLE.read_bytes())
    first, second, se = (_index(segs, p) for p in (b"CLM*MUE-0001", b"CLM*MUE-0002", b"SE*"))
    return _recount(segs[:second] + segs[se:]), _recount(segs[:first] + segs[second:])


def corrected(frequency: str, units_0002m: int) -> bytes:
    """MUE-0001 sent again as a replacement (7) or void (8) of itself (REF*F8 names it)."""
    first, _ = split_claims()
    segs = _segments(first)
    clm = _index(segs, b"CLM*MUE-0001")
    segs[clm] = (
        segs[clm]
        .replace(b"CLM*MUE-0001*", b"CLM*MUE-0001C*")
        .replace(b"11:B:1", b"11:B:" + frequency.encode())
    )
    hi = _index(segs, b"HI*")
    segs.insert(hi, b"\nREF*F8*MUE-0001")
    sv1 = _index(segs, b"SV1*HC:0002M")
    segs[sv1] = segs[sv1].replace(b"*UN*3*", b"*UN*%d*" % units_0002m)
    return _recount(segs)


def _messages(report: dict[str, Any], claim_id: str) -> list[str]:
    """The claim's finding messages (a claim with nothing to say has no entry by default)."""
    entries = [c for c in report["claims"] if c["claim_id"] == claim_id]
    return [f["message"] for entry in entries for f in entry.get("findings", ())]


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return Plugins.load()


@pytest.fixture
def tables(sample_tables_db: Path) -> Any:
    return TableStore.open(sample_tables_db).snapshot()


def test_two_scrub_bytes_calls_share_a_history(tables: Any, plugins: Plugins) -> None:
    first, second = split_claims()
    alone = scrub_bytes(second, tables=tables, plugins=plugins)
    assert not any(EARLIER in m for m in _messages(alone.report, "MUE-0002"))
    history = ClaimHistory()
    scrub_bytes(first, tables=tables, plugins=plugins, history=history)
    later = scrub_bytes(second, tables=tables, plugins=plugins, history=history)
    assert any(EARLIER in m for m in _messages(later.report, "MUE-0002"))


def test_a_rescrubbed_claim_is_counted_once(tables: Any, plugins: Plugins) -> None:
    first, second = split_claims()
    history = ClaimHistory()
    for _ in range(3):  # the same batch sent three times
        scrub_bytes(first, tables=tables, plugins=plugins, history=history)
    later = scrub_bytes(second, tables=tables, plugins=plugins, history=history)
    assert any(EARLIER in m for m in _messages(later.report, "MUE-0002"))


@pytest.mark.parametrize(
    ("frequency", "units", "expected"),
    [
        ("7", 1, "plus 1 unit on earlier claims"),  # the replacement's 1 unit, not 3 + 1
        ("8", 3, None),  # voided: MUE-0001 no longer counts at all
    ],
)
def test_replacement_supersedes_and_void_removes(
    tables: Any, plugins: Plugins, frequency: str, units: int, expected: str | None
) -> None:
    first, second = split_claims()
    history = ClaimHistory()
    scrub_bytes(first, tables=tables, plugins=plugins, history=history)
    fix = scrub_bytes(corrected(frequency, units), tables=tables, plugins=plugins, history=history)
    [claim] = fix.results
    assert claim.claim_id == "MUE-0001C"
    # the replacement or void is never summed with the claim it stands in for
    assert not [m for m in _messages(fix.report, "MUE-0001C") if "earlier claims" in m]
    later = scrub_bytes(second, tables=tables, plugins=plugins, history=history)
    earlier = [m for m in _messages(later.report, "MUE-0002") if "earlier claims" in m]
    if expected is None:
        assert earlier == []
    else:
        assert len(earlier) == 1 and expected in earlier[0]


def test_the_readers_give_frequency_and_original_ref(tables: Any, plugins: Plugins) -> None:
    [claim] = scrub_bytes(corrected("7", 1), tables=tables, plugins=plugins).results
    original = claim.original  # type: ignore[union-attr]
    assert (original.frequency_code, original.original_ref) == ("7", "MUE-0001")


def _prior(claim_id: str) -> list[dict[str, Any]]:
    """FHIR ``Claim.related``: this Claim corrects the prior claim *claim_id*."""
    system = "http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship"
    return [
        {
            "claim": {"identifier": {"value": claim_id}},
            "relationship": {"coding": [{"system": system, "code": "prior"}]},
        }
    ]


def test_fhir_related_prior_and_cancelled(plugins: Plugins) -> None:
    from scrubber import MemoryTables

    sample = Path(__file__).resolve().parents[1] / "samples/fhir/home-infusion-medicaid.r4.json"
    tree = json.loads(sample.read_text(encoding="utf-8"))
    tree["related"] = _prior("HI-MCD-0000")
    data = json.dumps(tree).encode()
    [claim] = scrub_bytes(data, tables=MemoryTables(), plugins=plugins).results
    assert (claim.original.frequency_code, claim.original.original_ref) == ("7", "HI-MCD-0000")  # type: ignore[union-attr]
    tree["status"] = "cancelled"
    data = json.dumps(tree).encode()
    [claim] = scrub_bytes(data, tables=MemoryTables(), plugins=plugins).results
    assert claim.original.frequency_code == "8"  # type: ignore[union-attr]


def _cli(tmp_path: Path, db: Path, *inputs: bytes, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    paths = []
    for n, data in enumerate(inputs):
        path = tmp_path / f"in{n}-{len(list(tmp_path.iterdir()))}.837"
        path.write_bytes(data)
        paths.append(str(path))
    report = tmp_path / "report.json"
    out = tmp_path / f"out-{len(list(tmp_path.iterdir()))}"
    out.mkdir()
    args = ["scrub", *paths, "--tables", str(db), "--out-dir", str(out), "-q"]
    assert cli.main([*args, "--report", str(report), *extra]) in (0, 1)
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return result


def test_one_cli_run_keeps_one_history_across_inputs(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    first, second = split_claims()
    report = _cli(tmp_path, sample_tables_db, first, second, extra=("--no-history",))
    assert [c["input"].rsplit("/", 1)[-1][:3] for c in report["claims"]] == ["in0", "in1"]
    assert any(EARLIER in m for m in _messages(report, "MUE-0002"))


def test_a_persisted_history_counts_yesterdays_batch(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    first, second = split_claims()
    history = ("--history", str(tmp_path / "h" / "history.db"))
    _cli(tmp_path, sample_tables_db, first, extra=history)  # yesterday
    today = _cli(tmp_path, sample_tables_db, second, extra=history)
    assert any(EARLIER in m for m in _messages(today, "MUE-0002"))
    without = _cli(tmp_path, sample_tables_db, second, extra=("--no-history",))
    assert not any(EARLIER in m for m in _messages(without, "MUE-0002"))


def test_a_check_run_reads_but_does_not_add_to_the_history(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    first, second = split_claims()
    history = ("--history", str(tmp_path / "history.db"))
    yesterday = tmp_path / "yesterday.837"
    yesterday.write_bytes(first)
    args = ["scrub", str(yesterday), "--tables", str(sample_tables_db), "--check", "-q"]
    assert cli.main([*args, *history]) == 1  # --check writes no claims: no -o/--out-dir
    today = _cli(tmp_path, sample_tables_db, second, extra=history)
    assert not any(EARLIER in m for m in _messages(today, "MUE-0002"))


def test_the_default_history_sits_beside_the_table_store(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    import shutil

    db = tmp_path / "store" / "tables.db"
    db.parent.mkdir()
    shutil.copy(sample_tables_db, db)
    first, second = split_claims()
    _cli(tmp_path, db, first)
    assert (db.parent / "history.db").exists()
    assert any(EARLIER in m for m in _messages(_cli(tmp_path, db, second), "MUE-0002"))


def test_the_persisted_history_is_bounded_by_dates_of_service(tmp_path: Path) -> None:
    from datetime import date, timedelta

    path = tmp_path / "history.db"
    history = SqliteHistory(path, retain_days=30)
    start = date(2026, 1, 1)
    for n in range(0, 100, 10):
        line = make_line(code="97110", units=1, service_from=start + timedelta(days=n))
        history.record(make_claim(id=f"C{n}", lines=[line]))
    history.commit()
    history.close()
    reopened = SqliteHistory(path)
    probe = make_claim(id="PROBE", lines=[make_line(code="97110")])
    kept = [
        n
        for n in range(0, 100, 10)
        if reopened.prior_units(probe, "97110", start + timedelta(days=n))
    ]
    reopened.close()
    assert kept == [60, 70, 80, 90]  # within 30 days of the newest date, 2026-04-10


def test_a_file_that_is_not_a_history_is_refused(tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(TableError, match="not a claim-scrubber history"):
        SqliteHistory(other)


def test_a_patient_read_back_sees_rows_not_yet_written(tmp_path: Path) -> None:
    history = SqliteHistory(tmp_path / "h.db", max_patients=1)  # every new patient evicts
    line = make_line(code="97110", units=2)
    history.record(make_claim(id="A", lines=[line], patient_key="p1"))
    history.record(make_claim(id="B", lines=[line], patient_key="p2"))
    later = make_claim(id="C", lines=[line], patient_key="p1")
    assert history.prior_units(later, "97110", line.service_from) == 2
    history.rollback()
    assert history.prior_units(later, "97110", line.service_from) == 0  # nothing kept
    history.close()


@pytest.mark.parametrize("sample", ["x12/medicare-mue.837", "x12/home-infusion-medicaid.837"])
def test_scrubbing_again_with_the_same_history_changes_nothing(
    sample_tables_db: Path, tmp_path: Path, sample: str
) -> None:
    """A persisted history must not make a batch count against itself: the same batch sent
    twice is written the same, and our own output scrubbed again is written as it would be
    with no history at all (the history adds nothing to a re-scrub)."""
    source = SAMPLE.parents[1] / sample
    history = ("--history", str(tmp_path / "history.db"))

    def run(path: Path, out: Path, *extra: str) -> bytes:
        args = ["scrub", str(path), "--tables", str(sample_tables_db), "-o", str(out), "-q"]
        assert cli.main([*args, *extra]) in (0, 1)
        return out.read_bytes()

    first = run(source, tmp_path / "first", *history)
    assert run(source, tmp_path / "again", *history) == first
    again = run(tmp_path / "first", tmp_path / "second", *history)
    assert again == run(tmp_path / "first", tmp_path / "plain", "--no-history")


def test_a_fhir_replacement_supersedes_its_original_in_the_day_totals(
    tables: Any, plugins: Plugins
) -> None:
    """FHIR ``Claim.related`` (relationship ``prior``) names the claim a corrected Claim
    replaces: its units stand in for the original's, they are never added to them."""
    sample = Path(__file__).resolve().parents[1] / "samples/fhir/home-infusion-medicaid.r4.json"
    original = sample.read_bytes()
    tree = json.loads(original)
    tree["identifier"][0]["value"] = "HI-MCD-0001R"
    tree["related"] = _prior("HI-MCD-0001")
    replacement = json.dumps(tree).encode()
    history = ClaimHistory()
    scrub_bytes(original, tables=tables, plugins=plugins, history=history)
    fixed = scrub_bytes(replacement, tables=tables, plugins=plugins, history=history)
    assert not [m for m in _messages(fixed.report, "HI-MCD-0001R") if "earlier claims" in m]
    # the same Claim as a new claim (no related) is summed with the first one
    tree.pop("related")
    tree["identifier"][0]["value"] = "HI-MCD-0002"
    other = scrub_bytes(json.dumps(tree).encode(), tables=tables, plugins=plugins, history=history)
    assert [m for m in _messages(other.report, "HI-MCD-0002") if "earlier claims" in m]
