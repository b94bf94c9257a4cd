"""A first ``tables import`` creates the store only when it succeeds.

An empty store left by a failed first import would be taken by the next scrub for a store
with no tables in force (every line a ``no_data`` finding) instead of the missing store it
is; so a new store is built beside the target and linked into place on success.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import scrubber._cli as cli
from scrubber._store import TableStore
from scrubber._tables import ImportHints
from scrubber_mue.readers import parse_mue_file

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "tables"
TABLE = SAMPLES / "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv"


def _bad_copy(folder: Path) -> Path:
    """The sample table with a row whose MUE value has ten digits (a table error mid-file,
    after the rows before it were already written)."""
    data = TABLE.read_bytes().replace(b"96413,1,", b"96413,1234567890,", 1)
    path = folder / TABLE.name
    path.write_bytes(data)
    return path


def test_a_failed_first_import_leaves_no_store(tmp_path: Path, capsys) -> None:
    db = tmp_path / "store" / "tables.db"
    bad = _bad_copy(tmp_path)
    assert cli.main(["tables", "import", str(bad), "--tables", str(db)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"scrubber: {bad}")
    assert not db.exists()
    assert list(db.parent.iterdir()) == []  # no temporary store left beside it either
    # the next scrub says there is no store, rather than scrubbing against an empty one
    assert cli.main(["tables", "list", "--tables", str(db)]) == 2
    assert "no table store here" in capsys.readouterr().err


def test_a_first_import_that_succeeds_creates_the_store(tmp_path: Path, capsys) -> None:
    db = tmp_path / "tables.db"
    assert cli.main(["tables", "import", str(TABLE), "--tables", str(db)]) == 0
    assert "added" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tables.db"]
    store = TableStore.open(db)
    assert [t.program for t in store.list_tables()] == ["medicare"]
    store.close()


def test_a_failed_import_into_an_existing_store_keeps_it(tmp_path: Path, capsys) -> None:
    db = tmp_path / "tables.db"
    assert cli.main(["tables", "import", str(TABLE), "--tables", str(db)]) == 0
    before = db.read_bytes()
    other = tmp_path / "bad"
    other.mkdir()
    assert cli.main(["tables", "import", str(_bad_copy(other)), "--tables", str(db)]) == 2
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "tables.db"]


RACER = """
import sys, time
from pathlib import Path
from scrubber._store import TableStore
from scrubber._tables import ImportHints
from scrubber_mue.readers import parse_mue_file
go, db, table = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
read = lambda: [parse_mue_file(table.name, table.read_bytes(), ImportHints())]
[[outcome]] = TableStore.import_into(db, read)
print(outcome.outcome, flush=True)
"""


def test_first_imports_racing_through_the_new_store_path_all_land(tmp_path: Path) -> None:
    """Each racer builds its own new store; the first linked into place wins and the others
    import into it (never replace it): one version, added once."""
    go, db = tmp_path / "go", tmp_path / "tables.db"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(go), str(db), str(TABLE)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    go.touch()
    results = [proc.communicate(timeout=120) for proc in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], results
    assert sorted(out.strip() for out, _ in results) == ["added", "unchanged", "unchanged"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["go", "tables.db"]
    store = TableStore.open(db)
    assert len(store.list_tables()) == 1
    store.close()


def test_the_rows_of_a_new_store_are_those_imported(tmp_path: Path) -> None:
    parsed = parse_mue_file(TABLE.name, TABLE.read_bytes(), ImportHints())
    [[outcome]] = TableStore.import_into(tmp_path / "t.db", lambda: [parsed])
    store = TableStore.open(tmp_path / "t.db")
    assert store.load_rows(outcome.table)["96413"].values
    assert outcome.table.rows == len(store.load_rows(outcome.table))
    store.close()
