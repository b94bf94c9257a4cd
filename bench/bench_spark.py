"""Benchmark ``scrubber scrub --spark local[N]`` against ``--jobs N`` (never run as a test).

Input: --files synthetic 837P files of --claims claims in all, the realistic mix of
``bench/mix.py`` (5 lines a claim, about 6 % needing a fix, a 15,000-row MUE table in the
CMS layout imported through the real importer). Each file bills its own beneficiaries
except the first --shared files, which bill the same ones (a day total then runs across
them, and both runners scrub them again as one group).

Each measurement is the CLI as a user runs it, in a subprocess (`scrubber scrub FILES
--out-dir D --report R --no-history -q` plus `--jobs N` or `--spark local[N]`), interpreter,
JVM and worker start-up included. Modes are interleaved round by round (--rounds); each
mode's time is its fastest round, its CPU seconds those of all its processes (the JVM and
Spark's Python workers included). Where the time goes:

- start-up: the same command on a one-claim file (JVM, Spark session, Python workers,
  plugins and tables loaded on the executors, one Spark job per pass);
- serialization: the bytes each task carries (the pickled job: options, table store
  snapshot, units) and what comes back (a pickled ``Scrubbed`` per input), measured here;
- shuffle: none by design: the second pass is planned on the driver from the beneficiary
  keys the first pass returns (``scrubber._grouping``), so no claim crosses the network
  between stages.

Usage: nice .venv/bin/python bench/bench_spark.py [--claims 16000] [--files 4] [--rounds 2]
       [--shared 0] [--parallel 1 2]
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from mix import MIX_TABLE_NAME, RealisticMix, mue_table_csv  # bench/ is the script's path


def write_batch(directory: Path, claims: int, files: int, shared: int) -> list[Path]:
    from scrubber_x12.synthetic import synthetic_837

    mix = RealisticMix(claims)
    per_file = claims // files
    paths = []
    for number in range(files):
        tag = f"F{number:02d}"
        patients = "F00" if number < shared else tag
        data = synthetic_837(0, claim_lines=mix[number * per_file : (number + 1) * per_file])
        data = data.replace(b"CLM*SYN", b"CLM*" + tag.encode())
        data = data.replace(b"*MI*M", b"*MI*" + patients.encode())
        path = directory / f"batch{number:02d}.837"
        path.write_bytes(data)
        paths.append(path)
    return paths


def _run(paths: list[Path], db: Path, out: Path, mode: list[str]) -> dict[str, float]:
    command = [
        sys.executable,
        "-m",
        "scrubber._cli",
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
        *mode,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"scrub {' '.join(mode)} failed ({done.returncode}): {done.stderr}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"seconds": seconds, "cpu": cpu}


def _shipped(db: Path, paths: list[Path]) -> tuple[int, int]:
    """Bytes of the pickled task function (what each task carries) and of the table store
    snapshot inside it."""
    import argparse as ap

    from scrubber._api import Plugins
    from scrubber._jobs_worker import Input
    from scrubber.spark._job import Unit, new_job, run_units

    args = ap.Namespace(tables=str(db), profile=None)
    job = new_job(args, Plugins.load(), tables=str(db), profile=None, history=None, stage="/x")
    units = [Unit((Input(i, str(p), str(p), "x12", False),), "a") for i, p in enumerate(paths)]
    task = pickle.dumps(partial(run_units, job.with_units(units)))
    return len(task), len(job.tables)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=16_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--shared", type=int, default=0)
    parser.add_argument("--parallel", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    modes = {
        **{f"--jobs {n}": ["--jobs", str(n)] for n in args.parallel},
        **{f"--spark local[{n}]": ["--spark", f"local[{n}]"] for n in args.parallel},
    }
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as tmp:
        root = Path(tmp)
        paths = write_batch(root, args.claims, args.files, args.shared)
        (root / "one").mkdir()
        one = write_batch(root / "one", 1, 1, 0)
        table = root / MIX_TABLE_NAME
        table.write_bytes(mue_table_csv())
        db = root / "tables.db"
        scrubber = Path(sys.executable).parent / "scrubber"
        subprocess.run(
            [str(scrubber), "tables", "import", str(table), "--tables", str(db)],
            check=True,
            capture_output=True,
        )
        best: dict[str, dict[str, float]] = {}
        outs: dict[str, Path] = {}
        start_up: dict[str, float] = {}
        for round_number in range(args.rounds):
            for name, mode in modes.items():
                out = root / f"out-{len(best)}-{round_number}"
                result = _run(paths, db, out, mode)
                if name not in best or result["seconds"] < best[name]["seconds"]:
                    best[name], outs[name] = result, out
                if round_number == 0:
                    probe = _run(one, db, root / f"probe-{len(start_up)}", mode)
                    start_up[name] = probe["seconds"]
        first = outs[next(iter(modes))]
        report = json.loads((first / "report.json").read_text())
        same = all(
            (out / p.name).read_bytes() == (first / p.name).read_bytes()
            and json.loads((out / "report.json").read_text()) == report
            for out in outs.values()
            for p in paths
        )
        task_bytes, table_bytes = _shipped(db, paths)
    claims = report["summary"]["claims"]
    print(
        f"{claims} claims in {args.files} files ({args.shared} sharing beneficiaries), "
        f"{report['summary']['claims_changed']} changed; outputs and reports identical "
        f"across modes: {same}"
    )
    print(
        f"each task carries {task_bytes / 1e6:.2f} MB pickled (table store snapshot "
        f"{table_bytes / 1e6:.2f} MB); shuffle: none (second pass planned on the driver)"
    )
    base = claims / best[next(iter(modes))]["seconds"]
    for name in modes:
        row = best[name]
        rate = claims / row["seconds"]
        print(
            f"{name:18} {row['seconds']:6.2f} s  {rate:7,.0f} claims/s  x{rate / base:.2f}  "
            f"CPU {row['cpu']:6.2f} s  start-up (one claim) {start_up[name]:5.2f} s  "
            f"steady {claims / max(row['seconds'] - start_up[name], 1e-9):7,.0f} claims/s"
        )
    for n in args.parallel:
        spark, jobs = best[f"--spark local[{n}]"], best[f"--jobs {n}"]
        print(
            f"Spark overhead at parallelism {n}: +{spark['seconds'] - jobs['seconds']:.2f} s wall "
            f"(start-up difference {start_up[f'--spark local[{n}]'] - start_up[f'--jobs {n}']:.2f}"
            f" s), +{spark['cpu'] - jobs['cpu']:.2f} CPU s"
        )


if __name__ == "__main__":
    main()
