"""Benchmark the run history, in memory and persisted (never run as a test).

Each claim asks for the prior units of one code and is then recorded, as the engine does;
the persisted history is committed at the end (its retention pruning included).

Usage: .venv/bin/python bench/bench_history.py [--claims 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from scrubber import ClaimHistory, SqliteHistory
from scrubber._models import Claim
from scrubber.testing import make_claim, make_line

CODES = ("99213", "97110", "97112", "97140", "96365")


def _claims(count: int) -> list[Claim]:
    """Claims of 5 lines, three per patient (as claims of one patient arrive together)."""
    return [
        make_claim(id=f"C{n}", patient_key=f"p{n // 3}", lines=[make_line(code=c) for c in CODES])
        for n in range(count)
    ]


def _run(history: ClaimHistory, claims: list[Claim]) -> float:
    start = time.perf_counter()
    for claim in claims:
        history.prior_units(claim, "97110", claim.lines[0].service_from)
        history.record(claim)
    if isinstance(history, SqliteHistory):
        history.commit()
        history.close()
    return (time.perf_counter() - start) / len(claims)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the fastest is shown")
    args = parser.parse_args()
    claims = _claims(args.claims)
    best = {"memory": float("inf"), "sqlite": float("inf")}
    for _ in range(args.repeat):  # interleaved, so a stall of the machine hits both
        best["memory"] = min(best["memory"], _run(ClaimHistory(), claims))
        with tempfile.TemporaryDirectory() as tmp:
            sqlite = SqliteHistory(Path(tmp) / "history.db")
            best["sqlite"] = min(best["sqlite"], _run(sqlite, claims))
    for name, seconds in best.items():
        print(f"  {name:<8} {seconds * 1e6:>7.1f} us/claim")


if __name__ == "__main__":
    main()
