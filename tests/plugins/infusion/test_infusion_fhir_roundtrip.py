"""End to end through the FHIR adapter: a timed 99601 item comes out as 99601 + 99602 items.

The project's synthetic FHIR sample is read through ``samples_dir``. In one test its time is a
servicedPeriod; in the other it is changed in memory to a UCUM ``min`` quantity.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scrubber._api import Plugins, scrub_bytes
from scrubber._manager import make_plugin_manager
from scrubber._tables import MemoryTables


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return Plugins.load(make_plugin_manager(entrypoints=False, blocked=("scrubber_mue",)))


def items(output: bytes) -> list[tuple[str, object, object]]:
    claim = json.loads(output)
    return [
        (
            item["productOrService"]["coding"][0]["code"],
            item["quantity"]["value"],
            item["net"]["value"],
        )
        for item in claim["item"]
    ]


def test_visit_given_as_a_period(samples_dir: Path, plugins: Plugins) -> None:
    data = (samples_dir / "fhir" / "home-infusion-medicaid.r4.json").read_bytes()
    result = scrub_bytes(data, tables=MemoryTables(), plugins=plugins, strict=True)
    assert [f.code for f in result.findings] == ["INF001"]
    assert items(result.output) == [("99601", 1, 125.0), ("99602", 3, 375.0)]


def test_visit_given_as_a_quantity_in_minutes(samples_dir: Path, plugins: Plugins) -> None:
    claim = json.loads((samples_dir / "fhir" / "home-infusion-medicaid.r4.json").read_bytes())
    [item] = claim["item"]
    item["quantity"] = {
        "value": 330,
        "unit": "min",
        "system": "http://unitsofmeasure.org",
        "code": "min",
    }
    item["servicedDate"] = item.pop("servicedPeriod")["start"][:10]
    result = scrub_bytes(
        json.dumps(claim).encode(), tables=MemoryTables(), plugins=plugins, strict=True
    )
    assert [f.code for f in result.findings] == ["INF001"]
    assert items(result.output) == [("99601", 1, 125.0), ("99602", 3, 375.0)]
