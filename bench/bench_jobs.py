"""Benchmark ``scrubber scrub --jobs N`` against ``--jobs 1`` (never run as a test).

Input: a batch of --files synthetic 837P files (scrubber_x12.synthetic) of --claims claims in
all, a realistic mix: about 6 % of the claims need a fix (a 97110 line over its MAI 1 line
MUE of 4, split; or a 99213 day total over its MAI 3 MUE of 3, documented), the rest bill
codes within their sample MUE rows. The first --shared files (default 2; 0: none) bill the
same beneficiaries, so a day total runs across them and ``--jobs`` scrubs them again as one
group; the others share none. Tables: the bundled sample tables (samples/tables).

Each measurement is the CLI as a user runs it, in a subprocess (`scrubber scrub FILES
--out-dir D --report R --no-history --jobs N`), interpreter and worker start-up included.
The modes are interleaved round by round (--rounds) so a stall of the shared machine cannot
land on one side only; each mode's time is its fastest round. Peak RSS is reported for the
main process and for the largest worker (getrusage RUSAGE_CHILDREN of the CLI process), and
the CPU seconds of all its processes: on a machine shared with other work the wall-clock
ratio depends on the free cores, the CPU ratio is what ``--jobs`` costs in extra work.

Usage: .venv/bin/python bench/bench_jobs.py [--claims 40000] [--files 8] [--rounds 3]
       [--jobs 1 2] [--shared 2]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

SAMPLE_TABLES = Path(__file__).resolve().parents[1] / "samples" / "tables"

# run the CLI, then print its own and its largest descendant's peak RSS (KiB on Linux)
_RUNNER = """
import json, resource, sys
from scrubber._cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code,
    "main_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "worker_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def _claim_lines(index: int) -> list[object]:
    from scrubber_x12.synthetic import SyntheticLine

    day = f"202607{1 + index % 28:02d}"
    if index % 50 == 7:  # 2 %: a line over the MAI 1 line MUE of 97110 (4): split
        return [SyntheticLine(code="97110", units=Decimal(6), date=day)]
    if index % 25 == 3:  # 4 %: the day's 99213 over its MAI 3 MUE (3): records requested
        return [
            SyntheticLine(code="99213", units=Decimal(2), date=day),
            SyntheticLine(code="99213", units=Decimal(2), date=day),
        ]
    return [
        SyntheticLine(code="99213", units=Decimal(1), date=day),
        SyntheticLine(code="97110", units=Decimal(2), date=day),
        SyntheticLine(code="J1100", units=Decimal(10), date=day),
    ]


def write_batch(directory: Path, claims: int, files: int, shared: int) -> list[Path]:
    from scrubber_x12.synthetic import synthetic_837

    per_file = claims // files
    paths = []
    for number in range(files):
        tag = f"F{number:02d}"
        patients = "F00" if number < shared else tag  # the first *shared* files share them
        lines = [_claim_lines(number * per_file + i) for i in range(per_file)]
        data = synthetic_837(per_file, claim_lines=lines)
        data = data.replace(b"CLM*SYN", b"CLM*" + tag.encode())
        data = data.replace(b"*MI*M", b"*MI*" + patients.encode())
        path = directory / f"batch{number:02d}.837"
        path.write_bytes(data)
        paths.append(path)
    return paths


def _run(paths: list[Path], db: Path, out: Path, jobs: int) -> dict[str, float]:
    command = [
        sys.executable,
        "-c",
        _RUNNER,
        "scrub",
        *map(str, paths),
        "--tables",
        str(db),
        "--out-dir",
        str(out),
        "--report",
        str(out / "report.json"),
        "--no-history",
        "-q",
        "--jobs",
        str(jobs),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    if stats["code"] not in (0, 1):
        raise SystemExit(f"scrub failed ({stats['code']}): {done.stderr}")
    return {
        "seconds": seconds,
        "cpu": cpu,
        "main_mb": stats["main_kib"] / 1024,
        "worker_mb": stats["worker_kib"] / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=40_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--shared", type=int, default=2, help="files (the first ones) sharing beneficiaries"
    )
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    scrubber = Path(sys.executable).parent / "scrubber"
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp:
        root = Path(tmp)
        paths = write_batch(root, args.claims, args.files, args.shared)
        db = root / "tables.db"
        tables = [str(p) for p in sorted(SAMPLE_TABLES.iterdir()) if p.suffix in (".csv", ".txt")]
        subprocess.run(
            [str(scrubber), "tables", "import", *tables, "--tables", str(db)],
            check=True,
            capture_output=True,
        )
        best: dict[int, dict[str, float]] = {}
        outputs: dict[int, Path] = {}
        for _round in range(args.rounds):
            for jobs in args.jobs:
                out = outputs.setdefault(jobs, root / f"out{jobs}")
                result = _run(paths, db, out, jobs)
                mine = best.setdefault(jobs, result)
                if result["seconds"] < mine["seconds"]:
                    best[jobs] = {**result, "main_mb": max(result["main_mb"], mine["main_mb"])}
        report = json.loads((outputs[args.jobs[0]] / "report.json").read_text())
        claims = report["summary"]["claims"]
        changed = report["summary"]["claims_changed"]
        flagged = sum(1 for c in report["claims"] if c["findings"])
        same = all(
            (outputs[j] / p.name).read_bytes() == (outputs[args.jobs[0]] / p.name).read_bytes()
            for j in args.jobs
            for p in paths
        )
    print(
        f"{claims} claims in {args.files} files ({args.shared} sharing beneficiaries); "
        f"{changed} changed, {flagged} with findings "
        f"({100 * flagged / claims:.1f} %); outputs identical across modes: {same}"
    )
    base = claims / best[args.jobs[0]]["seconds"]
    for jobs in args.jobs:
        row = best[jobs]
        rate = claims / row["seconds"]
        print(
            f"--jobs {jobs}: {row['seconds']:.2f} s  {rate:,.0f} claims/s  x{rate / base:.2f}  "
            f"CPU {row['cpu']:.2f} s (all processes)  "
            f"peak RSS main {row['main_mb']:.0f} MB, largest worker {row['worker_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
