"""Benchmark the MUE plugin: table import, table load, lookups and the edits per claim.

Generates a full-size synthetic Medicare practitioner table in the CMS CSV layout (about
15,000 rows, like the real 14,677-row Q3 2024 table) and a Medicaid TXT, then measures:

- import: parse + ``TableStore.import_tables`` into a fresh SQLite file
- load: ``snapshot()`` + the first lookup (which loads one version's rows)
- lookup: the cost of one ``lookup`` after that
- scrub: claims/s through the MUE edits (``scrub``, with cross-claim history)
- worst: the MUE edits alone (their screen included) on the steady bench's worst case
  (``bench_x12.py``: synthetic 837P claims against the bundled sample tables, every claim
  with a code over its MUE or without a row), in microseconds per claim, best of
  ``--rounds`` runs (each a fresh run, so a fresh history; the garbage collector off while
  it runs)

and the peak RSS (``resource.getrusage``). Synthetic data only; nothing here is CMS data.

    .venv/bin/python bench/bench_mue.py [--rows 15000] [--claims 5000] [--lookups 200000]
        [--worst 2000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from scrubber._engine import scrub
from scrubber._models import Claim, ServiceLine
from scrubber._profiles import load_profile
from scrubber._store import TableStore
from scrubber._tables import ImportHints
from scrubber_mue.edits import MUE_EDITS
from scrubber_mue.readers import parse_mue_file
from scrubber_mue.settings import MUE_SECTION

MAI_TEXT = {
    "1": "1 Line Edit",
    "2": "2 Date of Service Edit: Policy",
    "3": "3 Date of Service Edit: Clinical",
}
RATIONALES = ("Clinical: Data", "CMS Policy", "Anatomic Consideration", "Nature of Analyte")


def codes(count: int) -> list[str]:
    out = [f"{n:05d}" for n in range(10000, 10000 + min(count, 89999))]
    return out[:count]


def medicare_csv(rows: int, rng: random.Random) -> bytes:
    notice = '"Synthetic benchmark table, NOT CMS data.\n\nCPT\u00ae is a trademark of the AMA.",,,'
    header = (
        '"HCPCS/\nCPT Code",Practitioner Services MUE Values,MUE Adjudication Indicator,'
        "MUE Rationale"
    )
    records = [notice, header]
    for code in codes(rows):
        mai = rng.choice("1233")
        records.append(f"{code},{rng.randint(0, 12)},{MAI_TEXT[mai]},{rng.choice(RATIONALES)}")
    return ("\r\n".join(records) + "\r\n").encode("latin-1")


def medicaid_txt(rows: int, rng: random.Random) -> bytes:
    records = [
        "Synthetic benchmark table, NOT CMS data.",
        "HCPCS/CPT Code\tMUE Values\tMUE Rationale",
    ]
    records += [f"{code}\t{rng.randint(1, 12)}\tClinical: Medicaid Data" for code in codes(rows)]
    return ("\r\n".join(records) + "\r\n").encode("latin-1")


def claims(count: int, table_codes: list[str], rng: random.Random) -> list[Claim]:
    out = []
    for n in range(count):
        lines = []
        for k in range(1, rng.randint(1, 6) + 1):
            units = rng.randint(1, 6)
            lines.append(
                ServiceLine(
                    number=k,
                    code=rng.choice(table_codes),
                    units=Decimal(units),
                    charge=Decimal(25 * units),
                    service_from=date(2026, 7, rng.randint(1, 28)),
                )
            )
        total = sum((ln.charge for ln in lines), Decimal("0"))
        out.append(
            Claim(
                id=f"BENCH{n}",
                lines=tuple(lines),
                total_charge=total,
                patient_key=f"p{n // 3}",
                billing_npi="1234567893",
                filing_indicator=rng.choice(("MB", "MC")),
            )
        )
    return out


def worst_case(count: int, rounds: int) -> None:
    """The MUE edits alone on the steady bench's worst case, best of *rounds* runs: the
    claims as the X12 reader makes them, the infusion phase left out (the worst case bills
    no infusion code in minutes, so it changes no line the MUE edits count)."""
    from bench_x12 import _chunks, _sample_tables

    from scrubber._api import Plugins
    from scrubber._formats import ClaimPiece
    from scrubber_x12.reader import read_837
    from scrubber_x12.synthetic import synthetic_837

    plugins = Plugins.load()
    tables = _sample_tables(plugins)
    batch = [
        piece.claim
        for piece in read_837(_chunks(synthetic_837(count)), {})
        if isinstance(piece, ClaimPiece) and piece.claim is not None
    ]
    profile = plugins.profile(None)
    best, findings = float("inf"), 0
    for _ in range(rounds):
        gc.collect()
        gc.disable()  # as bench_engine.py: a full collection over the held batch lands at random
        start = time.process_time()
        results = list(scrub(batch, edits=MUE_EDITS, tables=tables, profile=profile))  # type: ignore[arg-type]
        best = min(best, time.process_time() - start)
        gc.enable()
        findings = sum(len(result.findings) for result in results)
    print(
        f"worst: {len(batch)} claims ({findings} findings), MUE edits "
        f"{best / len(batch) * 1e6:.1f} us per claim (best of {rounds}, CPU time)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=15_000, help="rows per table")
    parser.add_argument("--claims", type=int, default=5_000, help="claims to scrub")
    parser.add_argument("--lookups", type=int, default=200_000, help="lookups to time")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--worst", type=int, default=2_000, help="worst-case claims (0: none)")
    parser.add_argument("--rounds", type=int, default=7, help="worst-case runs, best kept")
    args = parser.parse_args(argv)
    if args.worst:
        worst_case(args.worst, args.rounds)
    rng = random.Random(args.seed)

    files = {
        "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv": medicare_csv(args.rows, rng),
        "MCD-MUE-PractitionerServices-Effective_07012026.txt": medicaid_txt(args.rows, rng),
    }
    with tempfile.TemporaryDirectory() as tmp:
        store = TableStore.open(Path(tmp) / "tables.sqlite", create=True)
        for name, data in files.items():
            start = time.perf_counter()
            parsed = parse_mue_file(name, data, ImportHints())
            parse_s = time.perf_counter() - start
            store.import_tables(parsed)
            total_s = time.perf_counter() - start
            print(
                f"import {name}: {len(data) / 1e6:.2f} MB, {parsed[0].info.rows} rows, "
                f"parse {parse_s * 1e3:.0f} ms, parse+store {total_s * 1e3:.0f} ms"
            )
        store.close()

        store = TableStore.open(Path(tmp) / "tables.sqlite", create=False)
        start = time.perf_counter()
        tables = store.snapshot()
        tables.lookup("mue", "medicare", "practitioner", "10000", date(2026, 7, 1))
        print(f"load: snapshot + first lookup {(time.perf_counter() - start) * 1e3:.1f} ms")

        keys = codes(args.rows)
        probes = [rng.choice(keys) for _ in range(args.lookups)]
        on = date(2026, 8, 1)
        start = time.perf_counter()
        for code in probes:
            tables.lookup("mue", "medicare", "practitioner", code, on)
        per = (time.perf_counter() - start) / max(len(probes), 1)
        print(f"lookup: {per * 1e6:.2f} us per lookup ({len(probes)} lookups)")

        batch = claims(args.claims, keys, rng)
        lines = sum(len(c.lines) for c in batch)
        profile = load_profile(None, [MUE_SECTION])
        start = time.perf_counter()
        findings = 0
        for result in scrub(batch, edits=MUE_EDITS, tables=tables, profile=profile):
            findings += len(result.findings)
        elapsed = time.perf_counter() - start
        print(
            f"scrub: {len(batch)} claims ({lines} lines, {findings} findings) in {elapsed:.2f} s"
            f" = {len(batch) / elapsed:,.0f} claims/s"
        )
        store.close()

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    print(f"peak RSS: {peak * scale / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
