"""Benchmark ``scrubber serve``: requests/s and p50/p99 latency for a one-claim 837P and a
one-Claim FHIR document at 1, 8 and 32 concurrent clients on loopback, against the in-process
``scrub_bytes`` rate for the same documents.

    .venv/bin/python bench/bench_service.py                  # 200 requests per level
    .venv/bin/python bench/bench_service.py --requests 600 --rounds 3
    .venv/bin/python bench/bench_service.py --client http.client   # the stdlib client instead

The service runs as a real ``scrubber serve`` process (one worker) over the bundled sample
tables. The service overhead of a request (HTTP + JSON) is the median, over pairs taken back
to back, of one request's latency minus one in-process ``scrub_bytes`` of the same document,
so a stall of this machine rarely lands on one side only.

Where the overhead goes, three ways:

- ``app_overhead_p50_ms``: the same pairs with the ASGI application called in this process,
  no socket and no server: FastAPI's routing and parameter parsing, the access log, and JSON
  encoding of the answer.
- ``server_cpu_ms``: the server process's CPU time per one-client request (from
  ``/proc/PID/stat``) beside this process's CPU time per in-process scrub: what the server
  spends whatever else the machine runs, where wall-clock latency on a busy machine also
  counts the time the server waited for a core.
- ``healthz_p50_ms``: a ``GET /healthz`` round trip, the HTTP floor with no scrub.
- ``scheduling_delay_p50_ms``: a bare socket server (no HTTP, no scrub) that spins the
  in-process scrub's p50 CPU time per request: its latency less that time is what this
  machine's scheduler adds, in the same round, to a request needing that much CPU behind a
  socket. Near zero on a quiet machine; on a busy one it is of the size of
  ``overhead_p50_ms``, which it then explains.
- ``remembered``: one-client latency and server CPU against a second server, run as
  ``scrubber serve`` runs (``run_server``), whose scrub answers from a result it computed once
  for the same bytes: the request does everything but the scrub, so its latency *is* the
  service's overhead, measured without subtracting two noisy figures. On a busy machine the
  paired figure above is not: a 2-10 ms scrub is preempted several times in the server, and
  each preemption lands in the difference; a request of a fraction of a millisecond is not.

The client is a keep-alive raw-socket HTTP/1.1 client by default: it sends prebuilt request
bytes and reads the answer by its Content-Length, so the figures measure the server rather
than the client. Measured per one-claim request, its own CPU time is about 0.05 ms, against
0.25 ms for ``http.client`` (which parses every response's headers through ``email.parser``)
and 0.7 ms for httpx; ``--client http.client`` shows the difference. Concurrent
clients are connections driven by one asyncio loop (threads with ``--client http.client``,
where they also queue for the interpreter lock): on a 2-core machine they share the CPU with
the server, so the concurrent figures are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from http_clients import (
    Client,
    RawClient,
    StdlibClient,
    free_port,
    load_async,
    load_threads,
    prebuilt_request,
    timed_request,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS = {
    "837P, 1 claim": (ROOT / "samples/x12/home-infusion-medicaid.837", "application/edi-x12"),
    "FHIR, 1 Claim": (
        ROOT / "samples/fhir/home-infusion-medicaid.r4.json",
        "application/fhir+json",
    ),
}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process *pid* so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _asgi_call(app: Any, body: bytes, media: str) -> Callable[[], Any]:
    """A coroutine factory: one POST /v1/scrub through the ASGI application in process."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/scrub",
        "raw_path": b"/v1/scrub",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", media.encode()),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 2),
    }

    async def call() -> None:
        given = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal given
            if given:
                return {"type": "http.disconnect"}
            given = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(dict(scope, state={}), receive, send)
        if status != 200:
            raise SystemExit(f"application answered {status}")

    return call


async def _app_pairs(
    asgi: Callable[[], Any], in_process: Callable[[], float], count: int
) -> list[float]:
    """*count* pairs: one in-process scrub, then the same document through the ASGI app;
    each pair's difference (the application's own cost)."""
    out = []
    for _ in range(count):
        alone = in_process()
        started = time.perf_counter()
        await asgi()
        out.append(time.perf_counter() - started - alone)
    return out


def _serve_burn(port: int) -> None:
    """The server of ``scheduling_delay`` (run as ``--serve-burn PORT``): no HTTP, no scrub;
    for each line of microseconds it receives it spins that much CPU time, then answers."""
    with socket.create_server(("127.0.0.1", port)) as listener:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with conn, conn.makefile("rb") as lines:
            for line in lines:
                end = time.thread_time() + int(line) / 1e6
                while time.thread_time() < end:
                    pass
                conn.sendall(b"k")


def _burn_delays(port: int, spin: float, count: int) -> list[float]:
    """*count* requests to the burn server, each asking for *spin* seconds of CPU time; each
    one's latency less *spin*: what this machine's scheduler adds to such a request."""
    out = []
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        ask = f"{round(spin * 1e6)}\n".encode()
        for _ in range(count):
            started = time.perf_counter()
            conn.sendall(ask)
            if conn.recv(1) != b"k":
                raise SystemExit("the burn server went away")
            out.append(time.perf_counter() - started - spin)
    return out


def _serve_remembered(port: int, tables: str) -> None:
    """The server of the ``remembered`` figures (run as ``--serve-remembered PORT DB``)."""
    import scrubber.serve._app as service_app
    from scrubber._api import scrub_bytes as real
    from scrubber.serve import create_app, load_config
    from scrubber.serve._run import run_server

    seen: dict[tuple[bytes, str, bool], Any] = {}

    def remembered(data: bytes, **options: Any) -> Any:
        key = (data, options["format"], options["check"])
        if key not in seen:
            seen[key] = real(data, **options)
        return seen[key]

    setattr(service_app, "scrub_bytes", remembered)  # noqa: B010 - a bench's stand-in
    run_server(create_app(load_config(tables=tables)), host="127.0.0.1", port=port)


def _start(argv: list[str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"{argv} did not become ready")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per level")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument(
        "--client", choices=("raw", "http.client"), default="raw", help="the benchmark client"
    )
    parser.add_argument("--serve-remembered", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--serve-burn", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_burn:
        _serve_burn(args.serve_burn)
        return
    if args.serve_remembered:
        _serve_remembered(int(args.serve_remembered[0]), args.serve_remembered[1])
        return

    from scrubber._api import scrub_bytes
    from scrubber.serve import create_app, load_config

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
    app = create_app(config)

    port = free_port()

    def connect() -> Client:
        return RawClient(port) if args.client == "raw" else StdlibClient(port)

    # day totals in memory, as the in-process side keeps them: the SQLite history's own cost
    # is bench/bench_history.py's
    serve = ["-m", "scrubber._cli", "serve", "--port", str(port), *db_opt, "--no-history"]
    remembered_port = free_port()
    servers: list[subprocess.Popen[bytes]] = []
    try:
        servers.append(server := _start(serve, port))
        servers.append(
            remembered_server := _start(
                [__file__, "--serve-remembered", str(remembered_port), str(db)], remembered_port
            )
        )
        results: dict[str, object] = {"client": args.client}
        healthz = prebuilt_request("GET", "/healthz")
        for name, (path, media) in DOCS.items():
            body = path.read_bytes()
            fmt = "x12" if media == "application/edi-x12" else "fhir"
            post = prebuilt_request("POST", "/v1/scrub", body, media)
            asgi = _asgi_call(app, body, media)

            def in_process(body: bytes = body, fmt: str = fmt) -> float:
                started = time.perf_counter()
                scrub_bytes(
                    body,
                    tables=config.tables,
                    profile=config.profile,
                    plugins=config.plugins,
                    format=fmt,
                )
                return time.perf_counter() - started

            inproc: list[float] = []
            one: list[float] = []
            floor: list[float] = []
            pairs: list[float] = []
            app_pairs: list[float] = []
            bare: list[float] = []
            delays: list[float] = []
            bare_cpu = 0.0
            server_cpu = inproc_cpu = 0.0
            inproc_cpus: list[float] = []
            served = 0
            levels: dict[int, list[tuple[float, list[float]]]] = {8: [], 32: []}
            per_round = args.requests // args.rounds

            for _round in range(args.rounds):  # interleaved: a stall hits every side
                app_pairs.extend(asyncio.run(_app_pairs(asgi, in_process, per_round)))
                conn = connect()
                cpu_before = _cpu_seconds(server.pid)
                for _ in range(per_round):
                    # one in-process call, then the same document over HTTP: pairs taken
                    # back to back, so a stall of this machine rarely splits a pair
                    thread_cpu = time.thread_time()
                    inproc.append(in_process())
                    inproc_cpus.append(time.thread_time() - thread_cpu)
                    inproc_cpu += inproc_cpus[-1]
                    one.append(timed_request(conn, post))
                    pairs.append(one[-1] - inproc[-1])
                server_cpu += _cpu_seconds(server.pid) - cpu_before
                served += per_round
                for _ in range(per_round):
                    floor.append(timed_request(conn, healthz))
                conn.close()
                conn = (
                    RawClient(remembered_port)
                    if args.client == "raw"
                    else StdlibClient(remembered_port)
                )
                timed_request(conn, post)  # computes the remembered result
                cpu_before = _cpu_seconds(remembered_server.pid)
                for _ in range(per_round):
                    bare.append(timed_request(conn, post))
                bare_cpu += _cpu_seconds(remembered_server.pid) - cpu_before
                conn.close()
                burn_port = free_port()
                burner = subprocess.Popen(
                    [sys.executable, __file__, "--serve-burn", str(burn_port)]
                )
                servers.append(burner)
                for _ in range(100):
                    try:
                        spin = statistics.median(inproc_cpus)
                        delays.extend(_burn_delays(burn_port, spin, per_round))
                        break
                    except ConnectionRefusedError:
                        time.sleep(0.1)
                burner.wait(timeout=30)
                for clients in levels:
                    started = time.perf_counter()
                    lat = (
                        load_async(port, post, clients, per_round)
                        if args.client == "raw"
                        else load_threads(connect, post, clients, per_round)
                    )
                    levels[clients].append((time.perf_counter() - started, lat))
            row: dict[str, object] = {
                "in_process_per_s": round(1 / statistics.median(inproc)),
                "in_process_p50_ms": _ms(statistics.median(inproc)),
                "clients_1": {
                    "rps": round(1 / statistics.median(one)),
                    "p50_ms": _ms(_pct(one, 0.5)),
                    "p99_ms": _ms(_pct(one, 0.99)),
                },
                "overhead_p50_ms": _ms(statistics.median(pairs)),
                "app_overhead_p50_ms": _ms(statistics.median(app_pairs)),
                "server_cpu_ms": {
                    "per_request": _ms(server_cpu / served),
                    "in_process_scrub": _ms(inproc_cpu / served),
                    "overhead": _ms((server_cpu - inproc_cpu) / served),
                },
                "healthz_p50_ms": _ms(_pct(floor, 0.5)),
                "remembered": {
                    "p50_ms": _ms(_pct(bare, 0.5)),
                    "p99_ms": _ms(_pct(bare, 0.99)),
                    "server_cpu_ms": _ms(bare_cpu / served),
                },
                "scheduling_delay_p50_ms": _ms(_pct(delays, 0.5)),
            }
            for clients, runs in levels.items():
                lat = [x for _, ls in runs for x in ls]
                best = min(wall / len(ls) for wall, ls in runs)  # the steadiest round
                row[f"clients_{clients}"] = {
                    "rps": round(1 / best),
                    "p50_ms": _ms(_pct(lat, 0.5)),
                    "p99_ms": _ms(_pct(lat, 0.99)),
                }
            results[name] = row
        print(json.dumps(results, indent=2))
    finally:
        for running in servers:
            if running.poll() is None:
                running.send_signal(signal.SIGTERM)
                running.wait(timeout=30)


if __name__ == "__main__":
    main()
