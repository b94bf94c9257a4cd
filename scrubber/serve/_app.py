"""The ASGI application: ``POST /v1/scrub``, ``GET /v1/explain/{code}``, ``GET /v1/tables``,
``DELETE /v1/history/{claim_id}``, ``GET /healthz`` and ``GET /readyz``.

FastAPI was chosen because it publishes ``/openapi.json`` from the same pydantic models the
handlers return (pydantic is already installed with fhir.resources), runs plain functions off
the event loop in a thread pool, and is served by uvicorn in production. Every scrub goes
through ``scrub_bytes``, the same path as the Python API, so a document comes back exactly as
``scrubber scrub`` writes it.

Nothing here logs a request body: the access log (logger ``scrubber.access``) carries the
method, path, status, response size and time only.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

import orjson
from fastapi import FastAPI, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from scrubber._api import Plugins, ScrubResult, scrub_bytes
from scrubber._errors import ScrubberError
from scrubber._explain import ExplainRequest, explain_code
from scrubber._history import ClaimHistory
from scrubber._profiles import Profile
from scrubber._tables import ReferenceTables
from scrubber.serve._access_log import AccessLog
from scrubber.serve._binding import ScrubRoute
from scrubber.serve._history import TenantHistories
from scrubber.serve._requests import (
    Problem,
    format_options,
    read_limited,
    request_date,
    request_minutes,
    tenant_of,
)
from scrubber.serve._schemas import (
    ISO_DATE,
    TENANT,
    ErrorBody,
    ExplainResponse,
    Health,
    ScrubQuery,
    ScrubResponse,
    TablesResponse,
)

__all__ = ["DEFAULT_MAX_BODY", "MEDIA_TYPES", "ServiceConfig", "create_app"]

DEFAULT_MAX_BODY = 20 * 1024 * 1024
#: Bodies up to this size are scrubbed on the event loop (a few milliseconds at most); larger
#: ones in the thread pool.
INLINE_BODY = 16 * 1024

#: Content types ``POST /v1/scrub`` reads, and the format each one names.
MEDIA_TYPES: dict[str, str] = {
    "application/edi-x12": "x12",
    "application/fhir+json": "fhir",
    "application/fhir+xml": "fhir",
    "application/x-ndjson": "fhir",
    "application/fhir+ndjson": "fhir",
}

TenantHeader = Annotated[
    str | None,
    Header(
        pattern=TENANT,
        description="Whose day totals the request counts in (default: one shared tenant).",
    ),
]


@dataclass(kw_only=True)
class ServiceConfig:
    """What a service runs with: loaded once at start-up, shared read-only by requests.

    *tables* must be safe to read from several threads: ``TableStore.snapshot()`` preloaded
    with every version (``for_service`` does this) or ``MemoryTables``.
    """

    tables: ReferenceTables
    profile: Profile
    plugins: Plugins
    max_body: int = DEFAULT_MAX_BODY
    histories: TenantHistories = field(default_factory=TenantHistories)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": ErrorBody} for s in statuses}


def create_app(config: ServiceConfig) -> FastAPI:
    """The service as an ASGI application (``uvicorn --factory`` or any ASGI server)."""
    app = FastAPI(
        title="claim-scrubber",
        version=_tool_version(),
        summary="Pre-submission claim scrubbing for X12 837P and FHIR Claim documents.",
        responses=_error_responses(422),
    )

    @app.exception_handler(Problem)
    async def _problem(_request: Request, exc: Problem) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = "/".join(str(p) for p in first.get("loc", ()))
        message = _one_line(f"{where}: {first.get('msg', 'invalid request')}")
        return JSONResponse(
            {"error": {"message": message, "position": where or None, "code": None}},
            status_code=422,
        )

    async def scrub(
        request: Request,
        query: Annotated[ScrubQuery, Query()],
        x_scrubber_tenant: TenantHeader = None,
    ) -> Response:
        """The body is one document; its content type names the format. The answer holds
        the corrected document (same format), the run's report and every finding."""
        # called by ScrubRoute with the query and header already bound (see _binding.py)
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in MEDIA_TYPES:
            raise Problem(
                415,
                f"unsupported content type {media or '(none)'!r}; send one of "
                + ", ".join(MEDIA_TYPES),
            )
        data = await read_limited(request, config.max_body)
        tenant = tenant_of(x_scrubber_tenant)
        options = format_options(
            config.plugins,
            MEDIA_TYPES[media],
            query.option,
            {
                "fhir_version": query.fhir_version,
                "fast": query.fast,
                "findings": query.fhir_findings,
            },
        )
        history = config.histories.get(tenant)

        def work(h: ClaimHistory) -> ScrubResult:
            try:
                result = scrub_bytes(
                    data,
                    tables=config.tables,
                    profile=config.profile,
                    as_of=request_date(query.as_of),
                    format=MEDIA_TYPES[media],
                    check=query.check,
                    options=options,
                    plugins=config.plugins,
                    history=h,
                )
            except ScrubberError as exc:
                raise Problem(400, _one_line(exc.message), position=exc.position) from None
            failed = [f for r in result.results for f in r.failures]
            if failed:  # raised inside the tenant's history: what the run recorded is dropped
                first = failed[0]
                raise Problem(
                    500,
                    f"edit {first.code} raised {first.exc_type} on claim {first.claim_id};"
                    " the claims were not scrubbed",
                    code=first.code,
                )
            return result

        keep = not query.check
        if len(data) <= INLINE_BODY:  # a claim or two: the thread hop would cost more
            result = history.run(work, keep=keep)
        else:  # a batch runs off the event loop, so it does not stall other requests
            result = await run_in_threadpool(lambda: history.run(work, keep=keep))
        body = _scrub_body(result.output, result.report, result.format, check=query.check)
        # serialized once here, by orjson: the report is plain JSON data already, validating
        # it again through the response model would cost more than the scrub of one claim,
        # and the standard json module takes ten times orjson's time on it
        return Response(orjson.dumps(body), media_type="application/json")

    app.router.add_api_route(
        "/v1/scrub",
        scrub,
        methods=["POST"],
        route_class_override=ScrubRoute,
        response_model=ScrubResponse,
        responses=_error_responses(400, 413, 415, 500),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {media: {"schema": {"type": "string"}} for media in MEDIA_TYPES},
            }
        },
        summary="Scrub one 837P or FHIR document (Claim, Bundle, NDJSON)",
    )

    @app.get(
        "/v1/explain/{code}",
        response_model=ExplainResponse,
        summary="What a code bills and which limits apply (as `scrubber explain --json`)",
    )
    def explain(
        code: Annotated[str, Path(pattern="^[A-Za-z0-9]{1,8}$")],
        program: Annotated[str, Query(pattern="^(medicare|medicaid)$")] = "medicare",
        on: Annotated[str | None, Query(alias="date", pattern=ISO_DATE)] = None,
        minutes: Annotated[str | None, Query(pattern=r"^\d{1,6}(\.\d{1,2})?$")] = None,
    ) -> Response:
        request = ExplainRequest(
            code=code.upper(),
            program=program,
            on=request_date(on) or date.today(),
            payer=config.profile.for_program(program),
            tables=config.tables,
            minutes=request_minutes(minutes),
        )
        answer = explain_code(config.plugins.explainers, request).as_json(request)
        return Response(json.dumps(answer, default=str), media_type="application/json")

    @app.get("/v1/tables", response_model=TablesResponse, summary="The tables loaded")
    async def tables() -> Response:
        # on the event loop: the snapshot is in memory, a thread hop would cost more
        listing = {"tables": [info.as_dict() for info in config.tables.tables()]}
        return Response(orjson.dumps(listing), media_type="application/json")

    @app.delete(
        "/v1/history/{claim_id}",
        status_code=204,
        responses=_error_responses(404),
        summary="Forget a claim's units in the day totals (a voided claim)",
    )
    def forget(
        claim_id: Annotated[str, Path(min_length=1, max_length=38)],
        x_scrubber_tenant: TenantHeader = None,
    ) -> Response:
        history = config.histories.get(tenant_of(x_scrubber_tenant))
        if not history.run(lambda h: h.forget(claim_id)):
            raise Problem(404, f"claim {claim_id} is not in this tenant's history")
        return Response(status_code=204)

    # Probes are polled often: answered on the event loop from bytes made once, not through
    # the thread pool and the response model (which cost more than a scrub's own JSON)
    alive = Health(status="ok").model_dump_json().encode()

    @app.get("/healthz", response_model=Health, summary="Liveness")
    async def healthz() -> Response:
        return Response(alive, media_type="application/json")

    @app.get(
        "/readyz",
        response_model=Health,
        responses={503: {"model": Health}},
        summary="Readiness: reference tables are loaded",
    )
    async def readyz() -> Response:
        count = len(config.tables.tables())
        if not count:
            return JSONResponse({"status": "no tables loaded", "tables": 0}, status_code=503)
        return Response(
            Health(status="ready", tables=count).model_dump_json(), media_type="application/json"
        )

    app.add_middleware(AccessLog)
    return app


def _scrub_body(
    output: bytes, report: dict[str, Any] | Any, fmt: str, *, check: bool
) -> dict[str, Any]:
    findings = [
        {"claim_id": entry.get("claim_id"), **finding}
        for entry in report.get("claims", ())
        for finding in entry.get("findings", ())
    ]
    text: str | None = None
    encoded: str | None = None
    if not check:
        try:
            text = output.decode("utf-8")
        except UnicodeDecodeError:
            encoded = base64.b64encode(output).decode("ascii")
    return {
        "format": fmt,
        "changed": any(entry.get("changed") for entry in report.get("claims", ())),
        "output": text,
        "output_base64": encoded,
        "report": dict(report),
        "findings": findings,
    }


def _tool_version() -> str:
    from scrubber._api import tool_version

    return tool_version()
