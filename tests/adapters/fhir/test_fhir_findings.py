"""Findings carried in the written Claim (``findings`` option, ``--fhir-findings``): on the
item a finding is about, or on the Claim when fixes renumbered the lines; replaced on a
second run; off by default, so untouched Claims stay byte-identical."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B.claim import Claim as R4Claim

from scrubber._errors import AdapterError
from scrubber._findings import Finding, Severity
from scrubber._fixes import SplitLine, SplitPart, apply_fixes
from scrubber._formats import ClaimPiece, Piece
from scrubber._models import Claim
from scrubber_fhir.codes import EXT_FINDING
from scrubber_fhir.writer import write


def _finding(line: int | None, code: str = "MUE004") -> Finding:
    return Finding(
        code=code,
        severity=Severity.WARNING,
        message=f"synthetic finding on line {line}",
        claim_id="CLM-1",
        line=line,
        citation="CMS MUE page",
        carc="35",
        rarc="N362",
    )


def _pieces(fhir: Any, data: bytes, *findings: Finding) -> list[Piece]:
    """The pieces of a JSON document, its Claim's carrying *findings* (as the engine sets)."""
    return [
        replace(p, findings=findings) if isinstance(p, ClaimPiece) else p for p in fhir.read(data)
    ]


def _two_items(fhir: Any) -> bytes:
    first = fhir.item(1, "99601", quantity={"value": 2})
    return fhir.to_json(fhir.claim([first, fhir.item(2, "99602")]))  # type: ignore[no-any-return]


def _claim_of(pieces: list[Piece]) -> Claim:
    (claim,) = [p.claim for p in pieces if isinstance(p, ClaimPiece) and p.claim is not None]
    return claim


def _write(pieces: list[Piece], fixed: Claim | None = None, **options: str) -> dict[str, Any]:
    pairs = [(p, fixed if isinstance(p, ClaimPiece) else None) for p in pieces]
    return json.loads(b"".join(write(pairs, options)))  # type: ignore[no-any-return]


def _carried(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The scrubber-finding extensions of a node, as {sub-url: value}."""
    out = []
    for ext in node.get("extension", ()):
        if ext["url"] == EXT_FINDING:
            out.append(
                {
                    part["url"]: next(v for k, v in part.items() if k != "url")
                    for part in ext["extension"]
                }
            )
    return out


def test_line_finding_goes_on_its_item_when_lines_are_in_place(fhir: Any) -> None:
    pieces = _pieces(fhir, _two_items(fhir), _finding(2), _finding(None, code="EXA001"))
    tree = _write(pieces, findings="true")
    assert _carried(tree["item"][1]) == [
        {
            "code": "MUE004",
            "severity": "warning",
            "message": "synthetic finding on line 2",
            "citation": "CMS MUE page",
            "carc": "35",
            "rarc": "N362",
        }
    ]
    assert _carried(tree["item"][0]) == []
    assert [f["code"] for f in _carried(tree)] == ["EXA001"]
    R4Claim.model_validate(tree)  # the extensions are valid FHIR


def test_after_a_split_line_findings_go_on_the_claim_with_their_line(fhir: Any) -> None:
    pieces = _pieces(fhir, _two_items(fhir), _finding(1))
    split = SplitLine(line=1, parts=(SplitPart(units=Decimal(1)), SplitPart(units=Decimal(1))))
    fixed = apply_fixes(_claim_of(pieces), [("MUE004", split)]).claim
    tree = _write(pieces, fixed, findings="true")
    assert len(tree["item"]) == 3
    assert all(_carried(item) == [] for item in tree["item"])
    assert [(f["code"], f["line"]) for f in _carried(tree)] == [("MUE004", 1)]
    R4Claim.model_validate(tree)


def test_off_by_default_an_unfixed_claim_with_findings_is_byte_identical(fhir: Any) -> None:
    data = _two_items(fhir)
    assert fhir.write(_pieces(fhir, data, _finding(1))) == data


def test_with_the_option_a_claim_without_findings_is_byte_identical(fhir: Any) -> None:
    data = fhir.to_json(fhir.claim())
    assert fhir.write(fhir.read(data), findings="true") == data


def test_findings_of_an_earlier_run_are_replaced_not_added(fhir: Any) -> None:
    first = _write(_pieces(fhir, _two_items(fhir), _finding(2), _finding(None)), findings="true")
    again = fhir.to_json(first)
    second = _write(_pieces(fhir, again, _finding(1, code="MUE001")), findings="true")
    assert [f["code"] for f in _carried(second["item"][0])] == ["MUE001"]
    assert _carried(second["item"][1]) == [] and _carried(second) == []
    assert "extension" not in second  # emptied lists are dropped, as FHIR JSON requires
    # and with no findings left at all, the old ones are still removed
    cleared = _write(_pieces(fhir, again), findings="true")
    assert EXT_FINDING not in json.dumps(cleared)


def test_a_bad_option_value_is_an_error(fhir: Any) -> None:
    with pytest.raises(AdapterError, match="option findings must be true or false"):
        fhir.write(fhir.read(fhir.to_json(fhir.claim())), findings="maybe")


def test_cli_carries_the_seed_case_findings_in_the_claim(scrub_sample: Any) -> None:
    code, out, report = scrub_sample(
        "fhir/home-infusion-medicaid.r4.json", "--fhir-findings", "--validate"
    )
    assert code == 0
    tree = json.loads(out)
    carried = _carried(tree) + [f for item in tree["item"] for f in _carried(item)]
    reported = [f["code"] for claim in report["claims"] for f in claim["findings"]]
    assert sorted(f["code"] for f in carried) == sorted(reported) == ["INF001", "MUE004"]
    R4Claim.model_validate(tree)


def test_cli_carries_findings_in_an_xml_claim(scrub_sample: Any) -> None:
    code, out, report = scrub_sample(
        "fhir/home-infusion-medicaid.r4.xml", "--fhir-findings", "--validate"
    )
    assert code == 0  # --validate re-read the written XML with the R4 models
    reported = [f["code"] for claim in report["claims"] for f in claim["findings"]]
    assert out.count(f'url="{EXT_FINDING}"'.encode()) == len(reported) == 2
