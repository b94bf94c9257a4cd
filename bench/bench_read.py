"""Where the time of reading an 837P into the model goes, per claim (``bench_x12`` identity).

Every part runs on the same 200-claim slice (the realistic mix, or ``--worst``), interleaved
round by round; each keeps its fastest round, in process CPU time, so other processes on a
shared machine count as little as they can:

  baseline        tokenize + write back, no model (``bench_x12``'s baseline)
  identity        ``read_837`` + ``write_837``, no edits (``bench_x12``'s identity)
  tokenize_runs   the tokenizer alone (claim runs, runs between claims, envelope segments)
  context         the runs between claims taken in (loops 2000A/B/C) and frozen per claim
  build_claim     the model of each claim from its run, context given
  write           the writer alone, over pieces read beforehand

identity is about tokenize_runs + context + build_claim + write, plus the reader's own glue.
To compare with another tree, run this file with that tree first on PYTHONPATH (the scrubber
and its adapters then come from that tree; ``bench_x12`` and ``mix`` from this file's folder,
which Python puts first)::

    B=/path/to/tree; PYTHONPATH=$B:$B/plugins:$B/adapters:$B/bench python bench/bench_read.py
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from bench_x12 import _chunks, _drain, bare_rewrite
from mix import RealisticMix

from scrubber_x12.payloads import ClaimBlock
from scrubber_x12.reader import _Context, read_837
from scrubber_x12.synthetic import synthetic_837
from scrubber_x12.tokenizer import Run, tokenize_runs
from scrubber_x12.writer import write_837


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--worst", action="store_true", help="the worst-case batch, not the mix")
    args = parser.parse_args()
    n = args.claims
    data = synthetic_837(n) if args.worst else synthetic_837(0, claim_lines=RealisticMix(n))
    items = list(tokenize_runs(_chunks(data)))
    claim_runs = [i for i in items if type(i) is Run and i.tag == "CLM"]
    other_runs = [i for i in items if type(i) is Run and i.tag != "CLM"]
    blocks = [ClaimBlock(r.raw, r.number, r.size, r.delimiters) for r in claim_runs]
    context = _Context()
    for run in other_runs:
        context.see_run(run)
    frozen = context.freeze()
    pieces = list(read_837(_chunks(data), {}))

    def take_context() -> None:
        fresh = _Context()
        for run in other_runs:
            fresh.see_run(run)
            fresh.freeze()

    from scrubber_x12.claims import build_claim

    parts: dict[str, Callable[[], object]] = {
        "baseline": lambda: _drain(bare_rewrite(_chunks(data))),
        "identity": lambda: _drain(write_837(((p, None) for p in read_837(_chunks(data), {})), {})),
        "tokenize_runs": lambda: sum(1 for _ in tokenize_runs(_chunks(data))),
        "context": take_context,
        "build_claim": lambda: [build_claim(block, frozen) for block in blocks],
        "write": lambda: _drain(write_837(((p, None) for p in pieces), {})),
    }
    best = dict.fromkeys(parts, float("inf"))
    for _ in range(args.rounds):
        for name, run_part in parts.items():
            start = time.process_time()
            run_part()
            best[name] = min(best[name], time.process_time() - start)
    print(f"{'worst' if args.worst else 'mix'}: fastest of {args.rounds} rounds, {n} claims")
    for name, seconds in best.items():
        print(f"  {name:<14} {seconds / n * 1e6:7.1f} us/claim")
    print(f"  identity / baseline {best['baseline'] / best['identity']:.3f}x")


if __name__ == "__main__":
    main()
