"""Property-based tests generated from the service's own OpenAPI document: every endpoint,
with inputs schemathesis derives from the schema, answers with a status and a body the
document declares, and never with a server error."""

from __future__ import annotations

from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402

from scrubber import ImportHints, MemoryTables, Plugins  # noqa: E402
from scrubber.serve import ServiceConfig, create_app  # noqa: E402

TABLES = Path(__file__).resolve().parents[2] / "samples" / "tables"


def _app() -> object:
    """The service over the bundled sample tables, held in memory (built at import time:
    schemathesis reads the schema while collecting)."""
    plugins = Plugins.load()
    parsed = []
    for path in sorted([*TABLES.glob("*.csv"), *TABLES.glob("*.txt")]):
        data = path.read_bytes()
        importer = next(i for i in plugins.importers if i.recognizes(path.name, data[:4096]))
        parsed.extend(importer.parse(path.name, data, ImportHints()))
    return create_app(
        ServiceConfig(tables=MemoryTables(parsed), profile=plugins.profile(), plugins=plugins)
    )


@schemathesis.serializer("application/edi-x12", "application/x-ndjson", "application/fhir+ndjson")
def _text_body(_ctx: object, value: object) -> bytes:
    """Claim documents are text: a generated string goes as UTF-8 bytes."""
    return str(value).encode("utf-8")


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=25, suppress_health_check=list(HealthCheck), deadline=None)
def test_every_endpoint_conforms_to_its_schema(case: object) -> None:
    # A body that is a string but not a claim document is schema-valid and still a 400 (the
    # document cannot be read): every other check applies as schemathesis defines it.
    case.call_and_validate(  # type: ignore[attr-defined]
        excluded_checks=[schemathesis.checks.positive_data_acceptance]
    )
