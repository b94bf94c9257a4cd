"""pyspark is an optional extra: the core and the CLI without ``--spark`` never import it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "x12" / "medicare-mue.837"


def test_scrubbing_without_spark_does_not_import_pyspark(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        import scrubber
        import scrubber._cli as cli
        code = cli.main(["scrub", {str(SAMPLE)!r}, "--no-history", "-q",
                         "--tables", {str(sample_tables_db)!r}, "-o", {str(tmp_path / "o")!r}])
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("pyspark", "py4j", "pyarrow"))
        print(code, loaded)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    code, loaded = done.stdout.split(" ", 1)
    assert code == "1"  # the sample has an MUE error finding: the run really scrubbed
    assert loaded.strip() == "[]"
