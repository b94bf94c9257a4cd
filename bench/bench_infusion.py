"""Benchmark the infusion time-unit edits on synthetic claims (never a timed unit test).

    .venv/bin/python bench/bench_infusion.py --claims 5000 --lines 5

Builds claims in memory (synthetic, no real people): a share of them home-infusion visits sent
in minutes (some long enough for 99602, some several visits a day, some add-ons alone), the
rest ordinary office lines, then runs the infusion plugin's edits through ``scrubber.scrub``
with a daily and weekly cap set so every edit does its work. Prints claims/s (the fastest
of ``--repeat`` runs: shared machines are noisy) and peak RSS.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

import scrubber_infusion
from scrubber._engine import scrub
from scrubber._models import Claim, ServiceLine
from scrubber._profiles import load_profile
from scrubber._tables import MemoryTables

PROFILE = """
[defaults.infusion]
family_overrides = ["99601.daily_cap_hours=4", "99601.weekly_cap_hours=12"]
"""
OFFICE_CODES = ("99213", "J1100", "97110", "36415")


def make_claims(count: int, lines: int, infusion_share: float, seed: int) -> list[Claim]:
    rng = random.Random(seed)
    start = date(2026, 1, 5)
    claims = []
    for n in range(count):
        on = start + timedelta(days=rng.randrange(28))
        out: list[ServiceLine] = []
        if rng.random() < infusion_share:
            for _ in range(rng.choice((1, 1, 1, 2, 3))):  # visits that day
                minutes = Decimal(rng.randrange(45, 400))
                out.append(_line(len(out) + 1, "99601", minutes, "MJ", on, minutes))
            if rng.random() < 0.1:
                out.append(_line(len(out) + 1, "99602", Decimal(1), "UN", on, None))
        while len(out) < lines:
            out.append(_line(len(out) + 1, rng.choice(OFFICE_CODES), Decimal(1), "UN", on, None))
        claims.append(
            Claim(
                id=f"B{n:07d}",
                lines=tuple(out),
                total_charge=sum((ln.charge for ln in out), Decimal(0)),
                patient_key=f"synthetic-{n // 3}",
                billing_npi="1234567893",
            )
        )
    return claims


def _line(
    number: int, code: str, units: Decimal, basis: str, on: date, minutes: Decimal | None
) -> ServiceLine:
    return ServiceLine(
        number=number,
        code=code,
        units=units,
        unit_basis=basis,
        minutes=minutes,
        charge=Decimal("125.00"),
        service_from=on,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=5_000)
    parser.add_argument("--lines", type=int, default=5, help="lines per claim (at least)")
    parser.add_argument("--infusion-share", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the fastest is reported")
    args = parser.parse_args(argv)

    claims = make_claims(args.claims, args.lines, args.infusion_share, args.seed)
    edits = list(scrubber_infusion.scrubber_edits())
    profile = load_profile(PROFILE, scrubber_infusion.scrubber_profile_defaults())
    best = float("inf")
    findings = fixed = 0
    for _ in range(max(args.repeat, 1)):
        started = time.perf_counter()
        findings = fixed = 0
        results = scrub(claims, edits=edits, tables=MemoryTables(), profile=profile, strict=True)
        for result in results:
            findings += len(result.findings)
            fixed += result.changed
        best = min(best, time.perf_counter() - started)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        f"{args.claims} claims x >= {args.lines} lines ({args.infusion_share:.0%} infusion), "
        f"best of {args.repeat}: {best:.2f} s, {args.claims / best:,.0f} claims/s, "
        f"{findings} findings, {fixed} claims fixed, peak RSS {peak_kib / 1024:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
