"""How ``POST /v1/scrub`` binds its query and tenant header: one pydantic validation of the
``ScrubQuery`` model and one of the header, done by this module, in place of FastAPI's
per-parameter dependency solving.

FastAPI solves a route's parameters one by one on every request (about a tenth of a
millisecond for the scrub route's seven, plus its dependency bookkeeping): more than the
rest of the request's own handling. A custom ``APIRoute`` class is FastAPI's documented way to
change how a route turns a request into a call ("Custom Request and APIRoute class" in the
FastAPI docs); the route keeps its declared signature, so ``/openapi.json`` is still generated
by FastAPI from the same ``ScrubQuery`` model and header declaration this module validates
with, and an invalid value raises the same ``RequestValidationError`` (422) with the same
location (``query/as_of``, ``header/x-scrubber-tenant``).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any, get_args, get_origin

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import StringConstraints, TypeAdapter, ValidationError

from scrubber.serve._schemas import TENANT, ScrubQuery

__all__ = ["ScrubEndpoint", "ScrubRoute", "bind_query", "bind_tenant"]

ScrubEndpoint = Callable[[Request, ScrubQuery, str | None], Awaitable[Response]]

TENANT_HEADER = "x-scrubber-tenant"
_tenant = TypeAdapter(Annotated[str, StringConstraints(pattern=TENANT)])
_LISTS = frozenset(
    name
    for name, field in ScrubQuery.model_fields.items()
    if any(get_origin(t) is list for t in (field.annotation, *get_args(field.annotation)))
)


def _invalid(where: str, exc: ValidationError, *name: str) -> RequestValidationError:
    return RequestValidationError(
        [{**error, "loc": (where, *name, *error["loc"])} for error in exc.errors()]
    )


def bind_query(request: Request) -> ScrubQuery:
    """The request's query as a ``ScrubQuery``: a repeated parameter keeps its last value,
    a list parameter all of them (as FastAPI binds a query model)."""
    params = request.query_params
    given: dict[str, Any] = {}
    for name in ScrubQuery.model_fields:
        if name in params:
            given[name] = params.getlist(name) if name in _LISTS else params[name]
    try:
        return ScrubQuery.model_validate(given)
    except ValidationError as exc:
        raise _invalid("query", exc) from None


def bind_tenant(request: Request) -> str | None:
    """The ``X-Scrubber-Tenant`` header, checked against its declared pattern."""
    value = request.headers.get(TENANT_HEADER)
    if value is None:
        return None
    try:
        return _tenant.validate_python(value)
    except ValidationError as exc:
        raise _invalid("header", exc, TENANT_HEADER) from None


class ScrubRoute(APIRoute):
    """The scrub route: its endpoint is called as ``endpoint(request, query, tenant)`` with
    the two bound by this module. The endpoint must declare exactly those parameters (for the
    OpenAPI document): a different signature, or a FastAPI dependency (which this route would
    not run), is refused when the route is made. Guard the service with an ASGI middleware
    instead (authentication, rate limits): it runs for every route."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint: ScrubEndpoint = self.endpoint
        declared = list(inspect.signature(endpoint).parameters)
        if declared != ["request", "query", "x_scrubber_tenant"]:
            raise TypeError(
                f"{endpoint.__name__} must take (request, query, x_scrubber_tenant), "
                f"not ({', '.join(declared)})"
            )
        if self.dependencies:  # they would be published in the OpenAPI document, never run
            raise TypeError("the scrub route binds its parameters itself: it runs no dependencies")

        async def handle(request: Request) -> Response:
            return await endpoint(request, bind_query(request), bind_tenant(request))

        return handle
