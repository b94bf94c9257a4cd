"""``scrubber serve`` as a real process: it starts on a free loopback port, becomes ready,
scrubs the home-infusion sample as the CLI does, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "x12" / "home-infusion-medicaid.837"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_serve_process_scrubs_the_sample(
    sample_tables_db: Path, scrub_sample: Any, tmp_path: Path
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scrubber._cli",
                "serve",
                "--port",
                str(port),
                "--tables",
                str(sample_tables_db),
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if _get(base + "/readyz") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the service did not become ready"
            time.sleep(0.2)
        request = urllib.request.Request(
            base + "/v1/scrub",
            data=SAMPLE.read_bytes(),
            headers={"content-type": "application/edi-x12"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.loads(response.read())
        _, expected, _ = scrub_sample("x12/home-infusion-medicaid.837")
        assert body["output"].encode() == expected
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    # uvicorn shuts down gracefully, then ends with the signal it was sent (as a shell expects)
    assert code in (0, -signal.SIGTERM), log.read_text()
    assert "Traceback" not in log.read_text()
    assert "POST /v1/scrub 200" in log.read_text()  # the access log: method, path, status
