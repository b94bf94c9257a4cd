"""A claim no edit found anything on costs the report its counts only; whoever asks for its
entry (the terminal listing, ``--report-level all``) gets the same entry as ever."""

from __future__ import annotations

from typing import Any

import pytest

from scrubber._findings import ClaimResult, Finding, Severity
from scrubber._report import ReportBuilder
from scrubber.testing import make_claim, make_line

CLEAN = make_claim(id="C1", lines=[make_line(), make_line(code="97110")])


@pytest.mark.parametrize("level", ["summary", "findings", "all"])
def test_a_clean_claim_is_counted_and_listed_only_where_asked(level: str) -> None:
    sunk: list[dict[str, Any]] = []
    heard: list[dict[str, Any]] = []
    report = ReportBuilder(sunk.append, level=level, listener=heard.append)
    report.add(ClaimResult(original=CLEAN, claim=CLEAN, payer="defaults"), source="ST 0001")
    entry = {"claim_id": "C1", "source": "ST 0001", "payer": "defaults", "changed": False}
    assert heard == [entry]
    assert sunk == ([entry] if level == "all" else [])
    summary = report.summary()
    assert (summary["claims"], summary["lines"], summary["claims_changed"]) == (1, 2, 0)
    assert report.payers == {"defaults": 1}


def test_an_info_finding_still_gets_its_entry() -> None:
    heard: list[dict[str, Any]] = []
    report = ReportBuilder(lambda entry: None, listener=heard.append)
    info = Finding(code="MUE007", severity=Severity.INFO, message="no row", claim_id="C1", line=1)
    report.add(ClaimResult(original=CLEAN, claim=CLEAN, findings=(info,)), source="s")
    assert [f["code"] for f in heard[0]["findings"]] == ["MUE007"]
    assert report.by_code == {"MUE007": 1}
