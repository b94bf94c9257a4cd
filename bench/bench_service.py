"""Benchmark ``scrubber serve``: requests/s and p50/p99 latency for a one-claim 837P and a
one-Claim FHIR document at 1, 8 and 32 concurrent clients on loopback, against the in-process
``scrub_bytes`` rate for the same documents.

    .venv/bin/python bench/bench_service.py                  # 200 requests per level
    .venv/bin/python bench/bench_service.py --requests 500 --rounds 5

The service runs as a real ``scrubber serve`` process (one worker) over the bundled sample
tables. The service overhead of a request (HTTP + JSON) is the median, over pairs taken back
to back, of one request's latency minus one in-process ``scrub_bytes`` of the same document,
so a stall of this machine rarely lands on one side only. Clients are threads with keep-alive
connections (``http.client``): on a 2-core machine they share the CPU with the server, so the
concurrent figures are a floor.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = {
    "837P, 1 claim": (ROOT / "samples/x12/home-infusion-medicaid.837", "application/edi-x12"),
    "FHIR, 1 Claim": (
        ROOT / "samples/fhir/home-infusion-medicaid.r4.json",
        "application/fhir+json",
    ),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(conn: http.client.HTTPConnection, body: bytes, media: str) -> float:
    started = time.perf_counter()
    conn.request("POST", "/v1/scrub", body=body, headers={"content-type": media})
    response = conn.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise SystemExit(f"service answered {response.status}: {payload[:200]!r}")
    return elapsed


def _get_floor(port: int, count: int) -> list[float]:
    """GET /healthz latencies: the HTTP round trip with no scrub and almost no JSON."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    out = []
    for _ in range(count):
        started = time.perf_counter()
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        out.append(time.perf_counter() - started)
    conn.close()
    return out


def _load(port: int, body: bytes, media: str, clients: int, requests: int) -> list[float]:
    """*requests* posts spread over *clients* threads; every request's latency."""
    latencies: list[float] = []
    lock = threading.Lock()
    per_client = max(1, requests // clients)

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = [_post(conn, body, media) for _ in range(per_client)]
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per level")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    args = parser.parse_args()

    from scrubber.serve._run import load_config

    work = Path(tempfile.mkdtemp(prefix="bench-service-"))
    db = work / "tables.db"
    db_opt = ("--tables", str(db))
    tables = sorted(
        [*(ROOT / "samples/tables").glob("*.csv"), *(ROOT / "samples/tables").glob("*.txt")]
    )
    subprocess.run(
        [sys.executable, "-m", "scrubber._cli", "tables", "import", *map(str, tables), *db_opt],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    config = load_config(tables=str(db))
    from scrubber._api import scrub_bytes

    port = _free_port()
    server = subprocess.Popen(
        # day totals in memory, as the in-process side keeps them: the SQLite history's own
        # cost is bench/bench_history.py's
        [
            sys.executable,
            "-m",
            "scrubber._cli",
            "serve",
            "--port",
            str(port),
            *db_opt,
            "--no-history",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    try:
        for _ in range(300):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        results: dict[str, object] = {}
        for name, (path, media) in DOCS.items():
            body = path.read_bytes()
            inproc: list[float] = []
            one: list[float] = []
            floor: list[float] = []
            pairs: list[float] = []
            levels: dict[int, list[tuple[float, list[float]]]] = {8: [], 32: []}
            for _round in range(args.rounds):  # interleaved: a stall hits every side
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                for _ in range(args.requests // args.rounds):
                    # one in-process call, then the same document over HTTP: pairs taken
                    # back to back, so a stall of this machine rarely splits a pair
                    started = time.perf_counter()
                    scrub_bytes(
                        body,
                        tables=config.tables,
                        profile=config.profile,
                        plugins=config.plugins,
                        format="x12" if media == "application/edi-x12" else "fhir",
                    )
                    inproc.append(time.perf_counter() - started)
                    one.append(_post(conn, body, media))
                    pairs.append(one[-1] - inproc[-1])
                conn.close()
                floor.extend(_get_floor(port, args.requests // args.rounds))
                for clients in levels:
                    started = time.perf_counter()
                    lat = _load(port, body, media, clients, args.requests // args.rounds)
                    levels[clients].append((time.perf_counter() - started, lat))
            row = {
                "in_process_per_s": round(1 / statistics.median(inproc)),
                "in_process_p50_ms": round(statistics.median(inproc) * 1000, 3),
                "clients_1": {
                    "rps": round(1 / statistics.median(one)),
                    "p50_ms": round(_pct(one, 0.5) * 1000, 3),
                    "p99_ms": round(_pct(one, 0.99) * 1000, 3),
                },
                "overhead_p50_ms": round(statistics.median(pairs) * 1000, 3),
                "healthz_p50_ms": round(_pct(floor, 0.5) * 1000, 3),
            }
            for clients, runs in levels.items():
                lat = [x for _, ls in runs for x in ls]
                best = min(wall / len(ls) for wall, ls in runs)  # the steadiest round
                row[f"clients_{clients}"] = {
                    "rps": round(1 / best),
                    "p50_ms": round(_pct(lat, 0.5) * 1000, 3),
                    "p99_ms": round(_pct(lat, 0.99) * 1000, 3),
                }
            results[name] = row
        print(json.dumps(results, indent=2))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
