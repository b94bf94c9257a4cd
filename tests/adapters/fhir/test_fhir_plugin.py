"""Wiring: the fhir format is registered, detected, and runs end to end through the API with
a test edit (so these tests do not depend on the other built-in plugins' rules)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from fhir.resources.claimresponse import ClaimResponse as R5ClaimResponse
from fhir.resources.R4B.claimresponse import ClaimResponse as R4ClaimResponse

from scrubber._api import Plugins, detect_format, scrub_bytes
from scrubber._edits import Edit, EditContext, edit
from scrubber._findings import ClaimResult, Finding, Phase, Severity
from scrubber._fixes import SplitLine, SplitPart
from scrubber._formats import ClaimPiece
from scrubber._hookspecs import hookimpl
from scrubber._manager import collect_formats, make_plugin_manager
from scrubber._models import Claim
from scrubber._tables import MemoryTables

OTHERS = ("scrubber_mue", "scrubber_infusion", "scrubber_x12")


@edit(
    "TST001",
    summary="split a visit over 2:30 into 99601 + 99602 hours (test rule)",
    citation="test only",
    severity=Severity.WARNING,
    phase=Phase.NORMALIZE,
)
def split_long_visits(claim: Claim, ctx: EditContext) -> Iterator[Finding]:
    """A stand-in for the infusion plugin: one rule that proposes a split."""
    for line in claim.lines:
        if line.code == "99601" and line.minutes and line.minutes > 150:
            extra = ((line.minutes - 120 - 31) // 60) + 1
            parts = (SplitPart(units=Decimal(1)), SplitPart(units=extra, code="99602"))
            yield ctx.finding(
                line, "visit longer than 2 hours", fixes=[SplitLine(line=line.number, parts=parts)]
            )


class TestPlugin:
    @hookimpl
    def scrubber_edits(self) -> list[Edit]:
        return [split_long_visits]


def plugins() -> Plugins:
    pm = make_plugin_manager(entrypoints=False, blocked=OTHERS, extra=[TestPlugin()])
    return Plugins.load(pm)


def test_fhir_format_is_registered_with_its_options() -> None:
    [fmt] = collect_formats(make_plugin_manager(entrypoints=False, blocked=OTHERS))
    assert fmt.name == "fhir" and fmt.respond is not None
    assert set(fmt.options) == {"fhir_version", "fast", "findings"}


def test_detect_format_picks_fhir_for_json_and_xml(samples_dir: Path) -> None:
    formats = plugins().formats
    for name in ("home-infusion-medicaid.r4.json", "home-infusion-medicaid.r4.xml"):
        head = (samples_dir / "fhir" / name).read_bytes()[:4096]
        assert detect_format(head, formats).name == "fhir"


def test_scrub_bytes_splits_the_medicaid_visit(samples_dir: Path) -> None:
    data = (samples_dir / "fhir/home-infusion-medicaid.r4.json").read_bytes()
    result = scrub_bytes(data, tables=MemoryTables(()), plugins=plugins(), strict=True)
    assert result.format == "fhir"
    assert [f.code for f in result.findings] == ["TST001"]
    tree = json.loads(result.output, parse_float=Decimal)
    codes = [
        (i["productOrService"]["coding"][0]["code"], i["quantity"]["value"]) for i in tree["item"]
    ]
    assert codes == [("99601", 1), ("99602", 3)]  # 5 h 30 min: 99601 + 3 additional hours
    assert (
        sum(i["net"]["value"] for i in tree["item"]) == tree["total"]["value"] == Decimal("500.00")
    )
    checked = scrub_bytes(data, tables=MemoryTables(()), plugins=plugins(), check=True)
    assert checked.output == data


def respond_to(data: bytes, version: str) -> dict[str, Any]:
    loaded = plugins()
    fmt = loaded.format("fhir")
    assert fmt.respond is not None
    options = {"fhir_version": version}
    lines: list[bytes] = []

    def on_result(piece: ClaimPiece, result: ClaimResult) -> None:
        assert fmt.respond is not None
        lines.append(fmt.respond(piece, result, options))

    from scrubber._api import scrub_stream
    from scrubber._report import ReportBuilder

    b"".join(
        scrub_stream(
            [data],
            fmt=fmt,
            edits=loaded.edits,
            tables=MemoryTables(()),
            profile=loaded.profile(),
            report=ReportBuilder(lambda _entry: None),
            options=options,
            on_result=on_result,
        )
    )
    [line] = lines
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    response: dict[str, Any] = json.loads(line)
    return response


def test_claim_response_r4(samples_dir: Path) -> None:
    data = (samples_dir / "fhir/home-infusion-medicaid.r4.json").read_bytes()
    response = respond_to(data, "r4")
    R4ClaimResponse.model_validate(response)
    assert response["request"]["identifier"]["value"] == "HI-MCD-0001"
    # TST001 is about input line 1, which the split made items 1 and 2: no one item is it
    assert response["error"] == [
        {
            "code": {
                "coding": [
                    {
                        "system": "https://claim-scrubber.dev/fhir/CodeSystem/edit-code",
                        "code": "TST001",
                    }
                ],
                "text": "warning",
            },
        }
    ]
    assert response["processNote"][0]["type"] == "display"
    assert response["processNote"][0]["text"].startswith("TST001 warning (input line 1): ")
    assert response["outcome"] == "complete"  # a warning is not an error


def test_claim_response_r5(fhir: Any) -> None:
    item = fhir.item(
        servicedDate=None,
        servicedPeriod={"start": "2026-01-15T09:00:00Z", "end": "2026-01-15T13:00:00Z"},
    )
    response = respond_to(fhir.to_json(fhir.claim([item])), "r5")
    R5ClaimResponse.model_validate(response)
    assert response["processNote"][0]["type"]["coding"][0]["code"] == "display"
    assert "itemSequence" not in response["error"][0]  # the line was split in two
    assert "(input line 1)" in response["processNote"][0]["text"]


def test_validate_reports_claims_that_fail_the_models(fhir: Any) -> None:
    fmt = plugins().format("fhir")
    assert fmt.validate is not None
    good = fhir.to_json(fhir.claim(), indent=None)
    bad = fhir.to_json(fhir.claim(identifier=[{"value": "BAD-2"}], extra="x"), indent=None)
    issues = list(fmt.validate(good + b"\n" + bad + b"\n", {"fast": "true"}))
    assert [(i.locator, i.claim_id) for i in issues] == [("line 2", "BAD-2")]
    [single] = list(fmt.validate(bad, {}))
    assert (single.locator, single.message) == ("/", "/extra: Extra inputs are not permitted")
