"""The benchmark's HTTP clients (``bench_service.py``): prebuilt HTTP/1.1 requests sent over
keep-alive connections, answers read by their Content-Length, so a figure measures the server
rather than the client; ``http.client`` beside them to show what a common client costs."""

from __future__ import annotations

import asyncio
import http.client
import socket
import threading
import time
from collections.abc import Callable

__all__ = [
    "Client",
    "RawClient",
    "StdlibClient",
    "free_port",
    "load_async",
    "load_threads",
    "prebuilt_request",
    "timed_request",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RawClient:
    """One keep-alive connection that sends prebuilt HTTP/1.1 requests and reads each answer
    by its Content-Length (the service always sends one): a few microseconds a request."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def request(self, prebuilt: bytes) -> tuple[int, bytes]:
        self.sock.sendall(prebuilt)
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        status, length = status_and_length(head)
        while len(rest) < length:
            rest += self._recv()
        self.buffer = rest[length:]
        return status, rest[:length]

    def _fill(self) -> None:
        self.buffer += self._recv()

    def _recv(self) -> bytes:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("the service closed the connection")
        return chunk

    def close(self) -> None:
        self.sock.close()


def status_and_length(head: bytes) -> tuple[int, int]:
    """The status and Content-Length of a response head."""
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return int(head[9:12]), length


class StdlibClient:
    """The same requests through ``http.client`` (``--client http.client``)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, prebuilt: bytes) -> tuple[int, bytes]:
        head, _, body = prebuilt.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ")
        headers = dict(line.split(": ", 1) for line in lines[1:])
        headers.pop("host", None)
        self.conn.request(method, path, body=body or None, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.conn.close()


Client = RawClient | StdlibClient


def prebuilt_request(method: str, path: str, body: bytes = b"", media: str | None = None) -> bytes:
    head = [f"{method} {path} HTTP/1.1", "host: 127.0.0.1"]
    if media is not None:
        head.append(f"content-type: {media}")
    if body or method == "POST":
        head.append(f"content-length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def timed_request(client: Client, prebuilt: bytes) -> float:
    started = time.perf_counter()
    status, payload = client.request(prebuilt)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise SystemExit(f"service answered {status}: {payload[:200]!r}")
    return elapsed


def load_threads(
    connect: Callable[[], Client], prebuilt: bytes, clients: int, requests: int
) -> list[float]:
    """*requests* posts spread over *clients* threads; every request's latency."""
    latencies: list[float] = []
    lock = threading.Lock()
    per_client = max(1, requests // clients)

    def client() -> None:
        conn = connect()
        mine = [timed_request(conn, prebuilt) for _ in range(per_client)]
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def load_async(port: int, prebuilt: bytes, clients: int, requests: int) -> list[float]:
    """The same load from *clients* connections driven by one asyncio loop: unlike threads,
    the clients do not queue for the interpreter lock, so the latencies are the server's."""
    latencies: list[float] = []
    per_client = max(1, requests // clients)

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(per_client):
            started = time.perf_counter()
            writer.write(prebuilt)
            status, length = status_and_length(await reader.readuntil(b"\r\n\r\n"))
            payload = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                raise SystemExit(f"service answered {status}: {payload[:200]!r}")
        writer.close()
        await writer.wait_closed()

    async def run() -> None:
        await asyncio.gather(*(client() for _ in range(clients)))

    asyncio.run(run())
    return latencies
