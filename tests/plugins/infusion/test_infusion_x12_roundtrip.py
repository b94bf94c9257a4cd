"""End to end through the 837P adapter: a visit sent in minutes comes out as 99601 + 99602.

The corpus file is read through ``corpus_dir`` and changed in memory only (its first service
line becomes a synthetic home-infusion visit); nothing is copied into the project.
"""

from __future__ import annotations

import re
from pathlib import Path

from scrubber._api import Plugins, scrub_bytes
from scrubber._manager import make_plugin_manager
from scrubber._tables import MemoryTables


def test_837p_visit_in_minutes_is_written_back_as_primary_and_add_on(corpus_dir: Path) -> None:
    data = (corpus_dir / "x12" / "demo.example1.837").read_bytes()
    first_line = re.search(rb"SV1\*HC:99213\*40\.00\*UN\*1\.00\*\*\*1~", data)
    assert first_line is not None
    visit = b"SV1*HC:99601*40.00*MJ*330***1~"  # 5 h 30 min, same charge: CLM02 stays balanced
    plugins = Plugins.load(
        make_plugin_manager(entrypoints=False, blocked=("scrubber_mue", "scrubber_fhir"))
    )
    result = scrub_bytes(
        data.replace(first_line.group(0), visit, 1),
        tables=MemoryTables(),
        plugins=plugins,
        strict=True,
    )
    assert [f.code for f in result.findings] == ["INF001"]
    segments = result.output.replace(b"\r", b"").replace(b"\n", b"").split(b"~")
    service = [s for s in segments if s.startswith((b"LX*", b"SV1*", b"REF*6R*"))]
    assert service[:6] == [
        b"LX*1",
        b"SV1*HC:99601*10.00*UN*1***1",
        b"REF*6R*26463774-1-1",
        b"LX*2",
        b"SV1*HC:99602*30.00*UN*3***1",
        b"REF*6R*26463774-1-2",
    ]
    assert b"CLM*26463774*100.00*" in result.output  # the total did not move
