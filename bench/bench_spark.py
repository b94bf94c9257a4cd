"""Benchmark ``scrubber scrub --spark local[N]`` against ``--jobs N`` (never run as a test).

Input: --files synthetic 837P files of --claims claims in all, the realistic mix of
``bench/mix.py`` (5 lines a claim, about 6 % needing a fix, a 15,000-row MUE table in the
CMS layout imported through the real importer). Each file bills its own beneficiaries
except the first --shared files, which bill the same ones (a day total then runs across
them, and both runners scrub them again as one group).

Each measurement is the CLI as a user runs it (`scrubber scrub FILES --out-dir D --report R
--no-history -q` plus `--jobs N` or `--spark local[N]`):

- `--jobs N`: a subprocess per run, interpreter and worker start-up included, modes
  interleaved round by round (--rounds), the fastest round kept;
- `--spark local[N]`: one subprocess per master that starts the Spark session once (timed:
  the JVM, the session) and then runs the CLI in-process --rounds times on that warm session
  (what a notebook or a long-lived driver sees), plus a one-claim run: the fixed cost of a run
  (a Spark job per pass, Python workers, plugins and the table snapshot loaded on the
  executors). CPU is that of every process of the runner (the JVM and Spark's Python workers
  included, read from /proc).

Where the time goes:

- start-up: the session (above) and the fixed cost of each run (the one-claim run);
- serialization: the bytes each task carries (the pickled job: options, table store
  snapshot, units), measured here; what comes back is a pickled ``Scrubbed`` per input;
- shuffle: none by design: the second pass is planned on the driver from the beneficiary
  keys the first pass returns (``scrubber._grouping``), so no claim crosses the network
  between stages.

Usage: nice .venv/bin/python bench/bench_spark.py [--claims 16000] [--files 4] [--rounds 2]
       [--shared 0] [--parallel 1 2]   (Linux: CPU is read from /proc)
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

# start Spark once on argv[1], then run the CLI (argv[4:], with "--spark MASTER") argv[2]
# times on the batch and once on the one-claim file argv[3]; print the timings as JSON
_SPARK_RUNNER = """
import json, os, sys, time
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
master, rounds, one, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]

def tree_cpu():
    tick, me, parent, cpu = os.sysconf("SC_CLK_TCK"), os.getpid(), {}, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(pid)] = int(fields[1])
        cpu[int(pid)] = sum(int(x) for x in fields[11:15]) / tick
    def mine(pid):
        while pid > 1:
            if pid == me:
                return True
            pid = parent.get(pid, 0)
        return False
    return sum(c for pid, c in cpu.items() if mine(pid))

start = time.perf_counter()
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master(master).config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
session = time.perf_counter() - start
from scrubber._cli import main
runs, cpus = [], []
for _ in range(rounds):
    before, start = tree_cpu(), time.perf_counter()
    code = main([*argv, "--spark", master])
    runs.append(time.perf_counter() - start)
    cpus.append(tree_cpu() - before)
    assert code in (0, 1), code
start = time.perf_counter()
first = next(i for i, a in enumerate(argv) if a.startswith("-"))
argv = ["scrub", one, *argv[first:]]
argv[argv.index("--out-dir") + 1] += "-one"
argv[argv.index("--report") + 1] += "-one.json"
assert main([*argv, "--spark", master]) in (0, 1)
fixed = time.perf_counter() - start
print(json.dumps({"session": session, "runs": runs, "cpus": cpus, "fixed": fixed}))
"""


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


def _argv(paths: list[Path], db: Path, out: Path) -> list[str]:
    return [
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
    ]


def _run_jobs(paths: list[Path], db: Path, out: Path, jobs: int) -> dict[str, float]:
    command = [sys.executable, "-m", "scrubber._cli", *_argv(paths, db, out), "--jobs", str(jobs)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"scrub --jobs {jobs} failed ({done.returncode}): {done.stderr}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"seconds": seconds, "cpu": cpu}


def _run_spark(
    paths: list[Path], one: Path, db: Path, out: Path, master: str, rounds: int
) -> dict[str, float]:
    command = [sys.executable, "-c", _SPARK_RUNNER, master, str(rounds), str(one)]
    start = time.perf_counter()
    done = subprocess.run(
        [*command, *_argv(paths, db, out)], capture_output=True, text=True, check=False
    )
    total = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"scrub --spark {master} failed: {done.stderr[-2000:]}")
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    best = min(range(rounds), key=lambda i: stats["runs"][i])
    return {
        "seconds": stats["runs"][best],
        "cpu": stats["cpus"][best],
        "session": stats["session"],
        "fixed": stats["fixed"],
        "process": total,
    }


def _shipped(db: Path, paths: list[Path]) -> tuple[int, int]:
    """Bytes of the pickled task function (what each task carries) and of the table store
    snapshot inside it."""
    import argparse as ap

    from scrubber._api import Plugins
    from scrubber._jobs_worker import Input
    from scrubber.spark._job import Task, new_job, run_tasks

    args = ap.Namespace(tables=str(db), profile=None)
    job = new_job(args, Plugins.load(), tables=str(db), profile=None, history=None, stage="/x")
    units = [Task((Input(i, str(p), str(p), "x12", False),), "a") for i, p in enumerate(paths)]
    task = pickle.dumps(partial(run_tasks, job.with_tasks(units)))
    return len(task), len(job.tables)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=16_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--shared", type=int, default=0)
    parser.add_argument("--parallel", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as tmp:
        root = Path(tmp)
        paths = write_batch(root, args.claims, args.files, args.shared)
        (root / "one").mkdir()
        one = write_batch(root / "one", 1, 1, 0)[0]
        table = root / MIX_TABLE_NAME
        table.write_bytes(mue_table_csv())
        db = root / "tables.db"
        scrubber = Path(sys.executable).parent / "scrubber"
        subprocess.run(
            [str(scrubber), "tables", "import", str(table), "--tables", str(db)],
            check=True,
            capture_output=True,
        )
        jobs: dict[int, dict[str, float]] = {}
        for _round in range(args.rounds):
            for n in args.parallel:
                result = _run_jobs(paths, db, root / f"jobs{n}", n)
                if n not in jobs or result["seconds"] < jobs[n]["seconds"]:
                    jobs[n] = result
        spark = {
            n: _run_spark(paths, one, db, root / f"spark{n}", f"local[{n}]", args.rounds)
            for n in args.parallel
        }
        first = root / f"jobs{args.parallel[0]}"
        report = json.loads((first / "report.json").read_text())
        outs = [root / f"{kind}{n}" for kind in ("jobs", "spark") for n in args.parallel]
        same = all(
            (out / p.name).read_bytes() == (first / p.name).read_bytes()
            and json.loads((out / "report.json").read_text()) == report
            for out in outs
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
    base = claims / jobs[args.parallel[0]]["seconds"]
    for n in args.parallel:
        row = jobs[n]
        rate = claims / row["seconds"]
        print(
            f"--jobs {n} (cold process)     {row['seconds']:6.2f} s  {rate:7,.0f} claims/s  "
            f"x{rate / base:.2f}  CPU {row['cpu']:6.2f} s"
        )
    for n in args.parallel:
        row = spark[n]
        rate = claims / row["seconds"]
        print(
            f"--spark local[{n}] (warm)     {row['seconds']:6.2f} s  {rate:7,.0f} claims/s  "
            f"x{rate / base:.2f}  CPU {row['cpu']:6.2f} s  session start-up "
            f"{row['session']:.2f} s, fixed cost of a run (one claim) {row['fixed']:.2f} s"
        )
    one_rate = claims / spark[args.parallel[0]]["seconds"]
    for n in args.parallel[1:]:
        print(
            f"local[{n}] vs local[{args.parallel[0]}]: "
            f"x{claims / spark[n]['seconds'] / one_rate:.2f} claims/s"
        )
    for n in args.parallel:
        over = spark[n]["seconds"] - jobs[n]["seconds"]
        print(
            f"Spark against --jobs {n}: {over:+.2f} s per run on a warm session "
            f"({over + spark[n]['session']:+.2f} s with the session's start-up)"
        )


if __name__ == "__main__":
    main()
