"""The HTML report: rendered from the JSON report, escaped, self-contained, and checked in a
real headless Chromium (the DOM holds every claim and finding; a screenshot is kept).

Chromium is Debian's ``chromium`` package (``.ci/run`` installs it). Without it these browser
tests skip, unless ``SCRUBBER_REQUIRE_BROWSER=1`` (set by CI) makes that a failure. The
screenshot is written to ``SCRUBBER_ARTIFACTS`` (default ``build/test-artifacts``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import lxml.html
import pytest

import scrubber._cli as cli
from scrubber._html_report import render_html

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("SCRUBBER_ARTIFACTS", ROOT / "build" / "test-artifacts"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _golden(name: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(ROOT.joinpath("samples", name).read_text("utf-8"))
    report.pop("exit_code")
    return report


def test_page_shows_claims_findings_lines_and_provenance() -> None:
    report = _golden("x12/medicare-mue.expected.report.json")
    page = lxml.html.fromstring(render_html(report))
    claims = page.xpath("//article[@class='claim']/@data-claim-id")
    assert claims == ["MUE-0001", "MUE-0002"]
    codes = page.xpath("//article[@data-claim-id='MUE-0001']//div[@data-code]/@data-code")
    assert codes == ["MUE002", "MUE003", "MUE001"]
    text = page.text_content()
    assert "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv" in text  # the table's file
    assert "1275.00 → 975.00" in text  # the claim total before and after
    assert "can be appealed with documentation" in text and "RARC N362" in text
    written = page.xpath("//article[@data-claim-id='MUE-0001']//tr[@class='after']/td/text()")
    assert "UNITS CAPPED AT MUE 1" in written and "300.00" in written


def test_everything_from_the_input_is_escaped() -> None:
    report = _golden("x12/medicare-mue.expected.report.json")
    hostile = '<script>alert(1)</script>"&'
    report["claims"][0]["claim_id"] = hostile
    report["claims"][0]["findings"][0]["message"] = hostile
    report["claims"][0]["after"]["lines"][0]["note"] = hostile
    html = render_html(report)
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") == 4  # id (heading and attribute), message, note


def test_page_loads_nothing_from_the_network_and_prints() -> None:
    html = render_html(_golden("fhir/bundle-two-claims.expected.report.json"))
    page = lxml.html.fromstring(html)
    assert not page.xpath("//script | //link | //img | //iframe | //*[@src]")
    assert "@import" not in html and "url(" not in html
    assert "@media print" in html
    # links (to the cited rules) only open when clicked
    assert all(a.get("href", "").startswith("https://") for a in page.xpath("//a"))


def test_a_clean_run_says_so() -> None:
    page = lxml.html.fromstring(render_html(_golden("x12/clean-claim.expected.report.json")))
    assert "No claim needed attention." in page.text_content()
    assert "1 claim(s) with nothing to report" in page.text_content()


def test_scrub_html_and_report_command_write_the_same_page(
    scrub_sample, tmp_path: Path, capsys
) -> None:
    html = tmp_path / "scrub.html"
    code, _output, _report = scrub_sample("x12/medicare-mue.837", "--html", str(html))
    assert code == 1
    json_report = tmp_path / "report.json"  # written by scrub_sample beside the output
    again = tmp_path / "again.html"
    assert cli.main(["report", str(json_report), "-o", str(again)]) == 0
    assert html.read_text("utf-8") == again.read_text("utf-8")


def test_report_command_refuses_what_is_not_a_report(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"claims": []}')
    out = tmp_path / "out.html"
    assert cli.main(["report", str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a claim-scrubber report" in err
    bad.write_text("{")
    assert cli.main(["report", str(bad), "-o", str(out)]) == 2
    assert "not JSON" in capsys.readouterr().err
    assert not out.exists()


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("SCRUBBER_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not installed; SCRUBBER_REQUIRE_BROWSER=1 requires it")
        pytest.skip("chromium is not installed (Debian package 'chromium')")
    return found


def _browse(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )


def test_in_headless_chromium_every_claim_and_finding_is_in_the_dom(
    scrub_sample, tmp_path: Path
) -> None:
    html = tmp_path / "report.html"
    _code, _output, report = scrub_sample(
        "x12/medicare-mue.837", "--html", str(html), "--report-level", "all"
    )
    dom = lxml.html.fromstring(_browse(html, tmp_path / "profile", "--dump-dom").stdout)
    assert dom.xpath("//article/@data-claim-id") == [c["claim_id"] for c in report["claims"]]
    for claim in report["claims"]:
        shown = dom.xpath(f"//article[@data-claim-id='{claim['claim_id']}']//div/@data-code")
        assert shown == [f["code"] for f in claim.get("findings", [])]
    assert dom.xpath("string(//dd[@data-count='claims'])") == str(report["summary"]["claims"])

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report-html.png"
    shot.unlink(missing_ok=True)
    _browse(
        html,
        tmp_path / "profile-shot",
        "--window-size=1200,1800",
        f"--screenshot={shot}",
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_a_summary_level_report_does_not_claim_all_is_well() -> None:
    report = _golden("x12/medicare-mue.expected.report.json")
    report["summary"]["report_level"] = "summary"
    text = lxml.html.fromstring(render_html({**report, "claims": []})).text_content()
    assert "not listed (report level summary)" in text
    assert "No claim needed attention." not in text


def test_the_profile_and_payer_section_are_shown_when_the_report_has_them() -> None:
    report = _golden("x12/medicare-mue.expected.report.json")
    report["profile"] = {"source": "payers.toml", "sha256": "ab" * 32, "payers": {"CT": 2}}
    report["claims"][0]["payer"] = "CT"
    text = lxml.html.fromstring(render_html(report)).text_content()
    assert "payers.toml" in text and "ab" * 32 in text and "CT\xa0×\xa02" in text
    assert "payer profile section CT" in text
