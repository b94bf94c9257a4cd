"""A claim no edit found anything on costs the report its counts only; whoever asks for its
entry (the terminal listing, ``--report-level all``) gets the same entry as ever."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from scrubber._findings import AppliedFix, ClaimResult, Finding, Phase, Severity
from scrubber._fixes import SetUnits
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


def test_builders_that_each_saw_part_of_a_run_add_up_to_the_one_that_saw_it_all() -> None:
    """``--jobs`` and Spark: each worker's builder hands its counts over (``tallies``) and the
    run's builder adds them up (``add_tallies``): the summary is the one-process summary."""
    capped = make_claim(id="C2", lines=[make_line(units=2), make_line(code="97110")])
    fixed = make_claim(id="C2", lines=[make_line(units=1), make_line(code="97110")])
    error = Finding(code="MUE001", severity=Severity.ERROR, message="over", claim_id="C2", line=1)
    info = Finding(code="MUE007", severity=Severity.INFO, message="no row", claim_id="C2", line=2)
    applied = AppliedFix(by="MUE002", phase=Phase.LIMIT, fix=SetUnits(line=1, units=Decimal(1)))
    results = [
        ClaimResult(original=CLEAN, claim=CLEAN, payer="defaults"),
        ClaimResult(
            original=capped,
            claim=fixed,
            findings=(error, info),
            applied=(applied,),
            payer="defaults",
        ),
        ClaimResult(original=CLEAN, claim=CLEAN, findings=(info,), payer="medicaid"),
    ]
    whole = ReportBuilder(lambda entry: None)
    for result in results:
        whole.add(result, source="s")
    run = ReportBuilder(lambda entry: None)
    for part in (results[:1], results[1:]):
        worker = ReportBuilder(lambda entry: None)
        for result in part:
            worker.add(result, source="s")
        run.add_tallies(*worker.tallies())
    assert run.summary() == whole.summary()
    assert run.payers == whole.payers == {"defaults": 2, "medicaid": 1}
    assert run.has_errors and run.summary()["findings"]["by_code"] == {"MUE001": 1, "MUE007": 2}
