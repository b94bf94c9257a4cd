"""What a request carries, read and checked: the body under its size limit, the format
options, the tenant, and the query's date and minutes; each refusal a ``Problem`` that the
app turns into the service's error body with its HTTP status."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import Request

    from scrubber._api import Plugins

__all__ = [
    "Problem",
    "format_options",
    "read_limited",
    "request_date",
    "request_minutes",
    "tenant_of",
]


class Problem(Exception):
    """An HTTP error with the service's error body."""

    def __init__(
        self, status: int, message: str, *, position: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"message": message, "position": position, "code": code}}


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to pass *limit*: from its
    Content-Length before anything is read, else while it streams in."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem(413, f"body of {declared} bytes is over the limit of {limit} bytes")
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, f"body is over the limit of {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def format_options(
    plugins: Plugins, fmt: str, given: list[str] | None, aliases: dict[str, str | bool | None]
) -> dict[str, str]:
    """The options a request set (``option=KEY=VALUE`` and the FHIR aliases), each checked
    against what the installed formats declare; the document's format gets those it declares,
    as ``scrubber scrub --format-option`` does for each input."""
    chosen: dict[str, str] = {}
    for key, value in aliases.items():
        if value is True or value is False:
            chosen[key] = "true" if value else "false"
        elif value is not None:
            chosen[key] = value
    for item in given or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise Problem(400, f"option wants KEY=VALUE, got {item[:40]!r}")
        chosen[key.strip()] = value.strip()
    declared = {key for f in plugins.formats for key in f.options}
    unknown = sorted(set(chosen) - declared)
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise Problem(400, f"no installed format has the option {unknown[0]!r} (known: {known})")
    own = plugins.format(fmt).options
    return {key: value for key, value in chosen.items() if key in own}


def tenant_of(header: str | None) -> str:
    return header or "default"


def request_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Problem(422, f"not a date (YYYY-MM-DD): {text!r}") from None


def request_minutes(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits decimals only
        raise Problem(422, f"minutes: not a number: {text!r}") from None
