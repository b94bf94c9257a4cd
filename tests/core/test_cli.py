"""The command line: exit codes, one-line errors, atomic output, report, stdin/stdout.

Uses a tiny pipe-delimited test format so the CLI is tested apart from the real adapters
(those have end-to-end CLI tests of their own in tests/test_end_to_end.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import scrubber._cli as cli
from scrubber import hookimpl
from scrubber._api import Plugins
from scrubber._edits import Edit, edit
from scrubber._errors import AdapterError
from scrubber._findings import Severity
from scrubber._fixes import SetUnits
from scrubber._formats import ClaimPiece, Format, FormatOptions, Piece, Verbatim
from scrubber._manager import DEFAULT_PLUGINS, make_plugin_manager
from scrubber._models import Claim, ServiceLine, SourceRef
from scrubber._store import TableStore

MAGIC = b"#PIPE-CLAIMS\n"


def _read(chunks: Iterable[bytes], options: FormatOptions) -> Iterator[Piece]:
    lines = b"".join(chunks).splitlines(keepends=True)
    if not lines or lines[0] != MAGIC:
        raise AdapterError("missing #PIPE-CLAIMS header", position="line 1")
    yield Verbatim(payload=lines[0])
    for n, raw in enumerate(lines[1:], start=2):
        fields = raw.decode().strip().split("|")
        if len(fields) != 5:
            raise AdapterError("expected 5 fields", position=f"line {n}")
        claim_id, code, units, charge, day = fields
        if units == "?":
            yield ClaimPiece(
                claim=None,
                payload=raw,
                locator=f"line {n}",
                problem="units unknown",
                claim_id=claim_id,
            )
            continue
        line = ServiceLine(
            number=1,
            code=code,
            units=Decimal(units),
            charge=Decimal(charge),
            service_from=date.fromisoformat(day),
            source=SourceRef(locator=f"line {n}"),
        )
        claim = Claim(id=claim_id, lines=(line,), total_charge=line.charge, patient_key=claim_id)
        yield ClaimPiece(claim=claim, payload=raw, locator=f"line {n}", claim_id=claim_id)


def _write(pairs: Iterable[tuple[Piece, Claim | None]], options: FormatOptions) -> Iterator[bytes]:
    for piece, fixed in pairs:
        if fixed is None:
            yield piece.payload  # type: ignore[misc]
        else:
            for ln in fixed.lines:
                yield f"{fixed.id}|{ln.code}|{ln.units}|{ln.charge}|{ln.service_from}\n".encode()


PIPE = Format(
    name="pipe",
    description="test format",
    sniff=lambda head: head.startswith(MAGIC),
    read=_read,
    write=_write,
)


@edit("TST200", summary="cap at 2", citation="test rule")
def cap(claim, ctx):
    for line in claim.lines:
        if line.units > 2:
            yield ctx.finding(line, "over 2", fixes=[SetUnits(line=line.number, units=Decimal(2))])


@edit("TST201", summary="notes J codes", citation="test rule", severity=Severity.INFO)
def note(claim, ctx):
    for line in claim.lines:
        if line.code.startswith("J"):
            yield ctx.finding(line, "drug line")


@edit("BOOM002", summary="raises on X", citation="test rule")
def boom(claim, ctx):
    if claim.id == "X":
        raise RuntimeError("boom")
    return []


class TestPlugin:
    @hookimpl
    def scrubber_formats(self) -> list[Format]:
        return [PIPE]

    @hookimpl
    def scrubber_edits(self) -> list[Edit]:
        return [cap, note, boom]


@pytest.fixture(autouse=True)
def pipe_plugins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pm = make_plugin_manager(entrypoints=False, blocked=DEFAULT_PLUGINS, extra=[TestPlugin()])
    plugins = Plugins.load(pm)
    monkeypatch.setattr(cli, "_load_plugins", lambda: plugins)
    empty = tmp_path / "empty.db"  # a store with no tables (a missing one is an error)
    TableStore.open(empty, create=True).close()
    monkeypatch.setenv("SCRUBBER_TABLES", str(empty))
    monkeypatch.setattr(cli, "_plugin_manager", lambda broken=None: pm)


def write(path: Path, *rows: str) -> Path:
    path.write_bytes(MAGIC + "".join(r + "\n" for r in rows).encode())
    return path


def test_clean_input_exits_0_and_is_byte_identical(tmp_path: Path) -> None:
    src = write(tmp_path / "in.txt", "A|99213|1|80.00|2026-01-15")
    out = tmp_path / "out.txt"
    assert cli.main(["scrub", str(src), "-o", str(out), "-q"]) == 0
    assert out.read_bytes() == src.read_bytes()
    assert out.stat().st_mode & 0o777 == src.stat().st_mode & 0o777  # not mkstemp's 0600


def test_error_findings_exit_1_fixes_written_and_report(tmp_path: Path) -> None:
    src = write(
        tmp_path / "in.txt",
        "A|99213|1|80.00|2026-01-15",
        "B|97110|4|100.00|2026-01-15",
        "C|J1100|1|5.00|2026-01-15",
    )
    out, report = tmp_path / "out.txt", tmp_path / "r.json"
    assert cli.main(["scrub", str(src), "-o", str(out), "--report", str(report), "-q"]) == 1
    assert out.read_text().splitlines()[2] == "B|97110|2|50.00|2026-01-15"
    data = json.loads(report.read_text())
    assert data["report_version"] == 1
    assert data["summary"]["claims"] == 3 and data["summary"]["fixes_applied"] == {"SetUnits": 1}
    # the default report level: untouched claims (A, and C with an info finding only) are
    # counted, not listed
    assert [c["claim_id"] for c in data["claims"]] == ["B"]
    assert data["summary"]["findings"]["by_code"] == {"TST200": 1, "TST201": 1}
    [finding] = data["claims"][0]["findings"]
    assert (finding["code"], finding["line"], finding["citation"]) == ("TST200", 1, "test rule")
    assert data["claims"][0]["fixes"][0] == {
        "kind": "SetUnits",
        "line": 1,
        "units": "2",
        "by": "TST200",
        "phase": "limit",
    }
    before, after = data["claims"][0]["before"], data["claims"][0]["after"]
    assert (before["lines"][0]["units"], before["lines"][0]["charge"]) == ("4", "100.00")
    assert (after["lines"][0]["units"], after["lines"][0]["charge"]) == ("2", "50.00")
    assert (before["total_charge"], after["total_charge"]) == ("100.00", "50.00")


@pytest.mark.parametrize(
    ("level", "listed"), [("summary", []), ("findings", ["B"]), ("all", ["A", "B", "C"])]
)
def test_report_level_decides_which_claims_get_an_entry(
    tmp_path: Path, level: str, listed: list[str]
) -> None:
    src = write(
        tmp_path / "in.txt",
        "A|99213|1|80.00|2026-01-15",
        "B|97110|4|100.00|2026-01-15",
        "C|J1100|1|5.00|2026-01-15",
    )
    report = tmp_path / "r.json"
    args = ["scrub", str(src), "--check", "--report", str(report), "--report-level", level, "-q"]
    assert cli.main(args) == 1
    data = json.loads(report.read_text())
    assert [c["claim_id"] for c in data["claims"]] == listed
    assert data["summary"]["claims"] == 3 and data["summary"]["report_level"] == level
    if level == "all":  # an untouched claim's entry is compact: no empty lists, no nulls
        assert data["claims"][0] == {
            "input": str(src),
            "claim_id": "A",
            "source": "line 2",
            "payer": "defaults",
            "changed": False,
        }


def test_check_mode_writes_no_output_and_proposes(tmp_path: Path) -> None:
    src = write(tmp_path / "in.txt", "B|97110|4|100.00|2026-01-15")
    out, report = tmp_path / "out.txt", tmp_path / "r.json"
    assert cli.main(["scrub", str(src), "--check", "--report", str(report), "-q"]) == 1
    assert not out.exists()
    assert json.loads(report.read_text())["summary"]["mode"] == "check"


def test_unreadable_claim_passes_through_and_is_reported(tmp_path: Path) -> None:
    src = write(tmp_path / "in.txt", "A|99213|?|80.00|2026-01-15", "B|99213|1|80.00|2026-01-15")
    out, report = tmp_path / "out.txt", tmp_path / "r.json"
    assert cli.main(["scrub", str(src), "-o", str(out), "--report", str(report), "-q"]) == 1
    assert out.read_bytes() == src.read_bytes()
    claims = json.loads(report.read_text())["claims"]
    assert claims[0]["findings"][0]["code"] == "SCR002"


def test_bad_input_is_one_line_exit_2_and_no_output(tmp_path: Path, capsys) -> None:
    src = write(tmp_path / "in.txt", "A|99213|1|80.00|2026-01-15", "broken row")
    out, report = tmp_path / "out.txt", tmp_path / "r.json"
    assert cli.main(["scrub", str(src), "-o", str(out), "--report", str(report)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"scrubber: {src}, line 3: expected 5 fields"]
    assert not out.exists() and not report.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".scrubber-")] == []


def test_second_input_failing_leaves_no_output_of_the_first(tmp_path: Path) -> None:
    good = write(tmp_path / "good.txt", "A|99213|1|80.00|2026-01-15")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"not a claim file")
    outdir = tmp_path / "out"
    assert cli.main(["scrub", str(good), str(bad), "--out-dir", str(outdir), "-q"]) == 2
    assert not (outdir / "good.txt").exists()


def test_missing_file_and_empty_file(tmp_path: Path, capsys) -> None:
    assert cli.main(["scrub", str(tmp_path / "nope.txt")]) == 2
    assert "nope.txt: cannot read" in capsys.readouterr().err
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert cli.main(["scrub", str(empty)]) == 2
    assert "empty input" in capsys.readouterr().err


def test_unknown_option_is_one_line_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["scrub", "--no-such-option", "x"])
    assert info.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_edit_failure_exits_3_and_others_still_run(tmp_path: Path) -> None:
    src = write(tmp_path / "in.txt", "X|97110|4|100.00|2026-01-15")
    out, report = tmp_path / "out.txt", tmp_path / "r.json"
    assert cli.main(["scrub", str(src), "-o", str(out), "--report", str(report), "-q"]) == 3
    entry = json.loads(report.read_text())["claims"][0]
    assert entry["failures"][0]["code"] == "BOOM002"
    assert entry["findings"][0]["code"] == "TST200"


def test_stdin_to_stdout(tmp_path: Path, monkeypatch, capsysbinary) -> None:
    import io
    import sys

    data = MAGIC + b"B|97110|4|100.00|2026-01-15\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    assert cli.main(["scrub", "-", "-q"]) == 1
    assert capsysbinary.readouterr().out == MAGIC + b"B|97110|2|50.00|2026-01-15\n"


def test_unreadable_profile_is_exit_2(tmp_path: Path, capsys) -> None:
    src = write(tmp_path / "in.txt", "A|99213|1|80.00|2026-01-15")
    bad = tmp_path / "p.toml"
    bad.write_text("[defaults\n")
    assert cli.main(["scrub", str(src), "--profile", str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"scrubber: {bad}: not valid TOML")
    assert cli.main(["profile", "show", "--profile", str(tmp_path / "missing.toml")]) == 2


def test_corrupt_table_store_is_exit_2(tmp_path: Path, capsys) -> None:
    store = tmp_path / "t.db"
    store.write_bytes(b"garbage" * 1000)
    src = write(tmp_path / "in.txt", "A|99213|1|80.00|2026-01-15")
    assert cli.main(["scrub", str(src), "--tables", str(store)]) == 2
    assert "not a readable table store" in capsys.readouterr().err
    assert cli.main(["tables", "list", "--tables", str(store)]) == 2


def test_tables_import_unrecognised_file_is_exit_2(tmp_path: Path, capsys) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01")
    assert cli.main(["tables", "import", str(junk), "--tables", str(tmp_path / "t.db")]) == 2
    assert "no installed importer" in capsys.readouterr().err
    assert not (tmp_path / "t.db").exists()


def test_plugins_and_edits_listings(capsys) -> None:
    assert cli.main(["edits"]) == 0
    assert "TST200" in capsys.readouterr().out
    assert cli.main(["plugins"]) == 0
    assert capsys.readouterr().out.split()[:3] == ["TestPlugin", "unknown", "scrubber_edits,"]


def test_explain_without_anything_known(tmp_path: Path, capsys) -> None:
    assert cli.main(["explain", "ZZZZZ", "--date", "2026-01-15", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sections"] == []


def test_strict_names_the_edit_that_raised(tmp_path: Path, capsys) -> None:
    src = write(tmp_path / "in.txt", "X|97110|4|100.00|2026-01-15")
    assert cli.main(["scrub", str(src), "--check", "--strict"]) == 3
    [line] = capsys.readouterr().err.splitlines()
    assert "edit BOOM002" in line and "on claim X" in line and "RuntimeError" in line
    assert "SCRUBBER_BLOCK_PLUGINS=TestPlugin" in line


def test_an_edit_failure_is_listed_with_its_plugin_and_how_to_block_it(
    tmp_path: Path, capsys
) -> None:
    src = write(tmp_path / "in.txt", "X|97110|4|100.00|2026-01-15")
    assert cli.main(["scrub", str(src), "--check"]) == 3
    [line] = [x for x in capsys.readouterr().err.splitlines() if "  BOOM002  " in x]
    assert line.startswith(f"{src}:X:-  BOOM002  error    edit raised RuntimeError: boom")
    assert line.endswith(
        "(plugin TestPlugin; to run without it, set SCRUBBER_BLOCK_PLUGINS=TestPlugin)"
    )
