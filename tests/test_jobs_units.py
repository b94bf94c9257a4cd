"""``scrubber scrub --jobs N`` on one large input cut into units: the same outputs, report,
history and exit code as ``--jobs 1``, wherever the cuts fall (test_jobs.py: whole inputs)."""

from __future__ import annotations

import re
import sqlite3
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from runner_parity import (
    CLAIM_SAMPLES,
    SAMPLES,
    claim_entry,
    mixed_lines,
    one_and_two_jobs,
    run_jobs,
)

import scrubber._cli as cli
from scrubber_x12.synthetic import SyntheticLine, synthetic_837

TWO = ("--jobs", "2")


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
    one, two = one_and_two_jobs([sample], sample_tables_db, tmp_path, "--no-history", *extra)
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
        one, two = one_and_two_jobs([path], sample_tables_db, tmp_path / path.name, "--no-history")
        assert two == one, path.name
    joined = tmp_path / "joined.837"
    joined.write_bytes(b"\n".join(p.read_bytes().strip() for p in inputs) + b"\n")
    one, two = one_and_two_jobs([joined], sample_tables_db, tmp_path / "joined", "--no-history")
    assert one[2] is not None and one[2]["summary"]["claims"] >= len(inputs)
    assert two == one


def _large_837(path: Path, claims: int, per_st: int, tag: str = "L") -> Path:
    """A single 837P of *claims* claims, *per_st* per transaction set, each claim its own
    beneficiary (as a clearinghouse file mostly is)."""
    data = synthetic_837(
        claims, claim_lines=[mixed_lines(i) for i in range(claims)], claims_per_transaction=per_st
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
    one, two = one_and_two_jobs([path], sample_tables_db, tmp_path, "--no-history")
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
    one, two = one_and_two_jobs([path], sample_tables_db, tmp_path, "--no-history")
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
        results[jobs] = run_jobs(
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
    code, files, report = run_jobs(
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
        code, files, report = run_jobs([path], sample_tables_db, tmp_path / f"o{jobs}", jobs)
        assert code == 2
        assert files == {} and report is None
        messages.append(capsys.readouterr().err)
    assert messages[1] == messages[0]
    assert messages[0].startswith(f"scrubber: {path}, segment ")


@pytest.mark.usefixtures("small_units")
def test_a_cut_837_with_check_and_a_persisted_history_is_the_same(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    """--check writes no claims; --history stores the units' claims in input order, as one
    process does, and a second run counts them."""
    path = _large_837(tmp_path / "large.837", 200, 60)
    assert len(_units_of(path)) >= 4
    one, two = one_and_two_jobs(
        [path], sample_tables_db, tmp_path / "check", "--no-history", "--check"
    )
    assert one[1] == {} and one[2] is not None
    assert two == one
    stored = []
    for jobs in (1, 2):
        db = tmp_path / f"history{jobs}.db"
        first = run_jobs(
            [path], sample_tables_db, tmp_path / f"h{jobs}", jobs, "--history", str(db)
        )
        again = run_jobs(
            [path], sample_tables_db, tmp_path / f"g{jobs}", jobs, "--history", str(db)
        )
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
        result = run_jobs(
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
