"""The service's access log: one line per request, and nothing a claim carries."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AccessLog"]

access_log = logging.getLogger("scrubber.access")


class AccessLog:
    """ASGI middleware: one access-log line per request with the method, path, status,
    response size and time; never the query string, a header or a body (claims carry PHI).
    Plain ASGI rather than ``BaseHTTPMiddleware``, which costs about a millisecond a request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        size = 0

        async def sending(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            access_log.info(
                "%s %s %d %d %.1fms",
                scope["method"],
                scope["path"],
                status,
                size,
                (time.perf_counter() - started) * 1000,
            )
