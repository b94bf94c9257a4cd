"""The idempotence figure: of the inputs a scrub changes, how many a second scrub leaves alone.

    nice .venv/bin/python fuzz/idempotence.py --generated 2000 --seed 1

Counts, per profile, the corpus and sample files and *--generated* claims of each format
(``fuzz/mutate.py`` generators, no mutation), and lists the inputs that were not idempotent;
``--dump DIR`` writes each of them to DIR with its first and second scrub (``.in``, ``.1``, ``.2``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mutate
import oracles

from scrubber._api import scrub_bytes
from scrubber._errors import ScrubberError


def tally(
    inputs: list[tuple[str, bytes]], profile: str, counts: Counter[str], dump: Path | None = None
) -> list[str]:
    misses = []
    for name, data in inputs:
        args = {"tables": oracles.tables(), "profile": oracles.profiles()[profile]}
        try:
            first = scrub_bytes(data, plugins=oracles.plugins(), **args)
        except ScrubberError:
            counts["refused"] += 1
            continue
        if first.output == data:
            counts["unchanged"] += 1
            continue
        second = scrub_bytes(first.output, plugins=oracles.plugins(), **args)
        counts["fixed"] += 1
        if any(f.code == "SCR004" for f in first.findings):
            counts["unsettled"] += 1  # the engine's rounds did not settle a claim
        if second.output == first.output:
            counts["idempotent"] += 1
        else:
            misses.append(f"{profile}: {name}")
            if dump is not None:
                stem = f"{profile}-{name}".replace(" ", "").replace("#", "")
                dump.mkdir(parents=True, exist_ok=True)
                (dump / f"{stem}.in").write_bytes(data)
                (dump / f"{stem}.1").write_bytes(first.output)
                (dump / f"{stem}.2").write_bytes(second.output)
    return misses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generated", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--dump",
        type=Path,
        help="write each input that is not idempotent, and its first and second scrub, here",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    files = [
        (p.name, p.read_bytes())
        for p in sorted([*oracles.CORPUS.glob("x12/*.837"), *oracles.SAMPLES.glob("*/*")])
        if p.suffix in (".837", ".json", ".xml", ".ndjson") and ".report." not in p.name
    ]
    template = json.loads(
        (oracles.SAMPLES / "fhir" / "home-infusion-medicaid.r4.json").read_bytes(),
        parse_float=mutate.Decimal,
    )
    x12 = [(f"x12 #{n}", mutate.generated_x12(rng)) for n in range(args.generated)]
    fhir = [(f"fhir #{n}", mutate.generated_fhir(rng, template)) for n in range(args.generated)]
    failed = 0
    for label, inputs in (("files", files), ("generated x12", x12), ("generated fhir", fhir)):
        counts: Counter[str] = Counter()
        misses = []
        for profile in sorted(oracles.PROFILE_TEXTS):
            misses += tally(inputs, profile, counts, args.dump)
        share = counts["idempotent"] / counts["fixed"] if counts["fixed"] else 1.0
        print(
            f"{label}: {counts['fixed']} scrubs changed the input, {counts['idempotent']} "
            f"unchanged by a second scrub ({share:.2%}); {counts['unchanged']} needed no fix, "
            f"{counts['refused']} refused; {counts['unsettled']} with SCR004 (not settled)"
        )
        for miss in misses:
            print(f"  not idempotent: {miss}")
        failed += len(misses)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
