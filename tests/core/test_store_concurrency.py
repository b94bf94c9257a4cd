"""The table store shared by real processes: racing first imports, and a locked store.

Each racer waits for a start file, so the processes open a new store at the same moment:
the window in which two of them used to create the schema twice.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import scrubber._cli as cli
import scrubber._store as store_module
from scrubber._store import TableStore

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "tables"
TABLE = SAMPLES / "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv"

RACER = """
import os, sys, time
from pathlib import Path
from scrubber._store import TableStore
from scrubber._tables import ImportHints
from scrubber_mue.readers import parse_mue_file
go, db, table = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
parsed = parse_mue_file(table.name, table.read_bytes(), ImportHints())
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
store = TableStore.open(db, create=True)
print(store.import_tables(parsed)[0].outcome, flush=True)
"""

HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def _race(tmp_path: Path, round_number: int, racers: int) -> list[tuple[int, str, str]]:
    go = tmp_path / f"go{round_number}"
    db = tmp_path / f"fresh{round_number}.db"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(go), str(db), str(TABLE)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(racers)
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append((proc.returncode, out.strip(), err.strip()))
    return results


def test_first_time_imports_racing_on_a_new_store_all_succeed(tmp_path: Path) -> None:
    for round_number in range(3):
        results = _race(tmp_path, round_number, racers=3)
        assert [r[0] for r in results] == [0, 0, 0], results
        assert sorted(r[1] for r in results) == ["added", "unchanged", "unchanged"]
        store = TableStore.open(tmp_path / f"fresh{round_number}.db", create=False)
        assert len(store.list_tables()) == 1
        store.close()


def _hold_lock(db: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def test_a_locked_store_is_busy_not_damaged(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "tables.db"
    TableStore.open(db, create=True).close()
    holder = _hold_lock(db, 30)
    try:
        monkeypatch.setattr(store_module, "BUSY_TIMEOUT_SECONDS", 0.2)
        assert cli.main(["tables", "import", str(TABLE), "--tables", str(db)]) == 2
        [line] = capsys.readouterr().err.splitlines()
        assert line.startswith(f"scrubber: {db}: the table store is busy (another process")
        assert "damaged" not in line
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    assert cli.main(["tables", "import", str(TABLE), "--tables", str(db)]) == 0


def test_an_import_waits_for_a_short_lock(tmp_path: Path, capsys) -> None:
    db = tmp_path / "tables.db"
    TableStore.open(db, create=True).close()
    holder = _hold_lock(db, 1.0)
    try:
        assert cli.main(["tables", "import", str(TABLE), "--tables", str(db)]) == 0
    finally:
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    assert "added" in capsys.readouterr().out
    assert holder.returncode == 0  # the holder committed: the import waited, then wrote
