"""The service's response bodies as pydantic models: FastAPI builds ``/openapi.json`` from these,
so the published schema and what the code returns cannot drift apart.

The report itself keeps the CLI's JSON (``report_version`` 1, documented in docs/report.md);
here it is an open object, so the service never has a second copy of the report's schema.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "ISO_DATE",
    "TENANT",
    "ErrorBody",
    "ErrorDetail",
    "ExplainResponse",
    "ExplainSectionOut",
    "Health",
    "ScrubQuery",
    "ScrubResponse",
    "TableOut",
    "TablesResponse",
]


ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
#: The ``X-Scrubber-Tenant`` header: it names a history file, so nothing but a plain name.
TENANT = r"^[A-Za-z0-9._-]{1,64}$"


class ScrubQuery(BaseModel):
    """The query of ``POST /v1/scrub``: the options ``scrubber scrub`` takes for one run.
    Parameters not named here are ignored, as a framework's query binding ignores them."""

    check: bool = Field(default=False, description="Report only; the claims are not changed.")
    as_of: str | None = Field(default=None, pattern=ISO_DATE, description="Run as of.")
    fhir_version: str | None = Field(
        default=None, pattern="^(r4|r5)$", description="FHIR: alias of option=fhir_version=..."
    )
    fhir_findings: bool | None = Field(
        default=None, description="FHIR: findings as Claim extensions (option findings)."
    )
    fast: bool | None = Field(
        default=None, description="FHIR: skip full model validation (option fast)."
    )
    option: list[str] | None = Field(
        default=None,
        description="A format option KEY=VALUE, as --format-option (repeatable).",
    )


class ErrorDetail(BaseModel):
    message: str = Field(description="One line, the same text the CLI prints (no PHI).")
    position: str | None = Field(
        default=None, description="Segment number, byte offset or JSON pointer, when known."
    )
    code: str | None = Field(
        default=None, description="For a plugin failure: the code of the edit that raised."
    )


class ErrorBody(BaseModel):
    error: ErrorDetail


class ScrubResponse(BaseModel):
    format: str = Field(description="The format the document was read and written in.")
    changed: bool = Field(description="True when at least one claim was changed.")
    output: str | None = Field(
        description="The corrected document as text, in the format it came in (None with "
        "check=true, or when it is not UTF-8: see output_base64)."
    )
    output_base64: str | None = Field(
        default=None, description="The corrected document, base64, when it is not UTF-8 text."
    )
    report: dict[str, Any] = Field(description="The run's report, as `scrubber scrub --report`.")
    findings: list[dict[str, Any]] = Field(
        description="Every finding of every claim (each with its claim_id), as in the report."
    )


class ExplainSectionOut(BaseModel):
    title: str = Field(description="What the section is about (time units, the MUE ...).")
    text: list[str] = Field(description="Sentences a biller can read.")
    data: dict[str, Any] = Field(description="The same as data (units and money as strings).")
    answer: str | None = Field(description="This section's one-sentence answer, if any.")


class ExplainResponse(BaseModel):
    code: str
    program: str
    date: str
    minutes: str | None
    answer: str | None = Field(description="The biller's answer in one sentence.")
    warnings: list[str] = Field(description="E.g. the table in force is older than the date.")
    sections: list[ExplainSectionOut]


class TableOut(BaseModel):
    table: str = Field(description="kind/program/service_type")
    kind: str
    program: str
    service_type: str
    effective: str
    rows: int
    source_file: str
    sha256: str
    imported_at: str


class TablesResponse(BaseModel):
    tables: list[TableOut]


class Health(BaseModel):
    status: str
    tables: int | None = None
