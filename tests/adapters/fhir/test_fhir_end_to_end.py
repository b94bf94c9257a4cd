"""The motivating case as FHIR, through the CLI with every built-in plugin: a Medicaid
home-infusion visit of 5 h 30 min (servicedPeriod) comes out as 99601 × 1 + 99602 within the
Medicaid MUE of 2 plus a GD review line, total = Σ item.net, valid R4, and a second run
changes nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from fhir.resources.R4B.claim import Claim as R4Claim

import scrubber._cli as cli


@pytest.fixture(scope="module")
def tables_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    samples = Path(__file__).resolve().parents[3] / "samples" / "tables"
    files = sorted([*samples.glob("*.csv"), *samples.glob("*.txt")])
    db = tmp_path_factory.mktemp("tables") / "tables.db"
    assert cli.main(["tables", "import", *map(str, files), "--tables", str(db)]) == 0
    return db


def scrub(source: Path, out: Path, tables_db: Path, *extra: str) -> int:
    return cli.main(
        ["scrub", str(source), "--tables", str(tables_db), "-o", str(out), "-q", *extra]
    )


@pytest.mark.parametrize(
    "name", ["home-infusion-medicaid.r4.json", "home-infusion-medicaid.r4.xml"]
)
def test_medicaid_home_infusion_claim(
    samples_dir: Path, tmp_path: Path, tables_db: Path, name: str
) -> None:
    out, response = tmp_path / name, tmp_path / "response.ndjson"
    code = scrub(
        samples_dir / "fhir" / name, out, tables_db, "--validate", "--response", str(response)
    )
    assert code == 0
    if name.endswith(".xml"):
        model = R4Claim.model_validate_xml(out.read_bytes().split(b"?>", 1)[1].strip())
        tree = json.loads(model.model_dump_json(), parse_float=Decimal)
    else:
        tree = json.loads(out.read_bytes(), parse_float=Decimal)
        R4Claim.model_validate(tree)
    lines = [
        (
            item["productOrService"]["coding"][0]["code"],
            tuple(m["coding"][0]["code"] for m in item.get("modifier", ())),
            Decimal(item["quantity"]["value"]),
        )
        for item in tree["item"]
    ]
    # Medicaid without a state profile: the units are kept and the records requested
    assert lines == [
        ("99601", (), Decimal(1)),
        ("99602", (), Decimal(3)),
    ]
    linked = tree["item"][1]["informationSequence"]
    infos = {i["sequence"]: i for i in tree["supportingInfo"]}
    assert any("valueAttachment" in infos[seq] or "valueReference" in infos[seq] for seq in linked)
    assert sum(i["net"]["value"] for i in tree["item"]) == tree["total"]["value"] == 500
    [claim_response] = response.read_text().splitlines()
    assert {e["code"]["coding"][0]["code"] for e in json.loads(claim_response)["error"]} >= {
        "INF001"
    }

    again = tmp_path / f"again-{name}"
    assert scrub(out, again, tables_db) == 0
    assert again.read_bytes() == out.read_bytes()
