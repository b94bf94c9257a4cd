"""Peak memory of ``scrubber tables import`` on MUE ZIPs far larger than a real table.

Generates ZIPs of short synthetic rows in the CMS Medicare CSV layout (code, value, MAI; no
rationale), imports each into a fresh store with the CLI in a child process, and prints the
child's exit status, peak RSS (``os.wait4``) and wall time. A real practitioner table holds
about 15,000 rows; the importer refuses more than ``MAX_ROWS`` records in one file.
Synthetic data only; nothing here is CMS data.

    .venv/bin/python bench/import_rss.py [--rows 1430000 199990 15000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MEMBER = "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv"


def _code(number: int) -> str:
    text = ""
    for _ in range(5):
        text = _DIGITS[number % 36] + text
        number //= 36
    return text


def make_zip(path: Path, rows: int) -> int:
    """A ZIP of *rows* distinct codes; returns the member's uncompressed size."""
    records = [
        '"Synthetic notice: not CMS data.",,,',
        '"HCPCS/\nCPT Code",Practitioner Services MUE Values,MUE Adjudication Indicator,'
        "MUE Rationale",
        *(f"{_code(n)},{n % 9},3," for n in range(rows)),
    ]
    data = ("\r\n".join(records) + "\r\n").encode("cp1252")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(_MEMBER, data)
    return len(data)


def import_once(zip_path: Path, store: Path) -> tuple[int, int, float, str]:
    """Exit status, peak RSS in KiB, seconds and the last line the CLI printed."""
    command = [sys.executable, "-m", "scrubber._cli", "tables", "import", str(zip_path)]
    started = time.perf_counter()
    child = subprocess.Popen(
        [*command, "--tables", str(store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert child.stdout is not None
    said = child.stdout.read().decode(errors="replace").strip().splitlines()
    child.stdout.close()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, usage.ru_maxrss, time.perf_counter() - started, said[-1][:100]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_430_000, 199_990, 15_000])
    parser.add_argument("--make", metavar="ZIP", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:  # in a child, so this process stays small: a fork's RSS counts in the child
        print(make_zip(Path(args.make), args.rows[0]))
        return
    with tempfile.TemporaryDirectory(prefix="import-rss-") as tmp:
        for rows in args.rows:
            zip_path = Path(tmp) / f"MCR_MUE_synthetic_{rows}.zip"
            made = subprocess.run(
                [sys.executable, __file__, "--make", str(zip_path), "--rows", str(rows)],
                check=True,
                capture_output=True,
                text=True,
            )
            size = int(made.stdout)
            code, rss, seconds, said = import_once(zip_path, Path(tmp) / f"{rows}.db")
            print(
                f"{rows:>9} rows  zip {zip_path.stat().st_size / 1e6:5.1f} MB"
                f"  uncompressed {size / 1e6:5.1f} MB  exit {code}  peak RSS {rss / 1024:6.0f} MB"
                f"  {seconds:5.1f} s  | {said}"
            )


if __name__ == "__main__":
    main()
