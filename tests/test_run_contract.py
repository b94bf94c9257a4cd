"""The run contract (issue 12), through ``scrub_bytes`` and the CLI with the bundled samples.

Each test is a promise an integrator relies on: findings name the input line and where it
went, the API's findings are the report's, a run reports its own tables, one run spans its
inputs, one snapshot serves several threads, a misspelled store path is an error.
"""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import scrubber._cli as cli
from scrubber import ScrubResult, TableError, TableStore, UnreadableClaim, scrub_bytes
from scrubber._api import Plugins

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
INFUSION_837 = SAMPLES / "x12/home-infusion-medicaid.837"
INFUSION_FHIR = SAMPLES / "fhir/home-infusion-medicaid.r4.json"
MEDICARE_837 = SAMPLES / "x12/medicare-mue.837"
# Medicaid MUE flagged, not split: the 99602 line the infusion split made stays one line
FLAG_PROFILE = '[defaults.mue]\nmedicaid_action = "flag"\n'
# the excess split onto its own line (the Connecticut GD practice): 99602 becomes two lines
SPLIT_PROFILE = '[defaults.mue]\nmedicaid_action = "split"\n'


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return Plugins.load()


@pytest.fixture
def store(sample_tables_db: Path) -> TableStore:
    return TableStore.open(sample_tables_db)


def _mue(result: ScrubResult) -> list[Any]:
    return [f for f in result.findings if f.code.startswith("MUE") and f.code != "MUE007"]


@pytest.mark.parametrize("sample", [INFUSION_837, INFUSION_FHIR], ids=["837p", "fhir"])
def test_a_finding_after_the_split_names_the_input_line(
    sample: Path, store: TableStore, plugins: Plugins
) -> None:
    # input: one 99601 line for 5 h 30 min; the infusion edit makes 99601 + 99602 x 3, the
    # Medicaid MUE of 2 on 99602 splits off the excess: three output lines from input line 1
    result = scrub_bytes(
        sample.read_bytes(), tables=store.snapshot(), profile=SPLIT_PROFILE, plugins=plugins
    )
    [claim] = result.results
    assert not isinstance(claim, UnreadableClaim)
    assert [ln.code for ln in claim.claim.lines] == ["99601", "99602", "99602"]
    [mue] = _mue(result)
    assert mue.line == 1
    assert mue.output_lines == (2, 3)
    assert "line 1" in mue.message and "line 2" not in mue.message
    [infusion] = [f for f in result.findings if f.code == "INF001"]
    assert (infusion.line, infusion.output_lines) == (1, (1, 2, 3))
    [entry] = result.report["claims"]
    reported = {f["code"]: (f["line"], f["output_lines"]) for f in entry["findings"]}
    assert reported[mue.code] == (1, [2, 3])


def test_flagged_line_after_a_split_keeps_one_output_line(
    store: TableStore, plugins: Plugins
) -> None:
    result = scrub_bytes(
        INFUSION_837.read_bytes(), tables=store.snapshot(), profile=FLAG_PROFILE, plugins=plugins
    )
    [mue] = _mue(result)
    assert (mue.line, mue.output_lines) == (1, (2,))


def test_claim_response_points_at_the_written_item(sample_tables_db: Path, tmp_path: Path) -> None:
    profile = tmp_path / "flag.toml"
    profile.write_text(FLAG_PROFILE, encoding="utf-8")
    out, responses, report = tmp_path / "out.json", tmp_path / "resp.ndjson", tmp_path / "r.json"
    code = cli.main(
        [
            "scrub",
            str(INFUSION_FHIR),
            "--tables",
            str(sample_tables_db),
            "--profile",
            str(profile),
            "--response",
            str(responses),
            "--report",
            str(report),
            "-o",
            str(out),
            "-q",
        ]
    )
    assert code in (0, 1)
    [response] = [json.loads(line) for line in responses.read_text().splitlines()]
    [entry] = json.loads(report.read_text())["claims"]
    mue_index = next(
        n for n, f in enumerate(entry["findings"]) if f["code"].startswith("MUE") and f["line"]
    )
    error = response["error"][mue_index]
    assert error["code"]["coding"][0]["code"] == entry["findings"][mue_index]["code"]
    written = json.loads(out.read_text())["item"]
    assert error["itemSequence"] == 2
    assert written[1]["sequence"] == 2
    assert written[1]["productOrService"]["coding"][0]["code"] == "99602"
    assert "(input line 1)" in response["processNote"][mue_index]["text"]


def test_the_cli_report_gives_input_and_output_lines(scrub_sample: Any) -> None:
    ct = str(SAMPLES / "profiles/connecticut-medicaid.toml")  # payer SKCT0: split with GD
    _code, _out, report = scrub_sample("x12/home-infusion-medicaid.837", "--profile", ct)
    [entry] = report["claims"]
    lines = {f["code"]: (f["line"], f["output_lines"]) for f in entry["findings"]}
    assert lines["INF001"] == (1, [1, 2, 3])
    assert [v for k, v in lines.items() if k.startswith("MUE") and k != "MUE007"] == [(1, [2, 3])]


def _with_unreadable_claim() -> bytes:
    data = MEDICARE_837.read_bytes()
    broken = data.replace(b"SV1*HC:97110:GP*90.00*", b"SV1*HC:97110:GP*NINETY*", 1)
    assert broken != data
    return broken


def test_findings_equal_the_report_counts_with_an_unreadable_claim(
    store: TableStore, plugins: Plugins
) -> None:
    data = _with_unreadable_claim()
    result = scrub_bytes(data, tables=store.snapshot(), plugins=plugins)
    assert [type(r).__name__ for r in result.results] == ["ClaimResult", "UnreadableClaim"]
    assert result.results[1].claim_id == "MUE-0002"
    summary = result.report["summary"]
    assert Counter(f.code for f in result.findings) == Counter(summary["findings"]["by_code"])
    assert summary["findings"]["by_code"]["SCR002"] == 1
    assert summary["claims_unreadable"] == 1
    assert sum(len(c["findings"]) for c in result.report["claims"]) == len(result.findings)
    # the unreadable claim is written back as it came
    assert b"SV1*HC:97110:GP*NINETY*" in result.output


def test_the_cli_reports_the_unreadable_claim_like_the_api(
    sample_tables_db: Path, tmp_path: Path, store: TableStore, plugins: Plugins
) -> None:
    src = tmp_path / "in.837"
    src.write_bytes(_with_unreadable_claim())
    report = tmp_path / "r.json"
    args = ["scrub", str(src), "--tables", str(sample_tables_db), "--check", "-q"]
    assert cli.main([*args, "--report", str(report)]) == 1
    from_cli = json.loads(report.read_text())["summary"]["findings"]
    from_api = scrub_bytes(src.read_bytes(), tables=store.snapshot(), plugins=plugins)
    assert from_cli["by_code"] == dict(Counter(f.code for f in from_api.findings))


def test_two_calls_on_one_snapshot_report_their_own_tables(
    store: TableStore, plugins: Plugins
) -> None:
    snapshot = store.snapshot()
    medicaid = scrub_bytes(INFUSION_837.read_bytes(), tables=snapshot, plugins=plugins)
    medicare = scrub_bytes(MEDICARE_837.read_bytes(), tables=snapshot, plugins=plugins)
    first = {(t["program"], t["service_type"]) for t in medicaid.report["tables"]}
    second = {(t["program"], t["service_type"]) for t in medicare.report["tables"]}
    assert first == {("medicaid", "practitioner")}
    assert second == {("medicare", "practitioner")}
    # and the first call's provenance did not change after the second
    assert {(t["program"], t["service_type"]) for t in medicaid.report["tables"]} == first


def test_the_report_records_the_profile(store: TableStore, plugins: Plugins) -> None:
    import hashlib

    text = (SAMPLES / "profiles/payers.toml").read_text(encoding="utf-8")
    profile = plugins.profile(text, source="payers.toml")
    result = scrub_bytes(
        INFUSION_837.read_bytes(), tables=store.snapshot(), profile=profile, plugins=plugins
    )
    block = result.report["profile"]
    assert block["source"] == "payers.toml"
    assert block["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert block["payers"] == {"ct-medicaid": 1}  # payer id SKCT0
    assert [c["payer"] for c in result.report["claims"]] == ["ct-medicaid"]


def test_four_threads_share_one_snapshot(store: TableStore, plugins: Plugins) -> None:
    snapshot = store.snapshot()  # nothing loaded yet: the threads race to load the rows
    inputs = [INFUSION_837, MEDICARE_837, INFUSION_FHIR, MEDICARE_837] * 3

    def run(path: Path) -> tuple[bytes, list[str], list[str]]:
        result = scrub_bytes(path.read_bytes(), tables=snapshot, plugins=plugins)
        tables = sorted(t["source_file"] for t in result.report["tables"])
        return result.output, [f.message for f in result.findings], tables

    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(run, inputs))
    alone = [run(path) for path in inputs]
    assert together == alone


def test_a_misspelled_store_is_an_error_not_an_empty_store(tmp_path: Path) -> None:
    typo = tmp_path / "tabels.db"
    with pytest.raises(TableError, match="no table store"):
        TableStore.open(typo)
    assert not typo.exists()


def test_the_cli_refuses_a_misspelled_store(tmp_path: Path, capsys: Any) -> None:
    typo = tmp_path / "tabels.db"
    out = tmp_path / "out.837"
    code = cli.main(["scrub", str(INFUSION_837), "--tables", str(typo), "-o", str(out)])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "tabels.db" in err and "no table store" in err
    assert not typo.exists() and not out.exists()


def test_only_tables_import_creates_a_store(tmp_path: Path) -> None:
    db = tmp_path / "new" / "tables.db"
    table = SAMPLES / "tables/MCR_MUE_PractitionerServices_Eff_01-01-2026.csv"
    assert cli.main(["tables", "list", "--tables", str(db)]) == 2
    assert not db.exists()
    assert cli.main(["tables", "import", str(table), "--tables", str(db)]) == 0
    assert db.exists()


def test_format_options_are_generic_and_the_fhir_flags_are_aliases(
    scrub_sample: Any,
) -> None:
    generic = scrub_sample(
        "fhir/home-infusion-medicaid.r4.json", "--format-option", "findings=true"
    )
    alias = scrub_sample("fhir/home-infusion-medicaid.r4.json", "--fhir-findings")
    plain = scrub_sample("fhir/home-infusion-medicaid.r4.json")
    assert generic[1] == alias[1] != plain[1]
    assert b"scrubber-finding" in generic[1]


def test_an_option_no_format_declares_is_refused(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "out"
    args = ["scrub", str(INFUSION_837), "--no-history", "-o", str(out)]
    assert cli.main([*args, "--format-option", "fhir_verison=r5"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "fhir_verison" in err
    assert cli.main([*args, "--format-option", "no-equals-sign"]) == 2
    assert not out.exists()


def test_scrub_bytes_checks_options_against_the_format(plugins: Plugins) -> None:
    from scrubber import AdapterError, MemoryTables

    with pytest.raises(AdapterError, match="format x12 has no option 'fast'"):
        scrub_bytes(
            INFUSION_837.read_bytes(), tables=MemoryTables(), plugins=plugins, options={"fast": "1"}
        )


def test_import_hints_must_be_known_to_an_importer(tmp_path: Path, capsys: Any) -> None:
    table = SAMPLES / "tables/MCR_MUE_PractitionerServices_Eff_01-01-2026.csv"
    db = tmp_path / "t.db"
    args = ["tables", "import", str(table), "--tables", str(db)]
    assert cli.main([*args, "--service-type", "hospice"]) == 2
    assert "hospice" in capsys.readouterr().err
    assert not db.exists()


def test_the_cli_report_hashes_the_profile_file_as_it_is(
    sample_tables_db: Path, tmp_path: Path
) -> None:
    import hashlib

    profile = tmp_path / "crlf.toml"
    profile.write_bytes(b'[defaults]\r\nprogram = "medicaid"\r\n')
    report = tmp_path / "r.json"
    args = ["scrub", str(INFUSION_837), "--tables", str(sample_tables_db), "--check", "-q"]
    assert cli.main([*args, "--profile", str(profile), "--report", str(report)]) in (0, 1)
    block = json.loads(report.read_text())["profile"]
    assert block["source"] == str(profile)
    assert block["sha256"] == hashlib.sha256(profile.read_bytes()).hexdigest()
