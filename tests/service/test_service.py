"""``POST /v1/scrub`` and friends, in process: the same bytes as the CLI, the error bodies
an integrator codes against, and day totals kept per tenant across requests."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient

import scrubber._cli as cli
from scrubber import Edit, Phase, Severity, edit, scrub_bytes
from scrubber._tables import MemoryTables
from scrubber.serve import ServiceConfig, create_app
from scrubber.serve._binding import ScrubRoute
from scrubber.serve._history import TenantHistories
from scrubber.serve._schemas import ISO_DATE, TENANT, ScrubQuery

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

X12 = "application/edi-x12"
FHIR_JSON = "application/fhir+json"

CASES = [
    ("x12/home-infusion-medicaid.837", X12),
    ("x12/medicare-mue.837", X12),
    ("x12/clean-claim.837", X12),
    ("fhir/home-infusion-medicaid.r4.json", FHIR_JSON),
    ("fhir/home-infusion-medicaid.r4.xml", "application/fhir+xml"),
    ("fhir/bundle-two-claims.r4.json", FHIR_JSON),
    ("fhir/batch.r4.ndjson", "application/x-ndjson"),
]


@pytest.mark.parametrize(("sample", "media"), CASES)
def test_scrub_round_trips_like_the_cli(
    client: TestClient, scrub_sample: Any, sample: str, media: str
) -> None:
    code, cli_output, cli_report = scrub_sample(sample)
    response = client.post(
        "/v1/scrub", content=(SAMPLES / sample).read_bytes(), headers={"content-type": media}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["output"].encode("utf-8") == cli_output
    assert body["format"] == ("x12" if media == X12 else "fhir")
    assert body["report"]["summary"] == cli_report["summary"]
    assert len(body["findings"]) == sum(len(c["findings"]) for c in cli_report["claims"])
    assert (code == 1) == any(f["severity"] == "error" for f in body["findings"])


@pytest.mark.parametrize(("sample", "media"), CASES)
def test_scrub_body_is_the_in_process_result(
    client: TestClient, service_config: ServiceConfig, sample: str, media: str
) -> None:
    """The whole answer, report and findings included, is what ``scrub_bytes`` gives in
    process: encoding it on the fast path changes no value."""
    data = (SAMPLES / sample).read_bytes()
    response = client.post("/v1/scrub", content=data, headers={"content-type": media})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    fmt = "x12" if media == X12 else "fhir"
    result = scrub_bytes(
        data,
        tables=service_config.tables,
        profile=service_config.profile,
        plugins=service_config.plugins,
        format=fmt,
    )
    report = json.loads(json.dumps(result.report))
    assert response.json() == {
        "format": fmt,
        "changed": any(entry["changed"] for entry in report["claims"]),
        "output": result.output.decode("utf-8"),
        "output_base64": None,
        "report": report,
        "findings": [
            {"claim_id": entry["claim_id"], **finding}
            for entry in report["claims"]
            for finding in entry["findings"]
        ],
    }


def test_check_reports_without_writing(client: TestClient) -> None:
    data = (SAMPLES / "x12/home-infusion-medicaid.837").read_bytes()
    body = client.post("/v1/scrub?check=true", content=data, headers={"content-type": X12}).json()
    assert body["output"] is None
    assert {f["code"] for f in body["findings"]} >= {"INF001"}


def test_unreadable_document_is_400_with_position(client: TestClient) -> None:
    response = client.post("/v1/scrub", content=b"ISA*00*broken~", headers={"content-type": X12})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] and "\n" not in error["message"]
    assert "position" in error


def test_unknown_content_type_is_415(client: TestClient) -> None:
    response = client.post("/v1/scrub", content=b"x", headers={"content-type": "text/csv"})
    assert response.status_code == 415
    assert "application/edi-x12" in response.json()["error"]["message"]


def test_body_over_the_limit_is_413_before_it_is_read(service_config: ServiceConfig) -> None:
    small = replace(service_config, max_body=100)
    with TestClient(create_app(small)) as c:
        declared = c.post("/v1/scrub", content=b"x" * 101, headers={"content-type": X12})
        streamed = c.post(
            "/v1/scrub",
            content=iter([b"x" * 60, b"x" * 60]),  # chunked: no Content-Length
            headers={"content-type": X12},
        )
    assert declared.status_code == 413
    assert streamed.status_code == 413


def _boom() -> Edit:
    @edit("TST900", summary="raises", citation="test", severity=Severity.ERROR, phase=Phase.LIMIT)
    def boom(claim: Any, ctx: Any) -> Any:
        raise RuntimeError("bug in a plugin")

    return boom


def test_plugin_that_raises_is_500_with_the_edit_code_and_the_next_request_works(
    service_config: ServiceConfig,
) -> None:
    data = (SAMPLES / "x12/clean-claim.837").read_bytes()
    broken = replace(
        service_config,
        plugins=replace(service_config.plugins, edits=(*service_config.plugins.edits, _boom())),
    )
    with TestClient(create_app(broken)) as c:
        first = c.post("/v1/scrub", content=data, headers={"content-type": X12})
    assert first.status_code == 500
    assert first.json()["error"]["code"] == "TST900"
    with TestClient(create_app(service_config)) as c:
        assert c.post("/v1/scrub", content=data, headers={"content-type": X12}).status_code == 200


def test_explain_answers_as_the_cli_does(
    client: TestClient, sample_tables_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["explain", "99602", "--program", "medicaid", "--date", "2026-01-15"]
    assert cli.main([*argv, "--minutes", "330", "--json", "--tables", str(sample_tables_db)]) == 0
    expected = json.loads(capsys.readouterr().out)
    response = client.get(
        "/v1/explain/99602", params={"program": "medicaid", "date": "2026-01-15", "minutes": "330"}
    )
    assert response.status_code == 200
    assert response.json() == expected


def test_tables_health_and_readiness(client: TestClient, service_config: ServiceConfig) -> None:
    tables = client.get("/v1/tables").json()["tables"]
    assert {t["effective"] for t in tables} >= {"2026-01-01", "2026-07-01"}
    assert all(t["source_file"] and t["sha256"] for t in tables)
    assert client.get("/healthz").json() == {"status": "ok", "tables": None}
    assert client.get("/readyz").status_code == 200
    empty = replace(service_config, tables=MemoryTables())
    with TestClient(create_app(empty)) as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/readyz").status_code == 503


def _claim(claim_id: str, units: int) -> bytes:
    """The Medicaid home-infusion sample, re-billed as 99601 x 1 + 99602 x *units* (UN)."""
    text = (SAMPLES / "x12/home-infusion-medicaid.837").read_text()
    lines = (
        f"LX*1~SV1*HC:99601*100.00*UN*1***1~DTP*472*D8*20260115~"
        f"LX*2~SV1*HC:99602*{100 * units}.00*UN*{units}***1~DTP*472*D8*20260115~"
    )
    text = text.replace("CLM*HI-0001*450.00", f"CLM*{claim_id}*{100 + 100 * units}.00")
    text = text.replace(
        "LX*1~\nSV1*HC:99601*450.00*MJ*330***1~\nDTP*472*D8*20260115~\nREF*6R*HI-0001-1~\n",
        lines.replace("~", "~\n"),
    )
    return text.replace("SE*25*0001", "SE*27*0001").encode()


def _mue_codes(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    return {f["code"] for f in response.json()["findings"] if f["code"].startswith("MUE")}


def _post(client: TestClient, claim_id: str, tenant: str, *, check: bool = False) -> Any:
    return client.post(
        "/v1/scrub" + ("?check=true" if check else ""),
        content=_claim(claim_id, 2),
        headers={"content-type": X12, "x-scrubber-tenant": tenant},
    )


def test_day_totals_are_kept_per_tenant_across_requests(client: TestClient) -> None:
    def delete(claim_id: str) -> int:
        return client.delete(
            f"/v1/history/{claim_id}", headers={"x-scrubber-tenant": "clinic-a"}
        ).status_code

    assert not _mue_codes(_post(client, "A-1", "clinic-a"))  # 2 units of 99602: the MUE is 2
    assert _mue_codes(_post(client, "A-2", "clinic-a", check=True))  # 2 + 2: over it
    assert not _mue_codes(_post(client, "B-1", "clinic-b"))  # another tenant counts alone
    assert _mue_codes(_post(client, "A-2", "clinic-a"))  # the check counted nothing: still over
    assert delete("A-2") == 204
    assert delete("A-1") == 204
    assert not _mue_codes(_post(client, "A-3", "clinic-a"))  # both voided: the day is empty
    assert delete("nope") == 404


def test_a_persisted_tenant_history_outlives_a_restart(
    service_config: ServiceConfig, tmp_path: Path
) -> None:
    def app() -> TestClient:
        return TestClient(create_app(replace(service_config, histories=TenantHistories(tmp_path))))

    with app() as first:
        assert not _mue_codes(_post(first, "P-1", "clinic-a"))
    assert (tmp_path / "clinic-a.db").is_file()
    with app() as second:  # a new process: yesterday's request still counts
        assert _mue_codes(_post(second, "P-2", "clinic-a"))
        for claim_id in ("P-1", "P-2"):  # both voided
            gone = second.delete(
                f"/v1/history/{claim_id}", headers={"x-scrubber-tenant": "clinic-a"}
            )
            assert gone.status_code == 204
    with app() as third:
        assert not _mue_codes(_post(third, "P-3", "clinic-a", check=True))


def test_bad_tenant_header_is_422(client: TestClient) -> None:
    response = client.get("/v1/tables")
    assert response.status_code == 200
    bad = client.post(
        "/v1/scrub",
        content=_claim("T-1", 1),
        headers={"content-type": X12, "x-scrubber-tenant": "a b/c"},
    )
    assert bad.status_code == 422
    assert "x-scrubber-tenant" in bad.json()["error"]["message"]


def test_access_log_carries_no_body(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    data = (SAMPLES / "x12/home-infusion-medicaid.837").read_bytes()
    with caplog.at_level(logging.INFO, logger="scrubber.access"):
        client.post("/v1/scrub", content=data, headers={"content-type": X12})
    records = [r.getMessage() for r in caplog.records if r.name == "scrubber.access"]
    assert records and records[-1].startswith("POST /v1/scrub 200 ")
    for secret in ("TESTPATIENT", "SYNTH0000001", "19800101", "SAMPLE STREET", "HI-0001"):
        assert all(secret not in r for r in records)


def test_openapi_describes_every_endpoint(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert set(doc["paths"]) == {
        "/v1/scrub",
        "/v1/explain/{code}",
        "/v1/tables",
        "/v1/history/{claim_id}",
        "/healthz",
        "/readyz",
    }
    scrub = doc["paths"]["/v1/scrub"]["post"]
    assert set(scrub["requestBody"]["content"]) >= {X12, FHIR_JSON, "application/x-ndjson"}
    assert {"200", "400", "413", "415", "500"} <= set(scrub["responses"])


def test_openapi_declares_the_scrub_parameters_the_route_binds(client: TestClient) -> None:
    """The route binds its query through ``ScrubQuery`` itself: the published parameters are
    that model's fields, with the same constraints, and the tenant header."""
    doc = client.get("/openapi.json").json()
    declared = {
        (p["name"], p["in"]): p["schema"] for p in doc["paths"]["/v1/scrub"]["post"]["parameters"]
    }
    assert set(declared) == {(name, "query") for name in ScrubQuery.model_fields} | {
        ("x-scrubber-tenant", "header")
    }
    assert declared[("as_of", "query")]["anyOf"][0]["pattern"] == ISO_DATE
    assert declared[("x-scrubber-tenant", "header")]["anyOf"][0]["pattern"] == TENANT
    assert declared[("option", "query")]["anyOf"][0]["type"] == "array"


def test_format_options_as_the_cli_takes_them(client: TestClient) -> None:
    data = (SAMPLES / "fhir/home-infusion-medicaid.r4.json").read_bytes()

    def post(query: str) -> Any:
        return client.post(f"/v1/scrub?{query}", content=data, headers={"content-type": FHIR_JSON})

    alias, generic = post("fhir_findings=true"), post("option=findings=true")
    assert alias.status_code == generic.status_code == 200
    assert "scrubber-finding" in alias.json()["output"]
    assert alias.json()["output"] == generic.json()["output"]
    assert "scrubber-finding" not in post("").json()["output"]
    unknown = post("option=colour=blue")
    assert unknown.status_code == 400
    assert "colour" in unknown.json()["error"]["message"]
    # an option of another format is not an error: each document gets the options it declares
    x12 = client.post(
        "/v1/scrub?fhir_findings=true",
        content=(SAMPLES / "x12/clean-claim.837").read_bytes(),
        headers={"content-type": X12},
    )
    assert x12.status_code == 200


def test_as_of_runs_the_scrub_as_the_cli_does(client: TestClient, scrub_sample: Any) -> None:
    sample = "x12/medicare-mue.837"
    _, cli_output, cli_report = scrub_sample(sample, "--as-of", "2026-07-15")
    response = client.post(
        "/v1/scrub?as_of=2026-07-15",
        content=(SAMPLES / sample).read_bytes(),
        headers={"content-type": X12},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["report"]["as_of"] == cli_report["as_of"] == "2026-07-15"
    assert body["report"]["tables"] == cli_report["tables"]
    assert body["output"].encode("utf-8") == cli_output


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ("as_of=2026-7-15", "query/as_of"),
        ("check=maybe", "query/check"),
        ("fhir_version=r3", "query/fhir_version"),
        ("fast=sometimes", "query/fast"),
    ],
)
def test_a_query_value_off_its_schema_is_422_naming_it(
    client: TestClient, query: str, where: str
) -> None:
    response = client.post(
        f"/v1/scrub?{query}", content=_claim("Q-1", 1), headers={"content-type": X12}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["position"] == where
    assert error["message"].startswith(f"{where}: ")


def test_a_date_that_matches_the_pattern_but_does_not_exist_is_422(client: TestClient) -> None:
    response = client.post(
        "/v1/scrub?as_of=2026-13-45", content=_claim("Q-2", 1), headers={"content-type": X12}
    )
    assert response.status_code == 422
    assert "2026-13-45" in response.json()["error"]["message"]


def test_query_binding_repeats_and_ignores_as_a_framework_would(client: TestClient) -> None:
    data = (SAMPLES / "fhir/home-infusion-medicaid.r4.json").read_bytes()

    def post(query: str) -> Any:
        response = client.post(
            f"/v1/scrub?{query}", content=data, headers={"content-type": FHIR_JSON}
        )
        assert response.status_code == 200, response.text
        return response.json()

    both = post("option=findings=true&option=fast=true")  # a list parameter keeps every value
    assert "scrubber-finding" in both["output"]
    assert both["output"] == post("fhir_findings=true&fast=true")["output"]
    # a scalar given twice keeps the last, as FastAPI binds it; an unknown name is ignored
    assert post("check=false&check=true&colour=blue")["output"] is None


def test_the_scrub_route_refuses_an_endpoint_it_cannot_bind() -> None:
    async def scrub(request: Any, query: Any) -> Any:  # pragma: no cover - never called
        raise AssertionError

    with pytest.raises(TypeError, match="request, query, x_scrubber_tenant"):
        ScrubRoute("/v1/scrub", scrub, methods=["POST"])


def test_the_scrub_route_refuses_a_dependency_it_would_not_run() -> None:
    async def scrub(request: Any, query: Any, x_scrubber_tenant: Any) -> Any:  # pragma: no cover
        raise AssertionError

    def authenticate() -> None:  # pragma: no cover - never called
        raise AssertionError

    with pytest.raises(TypeError, match="runs no dependencies"):
        ScrubRoute("/v1/scrub", scrub, methods=["POST"], dependencies=[Depends(authenticate)])
