"""Measure the JSON report's size against its input, per report level (never run as a test).

Input: a synthetic 837P (scrubber_x12.synthetic) of N claims x 5 lines, of which one claim in
--every carries a 97110 line over its Medicare MUE (an error finding: the default profile
flags a MAI 1 excess) and the rest bill codes under their MUEs: the realistic mix where most
claims need nothing. Each level is one run of
``scrubber scrub FILE --check --report R --report-level L`` with the bundled sample tables.

Usage: .venv/bin/python bench/bench_report_size.py [--claims 20000] [--every 16]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from scrubber_x12.synthetic import SyntheticLine, synthetic_chunks

ROOT = Path(__file__).resolve().parents[1]
SCRUBBER = Path(sys.executable).parent / "scrubber"


def _claim(index: int, every: int) -> list[SyntheticLine]:
    # The generator reuses a member id every 997 claims: each reuse gets the next day, so no
    # patient's day total crosses an MUE and only the planted lines need attention.
    day = (date(2026, 7, 1) + timedelta(days=index // 997)).strftime("%Y%m%d")
    lines = [
        SyntheticLine(code=code, charge=Decimal("100.00"), units=Decimal(units), date=day)
        for code, units in (("99213", 1), ("97110", 2), ("J1100", 10), ("96365", 1), ("96366", 2))
    ]  # every code under its sample MUE
    if index % every == 0:
        lines[1] = SyntheticLine(code="97110", charge=Decimal("270.00"), units=Decimal(6), date=day)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20000)
    parser.add_argument("--every", type=int, default=16, help="one claim in N needs attention")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / "batch.837"
        with source.open("wb") as out:
            for chunk in synthetic_chunks(
                0, claim_lines=[_claim(i, args.every) for i in range(args.claims)]
            ):
                out.write(chunk)
        db = work / "tables.db"
        tables = sorted((ROOT / "samples/tables").glob("*.csv"))
        subprocess.run(
            [str(SCRUBBER), "tables", "import", *map(str, tables), "--tables", str(db)],
            check=True,
            capture_output=True,
        )
        size = source.stat().st_size
        print(f"input: {args.claims} claims, {size / 1e6:.2f} MB")
        for level in ("summary", "findings", "all"):
            report = work / f"report-{level}.json"
            subprocess.run(
                [
                    str(SCRUBBER),
                    "scrub",
                    str(source),
                    "--check",
                    "--tables",
                    str(db),
                    "--report",
                    str(report),
                    "--report-level",
                    level,
                    "-q",
                ],
                capture_output=True,
            )
            got = report.stat().st_size
            print(f"  --report-level {level:8} {got / 1e6:8.2f} MB  {got / size:6.2f} x input")


if __name__ == "__main__":
    main()
