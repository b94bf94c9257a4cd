"""``scrubber scrub --jobs N``: the same outputs, report, history and exit code as ``--jobs 1``.

Every test runs the CLI twice on the same inputs, once with one process and once with worker
processes, and compares what a user gets: the output files byte for byte, the report (it has
no timing fields; claims in input order) and the exit code.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from runner_parity import (
    CLAIM_SAMPLES,
    SAMPLES,
    Outcome,
    batch_file,
    check_bad_input_message,
    check_crash_writes_nothing,
    check_day_total_across_two_files,
    check_persisted_history,
    check_raising_edit_reported,
    check_shared_beneficiaries,
    claim_entry,
    install_crash_plugin,
    run_cli,
)

import scrubber._cli as cli
from scrubber_x12.synthetic import SyntheticLine, synthetic_837

TWO = ("--jobs", "2")


def scrub(inputs: list[Path], tables: Path, out: Path, jobs: int, *extra: str) -> Outcome:
    return run_cli(inputs, tables, out, "--jobs", str(jobs), *extra)


def both(
    inputs: list[Path], tables: Path, tmp_path: Path, *extra: str
) -> tuple[tuple[int, dict[str, bytes], Any], tuple[int, dict[str, bytes], Any]]:
    one = scrub(inputs, tables, tmp_path / "one", 1, *extra)
    two = scrub(inputs, tables, tmp_path / "two", 2, *extra)
    return one, two


def test_every_sample_together_is_the_same_with_two_workers(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    one, two = both(CLAIM_SAMPLES, sample_tables_db, tmp_path, "--no-history")
    assert one[1], "the samples produced outputs"
    assert len(one[2]["claims"]) >= len(CLAIM_SAMPLES)
    assert two == one


@pytest.mark.parametrize("extra", [["--check"], ["--validate"]])
def test_x12_samples_check_and_validate_are_the_same(
    sample_tables_db: Path, tmp_path: Path, extra: list[str]
) -> None:
    inputs = sorted(p for p in SAMPLES.glob("x12/*.837") if ".expected." not in p.name)
    one, two = both(inputs, sample_tables_db, tmp_path, "--no-history", *extra)
    assert one[0] in (0, 1) and one[2] is not None and one[2]["claims"]
    assert two == one


def test_corpus_is_the_same_with_two_workers(
    corpus_dir: Path, sample_tables_db: Path, tmp_path: Path
) -> None:
    inputs = sorted(corpus_dir.glob("x12/*.837"))
    assert len(inputs) > 2
    one, two = both(inputs, sample_tables_db, tmp_path, "--no-history")
    assert one[2] is not None and one[2]["summary"]["claims"] > 0
    assert two == one


def test_generated_batch_with_shared_beneficiaries_is_the_same(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    check_shared_beneficiaries(sample_tables_db, tmp_path, TWO)


@pytest.mark.parametrize("jobs", [1, 2])
def test_day_total_is_summed_across_two_files(
    sample_tables_db: Path, tmp_path: Path, jobs: int
) -> None:
    check_day_total_across_two_files(sample_tables_db, tmp_path, ("--jobs", str(jobs)))


def test_persisted_history_is_written_as_with_one_process(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    check_persisted_history(sample_tables_db, tmp_path, TWO)


def test_bad_input_is_exit_2_naming_the_file(
    sample_tables_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check_bad_input_message(sample_tables_db, tmp_path, TWO, capsys)


@pytest.fixture
def crash_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The crash plugin installed as users install one, so that worker processes, which
    load plugins themselves, load it too."""
    site = install_crash_plugin(tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", str(site))
    yield
    sys.modules.pop("scrubber_crash_test", None)


@pytest.mark.usefixtures("crash_plugin")
def test_an_edit_that_raises_is_reported_as_with_one_process(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    check_raising_edit_reported(sample_tables_db, tmp_path, TWO)


@pytest.mark.usefixtures("crash_plugin")
@pytest.mark.parametrize(("claim_id", "extra"), [("RAISE1", ["--strict"]), ("DIE1", [])])
def test_a_crash_in_a_worker_is_exit_3_and_writes_nothing(
    sample_tables_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    claim_id: str,
    extra: list[str],
) -> None:
    check_crash_writes_nothing(sample_tables_db, tmp_path, TWO, claim_id, extra)
    err = capsys.readouterr().err
    assert ("ended abruptly" if claim_id == "DIE1" else "edit bug on purpose") in err


def test_jobs_must_not_be_negative(sample_tables_db: Path, tmp_path: Path) -> None:
    inputs = [batch_file(tmp_path / "a.837", "A", 2), batch_file(tmp_path / "b.837", "B", 2)]
    code, files, _report = scrub(inputs, sample_tables_db, tmp_path / "out", -1)
    assert code == 2 and files == {}


def _keys(*keys: str) -> Any:
    from scrubber._jobs_worker import Scrubbed

    return [
        Scrubbed(
            index=i,
            output=None,
            entries="",
            listing=None,
            responses=None,
            keys=frozenset(k),
            tables=(),
        )
        for i, k in enumerate(keys)
    ]


def test_inputs_sharing_a_beneficiary_through_a_chain_are_one_group() -> None:
    from scrubber._grouping import unit_groups

    # 0 and 2 share p; 2 and 4 share q: one group in input order; 1 and 3 alone
    results = _keys(["p"], ["x"], ["p", "q"], [], ["q"])
    assert unit_groups(results) == [[0, 2, 4], [1], [3]]


def test_jobs_zero_means_every_core() -> None:
    import argparse
    import os

    from scrubber._cli_jobs import jobs_wanted

    assert jobs_wanted(argparse.Namespace(jobs=0)) == (os.cpu_count() or 1)
    assert jobs_wanted(argparse.Namespace(jobs=3)) == 3


def test_an_input_sharing_nothing_with_earlier_ones_only_feeds_the_history() -> None:
    from scrubber._grouping import feeders

    # group 0, 1, 2: 0 is final and feeds p; 1 (x only) is final too and feeds x;
    # 2 has p and x from earlier inputs: scrubbed again
    results = _keys(["p", "y"], ["x"], ["p", "x"])
    assert feeders([0, 1, 2], results) == {0: frozenset({"p"}), 1: frozenset({"x"})}


def test_terminal_listing_and_html_are_the_same_with_two_workers(
    sample_tables_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = sorted(p for p in SAMPLES.glob("x12/*.837") if ".expected." not in p.name)
    seen = []
    for jobs in (1, 2):
        out = tmp_path / str(jobs)
        code = cli.main(
            [
                "scrub",
                *map(str, inputs),
                "--tables",
                str(sample_tables_db),
                "--out-dir",
                str(out),
                "--no-history",
                "--html",
                str(tmp_path / f"r{jobs}.html"),
                "--jobs",
                str(jobs),
            ]
        )
        seen.append((code, capsys.readouterr().err, (tmp_path / f"r{jobs}.html").read_bytes()))
    assert "MUE" in seen[0][1]  # the listing names findings
    assert seen[1] == seen[0]


# --- one large input cut into units -------------------------------------------------------


@pytest.fixture
def small_units(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut even a small input into units (about 1/8 of the run's bytes each), so that every
    sample exercises the cutting, the unit readers and the seams."""
    import scrubber._jobs_passes as passes

    monkeypatch.setattr(passes, "MIN_UNIT", 1)


def _units_of(path: Path, jobs: int = 2) -> list[tuple[int, int]]:
    """The byte ranges ``--jobs`` cuts *path* into (with the unit size a run of it uses)."""
    import scrubber._jobs_passes as passes
    from scrubber import Plugins
    from scrubber._cli_io import read_chunks
    from scrubber._jobs_worker import Input

    plugins = Plugins.load()
    fmt = next(f for f in plugins.formats if f.sniff(path.read_bytes()[:4096]))
    whole = Input(index=0, path=str(path), source=str(path), fmt=fmt.name, respond=False)
    assert fmt.split is not None
    size = passes.unit_size(jobs, [whole])
    units = [u for _i, u in passes.cut_units(whole, fmt, size) if u is not None]
    if not units:
        return [(0, path.stat().st_size)]
    # the units cover the file, in order, without a gap
    cut = fmt.split.cut(read_chunks(str(path)), size)
    assert [(u.start, u.end) for u in cut] == [(u.start, u.end) for u in units]
    assert cut[0].start == 0 and cut[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in pairwise(cut))
    return [(u.start, u.end) for u in units]


@pytest.mark.usefixtures("small_units")
@pytest.mark.parametrize("sample", CLAIM_SAMPLES, ids=lambda p: p.name)
def test_each_sample_alone_cut_into_units_is_the_same(
    sample_tables_db: Path, tmp_path: Path, sample: Path
) -> None:
    extra = ["--validate"] if sample.suffix == ".837" else []
    one, two = both([sample], sample_tables_db, tmp_path, "--no-history", *extra)
    assert one[1] and one[2] is not None
    assert two == one


def test_samples_that_can_be_cut_are_cut(small_units: None) -> None:
    """The 837P samples with several subscribers and the NDJSON batch are cut; a Bundle,
    one Claim and XML stay whole."""
    cut = {p.name: len(_units_of(p)) > 1 for p in CLAIM_SAMPLES}
    assert cut["batch.r4.ndjson"]
    assert any(cut[p.name] for p in CLAIM_SAMPLES if p.suffix == ".837")
    assert not any(cut[p.name] for p in CLAIM_SAMPLES if p.suffix in (".xml",))
    assert not cut["bundle-two-claims.r4.json"]


@pytest.mark.usefixtures("small_units")
def test_corpus_files_alone_and_as_one_file_are_the_same(
    corpus_dir: Path, sample_tables_db: Path, tmp_path: Path
) -> None:
    """Real files, each cut at its subscribers, then all of them as one file of several
    interchanges (cut across interchanges where their delimiters agree)."""
    inputs = sorted(corpus_dir.glob("x12/*.837"))
    for path in inputs:
        one, two = both([path], sample_tables_db, tmp_path / path.name, "--no-history")
        assert two == one, path.name
    joined = tmp_path / "joined.837"
    joined.write_bytes(b"\n".join(p.read_bytes().strip() for p in inputs) + b"\n")
    one, two = both([joined], sample_tables_db, tmp_path / "joined", "--no-history")
    assert one[2] is not None and one[2]["summary"]["claims"] >= len(inputs)
    assert two == one


def _mixed_lines(index: int) -> list[SyntheticLine]:
    """Mostly clean claims; some over an MUE, so their lines gain notes and attachments
    and the transaction set's segment count changes."""
    day = f"202607{1 + index % 28:02d}"
    if index % 9 == 4:  # 99213 2 + 2 on one day: over the sample MAI 3 MUE of 3
        return [SyntheticLine(code="99213", units=Decimal(2), date=day)] * 2
    if index % 13 == 6:  # 97110 x 6: over its MAI 1 MUE of 4
        return [SyntheticLine(code="97110", units=Decimal(6), date=day)]
    return [
        SyntheticLine(code="99213", units=Decimal(1), date=day),
        SyntheticLine(code="J1100", units=Decimal(10), date=day),
    ]


def _large_837(path: Path, claims: int, per_st: int, tag: str = "L") -> Path:
    """A single 837P of *claims* claims, *per_st* per transaction set, each claim its own
    beneficiary (as a clearinghouse file mostly is)."""
    data = synthetic_837(
        claims, claim_lines=[_mixed_lines(i) for i in range(claims)], claims_per_transaction=per_st
    )
    counter = iter(range(claims))
    data = re.sub(rb"\*MI\*M\d{9}", lambda _m: b"*MI*%s%09d" % (tag.encode(), next(counter)), data)
    path.write_bytes(data.replace(b"CLM*SYN", b"CLM*" + tag.encode()))
    return path


def _se01(data: bytes) -> list[bytes]:
    return re.findall(rb"SE\*(\d+)\*", data)


@pytest.mark.usefixtures("small_units")
@pytest.mark.parametrize(("claims", "per_st"), [(300, 40), (300, 5000)], ids=["many-st", "one-st"])
def test_a_large_837_cut_into_units_is_the_same(
    sample_tables_db: Path, tmp_path: Path, claims: int, per_st: int
) -> None:
    """Cut inside transaction sets: SE01 still counts every segment of its set, whichever
    units its claims were scrubbed in; GE01, IEA01 and control numbers as read."""
    path = _large_837(tmp_path / "large.837", claims, per_st)
    assert len(_units_of(path)) >= 4
    one, two = both([path], sample_tables_db, tmp_path, "--no-history")
    assert one[2] is not None and one[2]["summary"]["claims"] == claims
    assert one[2]["summary"]["claims_changed"] > 0
    assert two == one
    written = one[1]["large.837"]
    assert _se01(written) != _se01(path.read_bytes())  # the fixes changed the counts
    assert re.findall(rb"(?:GE|IEA)\*[^~]*~", written) == re.findall(
        rb"(?:GE|IEA)\*[^~]*~", path.read_bytes()
    )


@pytest.mark.usefixtures("small_units")
def test_a_large_ndjson_cut_at_lines_is_the_same(sample_tables_db: Path, tmp_path: Path) -> None:
    batch = (SAMPLES / "fhir" / "batch.r4.ndjson").read_bytes()
    lines = batch.splitlines(keepends=True)
    path = tmp_path / "large.ndjson"
    # the batch's lines again and again, each Claim its own id; a blank line now and then
    parts = []
    for copy in range(40):
        for number, line in enumerate(lines):
            parts.append(line.replace(b'"value": "', b'"value": "C%d-%d-' % (copy, number), 1))
        if copy % 7 == 3:
            parts.append(b"\n")
    path.write_bytes(b"".join(parts))
    assert len(_units_of(path)) >= 4
    one, two = both([path], sample_tables_db, tmp_path, "--no-history")
    assert one[2] is not None and one[2]["summary"]["claims"] >= 40
    assert two == one


def _day_claim(claim_id: str, member: bytes) -> bytes:
    """A one-claim 837P whose claim bills 99213 x 2 on 2026-07-15 for *member*."""
    data = synthetic_837(1, claim_lines=[[SyntheticLine(code="99213", units=Decimal(2))]])
    data = data.replace(b"CLM*SYN0000000", b"CLM*" + claim_id.encode())
    return re.sub(rb"\*MI\*M\d{9}", b"*MI*" + member, data)


@pytest.mark.usefixtures("small_units")
def test_a_beneficiary_in_two_units_of_one_file_is_summed(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    """The first and the last claim of one large file bill 99213 x 2 for the same
    beneficiary on the same day: they are scrubbed in different units, and the day total of
    4 still exceeds the sample MUE of 3 on the last one, as with one process."""
    middle = _large_837(tmp_path / "middle.837", 200, 5000, tag="M").read_bytes()
    first, last = _day_claim("DAYONE", b"SHARED1"), _day_claim("DAYTWO", b"SHARED1")
    # one interchange: the first claim's 2000B, the middle ones', the last claim's 2000B
    head, _, rest = first.partition(b"HL*2*1*22*0~")
    claim_one, _, _trailer = rest.partition(b"SE*")
    body = middle.split(b"HL*2*1*22*0~", 1)[1].rsplit(b"SE*", 1)[0]
    claim_two = last.split(b"HL*2*1*22*0~", 1)[1].rsplit(b"SE*", 1)[0]
    segments = head + b"HL*2*1*22*0~" + claim_one + body + b"HL*999*1*22*0~" + claim_two
    st_count = segments[segments.index(b"ST*") :].count(b"~")
    path = tmp_path / "day.837"
    path.write_bytes(segments + b"SE*%d*0001~\nGE*1*1~\nIEA*1*000000001~\n" % (st_count + 1))
    data = path.read_bytes()
    units = _units_of(path)
    [one_in] = [u for u in units if u[0] <= data.index(b"CLM*DAYONE") < u[1]]
    [two_in] = [u for u in units if u[0] <= data.index(b"CLM*DAYTWO") < u[1]]
    assert one_in != two_in
    results = {}
    for jobs in (1, 2):
        results[jobs] = scrub(
            [path], sample_tables_db, tmp_path / f"o{jobs}", jobs, "--no-history",
            "--report-level", "all",
        )  # fmt: skip
    assert results[2] == results[1]
    report = results[1][2]
    assert report is not None
    assert not claim_entry(report, "DAYONE").get("findings")
    later = claim_entry(report, "DAYTWO")["findings"]
    assert [f["code"] for f in later] == ["MUE003"]
    assert "plus 2 units on earlier claims" in later[0]["message"]


@pytest.mark.usefixtures("crash_plugin", "small_units")
@pytest.mark.parametrize(("claim_id", "extra"), [("RAISE1", ["--strict"]), ("DIE1", [])])
def test_a_crash_in_one_unit_of_a_file_is_exit_3_and_writes_nothing(
    sample_tables_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    claim_id: str,
    extra: list[str],
) -> None:
    path = _large_837(tmp_path / "large.837", 120, 5000)
    path.write_bytes(path.read_bytes().replace(b"CLM*L0000077", b"CLM*" + claim_id.encode()))
    assert len(_units_of(path)) >= 4
    code, files, report = scrub(
        [path], sample_tables_db, tmp_path / "out", 2, "--no-history", *extra
    )
    assert code == 3
    assert files == {} and report is None
    assert not list((tmp_path / "out").rglob("*.part"))
    err = capsys.readouterr().err
    assert ("ended abruptly" if claim_id == "DIE1" else "edit bug on purpose") in err


@pytest.mark.usefixtures("small_units")
@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"SE*", b"SE*9"),  # a wrong count in the second transaction set's trailer
        (b"LX*1~", b"L@*1~"),  # not a segment id, late in the file
        (b"GE*3*1~", b"GE*2*1~"),  # the group's count disagrees: seen in the last unit only
    ],
    ids=["se01", "segment-id", "ge01"],
)
def test_bad_input_in_a_later_unit_is_exit_2_as_with_one_process(
    sample_tables_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    old: bytes,
    new: bytes,
) -> None:
    path = _large_837(tmp_path / "bad.837", 120, 40)
    data = path.read_bytes()
    at = data.index(old, len(data) // 2) if old != b"SE*" else data.index(old, data.index(old) + 1)
    path.write_bytes(data[:at] + new + data[at + len(old) :])
    assert len(_units_of(path)) >= 4
    messages = []
    for jobs in (1, 2):
        code, files, report = scrub([path], sample_tables_db, tmp_path / f"o{jobs}", jobs)
        assert code == 2
        assert files == {} and report is None
        messages.append(capsys.readouterr().err)
    assert messages[1] == messages[0]
    assert messages[0].startswith(f"scrubber: {path}, segment ")


def _x12_units(data: bytes, size: int) -> list[tuple[int, int]]:
    from scrubber_x12.split import cut_837

    return [
        (u.start, u.end)
        for u in cut_837([data[i : i + 997] for i in range(0, len(data), 997)], size)
    ]


def test_x12_cuts_only_at_subscriber_loops_and_reads_what_it_cannot_follow_whole() -> None:
    data = synthetic_837(60, claims_per_transaction=25)
    units = _x12_units(data, 2000)
    assert len(units) > 4
    assert all(data[start:].lstrip().startswith(b"HL*") for start, _end in units[1:])
    assert all(data[start:].lstrip().split(b"*")[3] == b"22" for start, _end in units[1:])
    # a billing provider segment outside loop 2000A: no cut until the next 2000A
    dirty = data.replace(b"HL*3*1*22*0~", b"HL*3*1*22*0~\nPRV*BI*PXC*207Q00000X~", 1)
    first_st_end = dirty.index(b"SE*")
    assert not any(0 < start < first_st_end for start, _end in _x12_units(dirty, 2000))
    # a second interchange with other delimiters, a byte order mark, UTF-16: whole
    other = synthetic_837(3).replace(b"*", b"|").replace(b"~", b"!")
    assert len(_x12_units(data + other, 2000)) == 1
    assert len(_x12_units(b"\xef\xbb\xbf" + data, 2000)) == 1
    assert len(_x12_units(data.decode("latin-1").encode("utf-16"), 2000)) == 1
    # a file that ends inside an interchange is the reader's to name: whole
    assert len(_x12_units(data[: len(data) // 2], 2000)) == 1


def test_x12_keeps_consecutive_subscriber_loops_of_one_member_in_one_unit() -> None:
    """One beneficiary's claims in consecutive 2000B loops (here five each) are never cut
    apart, so that units rarely share a beneficiary (each one shared costs a second pass)."""
    counter = iter(range(300))
    data = re.sub(
        rb"\*MI\*M\d{9}",
        lambda _m: b"*MI*P%09d" % (next(counter) // 5),
        synthetic_837(300, claims_per_transaction=120),
    )
    units = _x12_units(data, 3000)
    assert len(units) > 10

    members = re.compile(rb"\*MI\*(P\d{9})")
    for start, _end in units[1:]:
        before = members.findall(data[:start])[-1]
        after = members.search(data, start)
        assert after is not None and after.group(1) != before


@pytest.mark.usefixtures("small_units")
def test_a_cut_837_with_check_and_a_persisted_history_is_the_same(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    """--check writes no claims; --history stores the units' claims in input order, as one
    process does, and a second run counts them."""
    path = _large_837(tmp_path / "large.837", 200, 60)
    assert len(_units_of(path)) >= 4
    one, two = both([path], sample_tables_db, tmp_path / "check", "--no-history", "--check")
    assert one[1] == {} and one[2] is not None
    assert two == one
    stored = []
    for jobs in (1, 2):
        db = tmp_path / f"history{jobs}.db"
        first = scrub([path], sample_tables_db, tmp_path / f"h{jobs}", jobs, "--history", str(db))
        again = scrub([path], sample_tables_db, tmp_path / f"g{jobs}", jobs, "--history", str(db))
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT * FROM claims ORDER BY patient, claim_id").fetchall()
        stored.append((first, again, rows))
    assert stored[1] == stored[0]
    assert len(stored[0][2]) == 200


@pytest.mark.usefixtures("small_units")
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["plain", "byte-order-mark"])
def test_a_cut_ndjson_with_responses_is_the_same(
    sample_tables_db: Path, tmp_path: Path, bom: bytes
) -> None:
    lines = (SAMPLES / "fhir" / "batch.r4.ndjson").read_bytes().splitlines(keepends=True)
    path = tmp_path / "responses.ndjson"
    path.write_bytes(bom + b"".join(lines * 30))
    assert len(_units_of(path)) >= 4
    seen = []
    for jobs in (1, 2):
        response = tmp_path / f"responses{jobs}.ndjson"
        result = scrub(
            [path], sample_tables_db, tmp_path / f"o{jobs}", jobs, "--no-history",
            "--response", str(response),
        )  # fmt: skip
        seen.append((result, response.read_bytes()))
    assert seen[1] == seen[0]
    assert seen[0][1].count(b"\n") >= 30


def test_units_stay_under_the_largest_unit_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """However large the input, a unit is about MAX_UNIT bytes at most (a worker's memory
    grows with its unit, not with the input): it ends at the first 2000B past that size."""
    import scrubber._jobs_passes as passes

    monkeypatch.setattr(passes, "MIN_UNIT", 1)
    monkeypatch.setattr(passes, "MAX_UNIT", 4000)
    path = _large_837(tmp_path / "large.837", 300, 5000)
    units = _units_of(path)
    assert len(units) > path.stat().st_size // 8000
    assert all(end - start < 4000 + 2000 for start, end in units[:-1])


def test_x12_units_read_and_written_are_the_whole_file(corpus_dir: Path) -> None:
    """At the adapter: the units' pieces are the whole file's (locators, claims, problems)
    and, every claim rewritten, the units' outputs joined are the whole file's output."""
    from scrubber import ClaimPiece, Seam
    from scrubber_x12.reader import read_837
    from scrubber_x12.split import cut_837, join_837, read_unit, write_unit
    from scrubber_x12.writer import write_837

    joined = b"\n".join(p.read_bytes().strip() for p in sorted(corpus_dir.glob("x12/*.837")))
    for data in (joined + b"\n", _mixed_837(), synthetic_837(90, claims_per_transaction=20)):
        units = cut_837([data[i : i + 1500] for i in range(0, len(data), 1500)], 600)
        assert len(units) > 2

        def summary(pieces: list[Any]) -> list[tuple[Any, ...]]:
            return [
                (p.locator, p.claim_id, p.problem, p.claim is None)
                for p in pieces
                if isinstance(p, ClaimPiece)
            ]

        whole = list(read_837([data], {}))
        parts = [list(read_unit([data[u.start : u.end]], u, {})) for u in units]
        assert summary([p for part in parts for p in part]) == summary(whole)

        def fixed(piece: Any) -> Any:  # every readable claim "changed": its lines re-rendered
            if isinstance(piece, ClaimPiece) and piece.claim is not None:
                return replace(piece.claim, lines=piece.claim.lines[:1])
            return None

        expected = b"".join(write_837(((p, fixed(p)) for p in whole), {}))
        out, state = [], None
        for unit, pieces in zip(units, parts, strict=True):
            for chunk in write_unit(((p, fixed(p)) for p in pieces), unit, {}):
                if isinstance(chunk, Seam):
                    text, state = join_837(chunk.payload, state)
                    out.append(text)
                else:
                    out.append(chunk)
        assert b"".join(out) == expected
        assert expected != data  # SE01 changed: the seams were needed


def _mixed_837() -> bytes:
    return synthetic_837(60, claim_lines=[_mixed_lines(i) for i in range(60)])


@pytest.mark.usefixtures("small_units")
def test_the_listing_and_html_of_a_cut_file_are_the_same(
    sample_tables_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _large_837(tmp_path / "large.837", 150, 5000)
    assert len(_units_of(path)) >= 4
    seen = []
    for jobs in (1, 2):
        html = tmp_path / f"r{jobs}.html"
        code = cli.main(
            [
                "scrub", str(path), "--tables", str(sample_tables_db), "--no-history",
                "--out-dir", str(tmp_path / f"o{jobs}"), "--html", str(html), "--jobs", str(jobs),
            ]
        )  # fmt: skip
        seen.append((code, capsys.readouterr().err, html.read_bytes()))
    assert "MUE" in seen[0][1]
    assert seen[1] == seen[0]
