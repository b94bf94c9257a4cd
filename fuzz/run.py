"""Long fuzz runs, outside CI (the CI slice is ``tests/fuzz/``).

    nice .venv/bin/python fuzz/run.py x12 --cases 200000 --seed 1      # mutation + generation
    nice .venv/bin/python fuzz/run.py fhir --minutes 30
    nice .venv/bin/python fuzz/run.py mue --cases 100000
    nice .venv/bin/python fuzz/run.py x12 --atheris -max_total_time=600   # coverage-guided

Each case runs every oracle in ``fuzz/oracles.py`` under one of the profiles (default, and
Medicaid split / document / cap per line and per date of service). A failing case is saved
to ``fuzz/crashes/<target>-<seed>-<n>.bin`` with its traceback, and the run goes on; the
summary gives cases run, how they ended, and failures. ``--atheris`` hands the target to
atheris (``pip install -e '.[fuzz]'``), seeded from the samples and the corpus.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mutate
import oracles

CRASHES = Path(__file__).resolve().parent / "crashes"


def run_one(kind: str, data: bytes, profile: str, pyx12: bool = False, fast: bool = False) -> str:
    if kind == "mue":
        return oracles.check_importers(data)
    return oracles.check_claims(data, profile, pyx12=pyx12, fast=fast)


def mutation_run(kind: str, cases: int, minutes: float, seed: int, pyx12_every: int) -> int:
    rng = random.Random(seed)
    seeds = oracles.seeds(kind)
    outcomes: Counter[str] = Counter()
    failures = 0
    deadline = time.monotonic() + minutes * 60 if minutes else None
    names = sorted(oracles.PROFILE_TEXTS)
    n = 0
    while n < cases and (deadline is None or time.monotonic() < deadline):
        n += 1
        data = mutate.case(kind, seeds, rng)
        profile = rng.choice(names)
        pyx12 = bool(pyx12_every) and n % pyx12_every == 0
        fast = kind == "fhir" and rng.random() < 0.5
        try:
            outcomes[run_one(kind, data, profile, pyx12, fast)] += 1
        except Exception as exc:  # every failure is recorded, the run goes on
            failures += 1
            outcomes[f"FAIL {type(exc).__name__}"] += 1
            CRASHES.mkdir(exist_ok=True)
            stem = CRASHES / f"{kind}-{seed}-{n}"
            stem.with_suffix(".bin").write_bytes(data)
            stem.with_suffix(".txt").write_text(
                f"profile {profile} fast {fast}\n" + "".join(traceback.format_exception(exc)),
                encoding="utf-8",
            )
        if n % 1000 == 0:
            print(f"{kind}: {n} cases {dict(outcomes)}", flush=True)
    print(f"{kind}: {n} cases, {failures} failures: {dict(outcomes)}")
    return 1 if failures else 0


def atheris_run(kind: str, argv: list[str]) -> int:
    import atheris  # optional: pip install -e '.[fuzz]'

    names = sorted(oracles.PROFILE_TEXTS)

    def test_one(data: bytes) -> None:
        profile = names[data[0] % len(names)] if data else "default"
        run_one(kind, data, profile, fast=len(data) % 2 == 1)

    corpus = Path(__file__).resolve().parent / "seeds" / kind
    corpus.mkdir(parents=True, exist_ok=True)
    for n, data in enumerate(oracles.seeds(kind)):
        (corpus / f"seed-{n}").write_bytes(data)
    oracles.tables()  # import the tables before instrumentation starts counting
    atheris.instrument_all()
    atheris.Setup([sys.argv[0], *argv, str(corpus)], test_one)
    atheris.Fuzz()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", choices=sorted(oracles.TARGETS))
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--minutes", type=float, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--atheris", action="store_true")
    parser.add_argument(
        "--pyx12-every", type=int, default=50, help="run the pyx12 oracle on every Nth case (slow)"
    )
    args, libfuzzer = parser.parse_known_args()  # the rest goes to libFuzzer (-runs=...)
    if args.atheris:
        return atheris_run(args.target, [a for a in libfuzzer if a != "--"])
    return mutation_run(args.target, args.cases, args.minutes, args.seed, args.pyx12_every)


if __name__ == "__main__":
    sys.exit(main())
