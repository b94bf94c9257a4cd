"""``scrub_files`` under Spark Connect: the same DataFrame calls, a remote session.

A local Spark Connect server (``SparkSession.builder.remote("local[2]")``) is started in a
child process, which cannot share this process's classic session; its outputs must be those
of one process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import scrubber._cli as cli

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
INPUTS = [
    SAMPLES / "x12" / "medicare-mue.837",
    SAMPLES / "x12" / "home-infusion-medicaid.837",
    SAMPLES / "fhir" / "batch.r4.ndjson",
]


def test_scrub_files_under_spark_connect(
    spark: Any, sample_tables_db: Path, tmp_path: Path
) -> None:
    script = textwrap.dedent(
        f"""
        import json, os, sys
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        from pyspark.sql import SparkSession
        from scrubber.spark import scrub_files
        session = SparkSession.builder.remote("local[2]").getOrCreate()
        assert type(session).__module__ == "pyspark.sql.connect.session", type(session)
        frame = scrub_files(session, {[str(p) for p in INPUTS]!r},
                            out_dir={str(tmp_path / "connect")!r}, tables={str(sample_tables_db)!r})
        rows = [(r["claim_id"], r["changed"]) for r in frame.collect()]
        session.stop()
        print(json.dumps(rows))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    assert [claim for claim, changed in rows if changed] == [
        "MUE-0001",
        "MUE-0002",
        "HI-0001",
        "ND-0003",
    ]
    args = ["scrub", *map(str, INPUTS), "--tables", str(sample_tables_db), "--no-history", "-q"]
    assert cli.main([*args, "--out-dir", str(tmp_path / "one")]) == 1
    one = {p.name: p.read_bytes() for p in (tmp_path / "one").iterdir()}
    assert {p.name: p.read_bytes() for p in (tmp_path / "connect").iterdir()} == one
