"""Benchmark the FHIR adapter on NDJSON: read + write, validated vs fast, optionally fixing.

Synthetic Claims (N claims x 5 items) are generated lazily and fed to the reader in 1 MiB
chunks; the output is counted, not kept, so peak RSS shows what the adapter itself holds
(one Claim at a time for NDJSON). Each mode runs in its own process so its peak RSS is its own.
Wall and CPU time are both printed: on a shared machine CPU time is the steadier figure.

    .venv/bin/python bench/bench_fhir.py                 # 10,000 claims, validated and fast
    .venv/bin/python bench/bench_fhir.py --claims 2000 --mode fast --fix
    .venv/bin/python bench/bench_fhir.py --mode steady   # the fast/validated ratio

The development machines stall for 0.1-1.3 s at random, so a whole-file run rarely escapes
one; ``--mode steady`` runs both paths in one process on the same small slice, interleaved,
and keeps each one's fastest round: that is the ratio the 10x target is about.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal

from scrubber._fixes import SetUnits, apply_fixes
from scrubber._formats import ClaimPiece, Piece
from scrubber._models import Claim
from scrubber_fhir.reader import read
from scrubber_fhir.writer import write

CPT = "http://www.ama-assn.org/go/cpt"
CHUNK = 1 << 20


def synthetic_claim(n: int, items: int) -> bytes:
    """One synthetic R4 Claim as an NDJSON line (no real people)."""
    claim_items = [
        {
            "sequence": k,
            "productOrService": {
                "coding": [{"system": CPT, "code": "99601" if k == 1 else "99602"}]
            },
            "servicedDate": "2026-01-15",
            "quantity": {"value": 2},
            "unitPrice": {"value": "@75.00", "currency": "USD"},
            "net": {"value": "@150.00", "currency": "USD"},
        }
        for k in range(1, items + 1)
    ]
    claim = {
        "resourceType": "Claim",
        "identifier": [{"value": f"BENCH-{n:07d}"}],
        "status": "active",
        "type": {"coding": [{"code": "professional"}]},
        "use": "claim",
        "patient": {"reference": f"Patient/synthetic-{n % 997}"},
        "created": "2026-01-16",
        "provider": {
            "identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}
        },
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "plan"}}],
        "item": claim_items,
        "total": {"value": f"@{150 * items}.00", "currency": "USD"},
    }
    text = json.dumps(claim).replace('"@', "").replace('.00"', ".00")
    return text.encode() + b"\n"


def chunks(claims: int, items: int) -> Iterator[bytes]:
    """The NDJSON input, lazily, in 1 MiB chunks. Claims differ only in their identifier and
    patient, filled into one template so that generating the input costs next to nothing."""
    template = synthetic_claim(0, items)
    head, _, tail = template.partition(b"BENCH-0000000")
    before, _, after = tail.partition(b"synthetic-0")
    buffer = bytearray()
    for n in range(claims):
        buffer += b"%sBENCH-%07d%ssynthetic-%d%s" % (head, n, before, n % 997, after)
        if len(buffer) >= CHUNK:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def run(mode: str, claims: int, items: int, fix: bool, warm: bool) -> None:
    options = {"fast": "true"} if mode == "fast" else {}

    def pairs(pieces: Iterator[Piece]) -> Iterator[tuple[Piece, Claim | None]]:
        for piece in pieces:
            fixed = None
            if fix and isinstance(piece, ClaimPiece) and piece.claim is not None:
                fixed = apply_fixes(
                    piece.claim, [("BEN001", SetUnits(line=1, units=Decimal(1)))]
                ).claim
            yield piece, fixed

    if warm:  # the first validation builds the pydantic schema (seconds); measure without it
        for _ in write(pairs(read(chunks(20, items), options)), options):
            pass
    size = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for out in write(pairs(read(chunks(claims, items), options)), options):
        size += len(out)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    label = f"{mode}{' +fix' if fix else ''}"
    print(
        f"{label:>14}: {claims} claims x {items} items: wall {elapsed:.2f} s = "
        f"{claims / elapsed:,.0f} claims/s; CPU {cpu:.2f} s = {claims / cpu:,.0f} claims/s; "
        f"output {size / 1e6:.1f} MB, peak RSS {peak_kib / 1024:.0f} MB"
    )


def steady(slice_claims: int, items: int, rounds: int) -> None:
    """Validated and fast, interleaved on one *slice_claims* slice; fastest of *rounds*."""
    data = b"".join(chunks(slice_claims, items))
    paths = {"validated": {}, "fast": {"fast": "true"}}

    def once(options: dict[str, str]) -> int:
        pairs = ((piece, None) for piece in read([data], options))
        return sum(len(out) for out in write(pairs, options))

    for options in paths.values():  # warm: the first validation builds the pydantic schema
        once(options)
    best = dict.fromkeys(paths, float("inf"))
    wall = dict.fromkeys(paths, float("inf"))
    for _ in range(rounds):
        for name, options in paths.items():
            started, cpu = time.perf_counter(), time.process_time()
            once(options)
            best[name] = min(best[name], (time.process_time() - cpu) / slice_claims)
            wall[name] = min(wall[name], (time.perf_counter() - started) / slice_claims)
    print(
        f"steady: fastest of {rounds} interleaved rounds, {slice_claims} claims x {items} items; "
        "process CPU time (wall beside it)"
    )
    for name, seconds in best.items():
        print(
            f"  {name:<10} {seconds * 1e6:>8.1f} us/claim {1 / seconds:>9,.0f} claims/s"
            f"   wall {wall[name] * 1e6:>8.1f} us/claim"
        )
    print(f"  fast / validated: {best['validated'] / best['fast']:.1f}x (target >= 10x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--mode", choices=["all", "validated", "fast", "steady"], default="all")
    parser.add_argument("--rounds", type=int, default=30, help="rounds of --mode steady")
    parser.add_argument("--slice", type=int, default=100, help="claims per steady round")
    parser.add_argument(
        "--fix", action="store_true", help="modify every claim (SetUnits on line 1)"
    )
    parser.add_argument(
        "--cold", action="store_true", help="include the one-time model build in the timing"
    )
    args = parser.parse_args()
    if args.mode == "steady":
        steady(args.slice, args.items, args.rounds)
        return
    if args.mode != "all":
        run(args.mode, args.claims, args.items, args.fix, warm=not args.cold)
        return
    for mode in ("validated", "fast"):
        command = [sys.executable, __file__, "--mode", mode, "--claims", str(args.claims)]
        command += ["--items", str(args.items)] + (["--fix"] if args.fix else [])
        command += ["--cold"] if args.cold else []
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
