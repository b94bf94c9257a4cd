"""Benchmark the engine alone: claims read beforehand, then scrubbed and reported (never run as
a test).

The steady phase of ``bench_x12.py`` times a whole scrub, where reading into the model and
writing back are most of the cost. This times only what lies between a built ``Claim`` and
its result: ``Run.result`` per claim (every phase, the screens, the history write), then
``ReportBuilder.add`` per result, on the realistic mix (``bench/mix.py``, 15,000-code table)
and the worst case (the sample tables, ``synthetic_837``). Each figure is the fastest of
--rounds rounds in process CPU time, a fresh run (and history) per round.

Usage: .venv/bin/python bench/bench_engine.py [--claims 2000] [--rounds 7]

On a shared machine the timings move by a fifth from one run to the next. ``--passes K``
times nothing: it scrubs the batch once to warm the caches, then K more times on fresh runs,
for an instruction count that other processes cannot change::

    PYTHONHASHSEED=0 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        .venv/bin/python bench/bench_engine.py --only mix --claims 1000 --passes 1

"I refs" at ``--passes 3`` minus at ``--passes 1``, halved and divided by the claims, is
the instructions per claim of one pass. ``--passes K --report`` counts each pass's report
entries too (``ReportBuilder.add`` per result); without it only the engine. The garbage
collector is off during the passes: a full collection walks every live object (the tables
included), and whether one falls in the counted passes moved the count by ~10k per claim
between runs of the same code.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import Any

from bench_x12 import _chunks, _mix_tables, _sample_tables
from mix import RealisticMix

from scrubber._api import Plugins
from scrubber._engine import Engine
from scrubber._formats import ClaimPiece
from scrubber._report import ReportBuilder
from scrubber_x12.reader import read_837
from scrubber_x12.synthetic import synthetic_837


def bench_args(description: str) -> argparse.Namespace:
    """The options both engine benches take (this one and ``bench_engine_replay.py``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--claims", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", choices=["mix", "worst"], help="one batch only")
    parser.add_argument("--passes", type=int, help="untimed passes, for an instruction count")
    parser.add_argument("--report", action="store_true", help="--passes: build the report too")
    return parser.parse_args()


def bench_batches(claims: int, plugins: Plugins) -> dict[str, Callable[[], tuple[bytes, Any]]]:
    """The two batches, each made when asked: the document and its tables."""
    return {
        "mix": lambda: (synthetic_837(0, claim_lines=RealisticMix(claims)), _mix_tables(plugins)),
        "worst": lambda: (synthetic_837(claims), _sample_tables(plugins)),
    }


def main() -> None:
    args = bench_args(__doc__.splitlines()[0])
    plugins = Plugins.load()
    batches = bench_batches(args.claims, plugins)
    for name, batch in batches.items():
        if args.only not in (None, name):
            continue
        data, tables = batch()
        pieces = [p for p in read_837(_chunks(data), {}) if isinstance(p, ClaimPiece) and p.claim]
        engine = Engine(edits=plugins.edits, tables=tables, profile=plugins.profile(None))  # type: ignore[arg-type]
        if args.passes is not None:
            gc.collect()
            gc.disable()  # a full collection would land on whichever pass it falls in
            for _ in range(args.passes + 1):  # the first warms the caches
                run = engine.start()
                passed = ReportBuilder(lambda entry: None)
                for piece in pieces:
                    result = run.result(piece)
                    if args.report:
                        passed.add(result, source=piece.locator)
            continue
        engine_best = report_best = float("inf")
        for _ in range(args.rounds):
            run = engine.start()
            report = ReportBuilder(lambda entry: None)
            start = time.process_time()
            results = [run.result(piece) for piece in pieces]
            middle = time.process_time()
            for piece, result in zip(pieces, results, strict=True):
                report.add(result, source=piece.locator)
            end = time.process_time()
            engine_best = min(engine_best, (middle - start) / len(pieces))
            report_best = min(report_best, (end - middle) / len(pieces))
        print(
            f"  {name:<6} engine {engine_best * 1e6:>7.1f} us/claim   "
            f"report {report_best * 1e6:>6.1f} us/claim   ({len(pieces)} claims, "
            f"{report.changed} changed)"
        )


if __name__ == "__main__":
    main()
