"""Inputs that used to end in exit 3 "internal error" without any plugin raising.

Each is now bad input (exit 2, one line naming the file and position, no output) or a problem
of one claim (passed through unchanged and reported with its segment number or JSON pointer),
and no value makes the scrubber build a structure the size of that value.
"""

from __future__ import annotations

import copy
import json
import re
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import scrubber._cli as cli
from scrubber._api import Plugins, scrub_bytes
from scrubber._fixes import SetUnits, apply_fixes, prorate
from scrubber._store import TableStore
from scrubber.testing import make_claim, make_line
from scrubber_x12.render import format_like
from scrubber_x12.synthetic import SyntheticLine, synthetic_837

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
CLAIM = json.loads((SAMPLES / "fhir" / "home-infusion-medicaid.r4.json").read_bytes())


def run(tmp_path: Path, name: str, data: bytes, tables: Path, capsys) -> tuple[int, list[str]]:
    source = tmp_path / name
    source.write_bytes(data)
    out = tmp_path / f"out-{name}"
    code = cli.main(["scrub", str(source), "--tables", str(tables), "-o", str(out), "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    if code == 2:
        assert not out.exists()  # no partial output
    return code, err


def passed_through(
    tmp_path: Path, name: str, data: bytes, tables: Path, capsys
) -> tuple[int, list[str]]:
    """Scrub a document whose one Claim cannot be used: it is written back unchanged and the
    report says why, with the JSON pointer. Returns the exit code and the problems."""
    source = tmp_path / name
    source.write_bytes(data)
    out, report = tmp_path / f"out-{name}", tmp_path / "report.json"
    code = cli.main(
        ["scrub", str(source), "--tables", str(tables), "-o", str(out), "--report",
         str(report), "-q"]
    )  # fmt: skip
    assert "internal error" not in capsys.readouterr().err
    assert out.read_bytes() == data
    claims = json.loads(report.read_text(encoding="utf-8"))["claims"]
    return code, [f["message"] for c in claims for f in c["findings"] if f["code"] == "SCR002"]


def _claim(**changes: Any) -> dict[str, Any]:
    claim = copy.deepcopy(CLAIM)
    claim.update(changes)
    return claim


def _item(**changes: Any) -> dict[str, Any]:
    claim = copy.deepcopy(CLAIM)
    claim["item"][0].update(changes)
    return claim


BAD_FHIR = {
    "contained-unknown-type": (_claim(contained=[{"resourceType": "Bogus", "id": "x"}]), "/"),
    "contained-number-type": (_claim(contained=[{"resourceType": 5, "id": "x"}]), "/"),
    "coverage-system-object": (
        _claim(
            contained=[
                {
                    **CLAIM["contained"][0],
                    "type": {"coding": [{"system": {"a": 1}, "code": "x"}]},
                }
            ]
        ),
        "/contained/0/type/coding/0/system",
    ),
    "net-too-large": (_item(net={"value": 10**20, "currency": "USD"}), "/item/0/net/value"),
    "quantity-too-large": (_item(quantity={"value": 10**16}), "/item/0/quantity/value"),
}


@pytest.mark.parametrize("case", sorted(BAD_FHIR))
def test_odd_fhir_claims_are_reported_with_their_pointer(
    case, tmp_path, sample_tables_db, capsys
) -> None:
    tree, pointer = BAD_FHIR[case]
    code, problems = passed_through(
        tmp_path, "c.json", json.dumps(tree).encode(), sample_tables_db, capsys
    )
    assert code == 1
    assert len(problems) == 1 and f"passed through unchanged: {pointer}:" in problems[0]


@pytest.mark.parametrize(
    "item",
    [
        {"diagnosisSequence": None},
        {"careTeamSequence": [[1]]},
        {"informationSequence": {"a": 1}},
        {"informationSequence": None},
    ],
)
def test_fast_mapping_copes_with_any_shape(item, sample_tables_db) -> None:
    """--fast maps without model validation: a Coverage coding whose system is an object
    used to abort the whole batch, an odd *Sequence crashed the writer."""
    bad = _claim()
    bad["contained"] = [
        {**CLAIM["contained"][0], "type": {"coding": [{"system": {"a": 1}, "code": "x"}]}}
    ]
    bad["item"][0].update(item)
    bad["supportingInfo"] = None  # null where an array belongs: none
    ndjson = (json.dumps(bad) + "\n" + json.dumps(CLAIM) + "\n").encode()
    store = TableStore.open(sample_tables_db, create=False)
    try:
        result = scrub_bytes(ndjson, tables=store.snapshot(), options={"fast": "true"})
    finally:
        store.close()
    assert len(result.report["claims"]) == 2
    assert result.results[-1].changed  # the good Claim was scrubbed


def test_a_bad_claim_in_a_bundle_does_not_stop_the_others(sample_tables_db, tmp_path, capsys):
    bad, _ = BAD_FHIR["contained-unknown-type"]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": bad}, {"resource": CLAIM}],
    }
    code, _err = run(tmp_path, "b.json", json.dumps(bundle).encode(), sample_tables_db, capsys)
    report = json.loads(json.dumps(scrub_bundle(bundle, sample_tables_db)))
    assert code in (0, 1)
    unreadable = [any(f["code"] == "SCR002" for f in c["findings"]) for c in report["claims"]]
    assert unreadable == [True, False]


def scrub_bundle(bundle: dict[str, Any], tables: Path) -> dict[str, Any]:
    store = TableStore.open(tables, create=False)
    try:
        result = scrub_bytes(json.dumps(bundle).encode(), tables=store.snapshot())
    finally:
        store.close()
    return dict(result.report)


BAD_JSON = {
    "deep-nesting": b'{"resourceType": "Claim", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "deep-ndjson": b'{"resourceType": "Claim", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
    "huge-integer": json.dumps(_item(quantity={"value": 1}))
    .replace('"value": 1}', '"value": ' + "9" * 5000 + "}", 1)
    .encode(),
    "entry-true": b'{"resourceType": "Bundle", "type": "collection", "entry": true}',
}


@pytest.mark.parametrize("case", sorted(BAD_JSON))
def test_json_beyond_limits_is_one_line_exit_2(case, tmp_path, sample_tables_db, capsys) -> None:
    code, err = run(tmp_path, "j.json", BAD_JSON[case], sample_tables_db, capsys)
    assert code == 2 and len(err) == 1 and err[0].startswith("scrubber: ")
    assert "internal error" not in err[0]


def _x12(charge: str = "100.00", units: str = "5", code: str = "99213", basis: str = "UN") -> bytes:
    data = synthetic_837(
        0, claim_lines=[[SyntheticLine(code=code, basis=basis, date="20260115")]], sbr09="MB"
    )
    return re.sub(
        rb"SV1\*([^*]*)\*100\.00\*(UN|MJ)\*1\*", f"SV1*\\1*{charge}*{basis}*{units}*".encode(), data
    )


@pytest.mark.parametrize(
    ("charge", "units", "element"),
    [
        ("1" * 17 + ".00", "5", "SV102"),
        ("100.001", "5", "SV102"),
        ("100.00", "1" * 16, "SV104"),
    ],
)
def test_x12_values_beyond_the_tr3_make_the_claim_unreadable(
    charge, units, element, sample_tables_db
) -> None:
    data = _x12(charge, units)
    store = TableStore.open(sample_tables_db, create=False)
    try:
        result = scrub_bytes(data, tables=store.snapshot())
    finally:
        store.close()
    assert result.output == data  # passed through unchanged
    [claim] = result.report["claims"]
    assert re.search(rf"{element} .*005010X222A1 \(segment \d+\)", json.dumps(claim))


def test_the_largest_values_the_tr3_allows_are_scrubbed(sample_tables_db) -> None:
    data = _x12("9" * 16 + ".99", "9" * 15)
    store = TableStore.open(sample_tables_db, create=False)
    try:
        result = scrub_bytes(data, tables=store.snapshot())
    finally:
        store.close()
    assert result.output != data  # the MUE fix was written, not an internal error
    assert result.results[0].claim.lines[0].units <= Decimal("9" * 15)


def test_minutes_of_any_size_cost_no_memory(sample_tables_db) -> None:
    data = _x12(units="9" * 15, code="99601", basis="MJ")
    store = TableStore.open(sample_tables_db, create=False)
    tracemalloc.start()
    try:
        result = scrub_bytes(data, tables=store.snapshot(), plugins=Plugins.load())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        store.close()
    assert peak < 50_000_000  # a list of every add-on hour would need terabytes
    [inf001] = [f for f in result.findings if f.code == "INF001"]
    assert "hours 3 to " in inf001.message


def test_arithmetic_on_huge_values_rejects_the_fix_instead_of_raising() -> None:
    with pytest.raises(ValueError, match="too large"):
        prorate(Decimal("9" * 30), Decimal(1), Decimal(3))
    claim = make_claim(lines=[make_line(units=3, charge="9" * 30)])
    outcome = apply_fixes(claim, [("X", SetUnits(line=1, units=Decimal(1)))])
    assert outcome.claim is claim and "too large" in outcome.rejected[0].reason
    assert format_like(Decimal("1" + "0" * 40), "10.00") == "1" + "0" * 40 + ".00"


def test_an_mue_value_of_thousands_of_digits_is_a_table_error(tmp_path, capsys) -> None:
    source = SAMPLES / "tables" / "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv"
    lines = source.read_text(encoding="latin-1").splitlines()
    row = next(k for k, line in enumerate(lines) if line.startswith("96360,"))
    cells = lines[row].split(",")
    cells[1] = "9" * 5000
    lines[row] = ",".join(cells)
    bad = tmp_path / "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="latin-1")
    code = cli.main(["tables", "import", str(bad), "--tables", str(tmp_path / "t.db")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "96360 has" in err[0] and "digits (at most 9" in err[0] and "9999" not in err[0]


def test_xml_errors_name_the_element_and_processing_instructions_are_skipped(
    tmp_path, sample_tables_db, capsys
) -> None:
    xml = (SAMPLES / "fhir" / "home-infusion-medicaid.r4.xml").read_text(encoding="utf-8")
    bad = re.sub(r'(<net>\s*<value value=")[^"]+', r"\1abc", xml, count=1)
    code, problems = passed_through(tmp_path, "bad.xml", bad.encode(), sample_tables_db, capsys)
    assert code == 1 and "unchanged: /item/0/net/value:" in problems[0]

    head, sep, rest = xml.partition("?>") if xml.startswith("<?xml") else ("", "", xml)
    with_pi = head + sep + "<?note <Claim xmlns='x'>?>" + rest
    code, err = run(tmp_path, "pi.xml", with_pi.encode(), sample_tables_db, capsys)
    assert code in (0, 1), err


def test_a_diagnosis_pointer_of_thousands_of_digits_is_ignored(sample_tables_db) -> None:
    """Found by the fuzz harness: SV107 went through int() before its range was checked."""
    data = _x12().replace(b"UN*5***1~", b"UN*5***" + b"1" * 5000 + b"~", 1)
    assert b"1" * 5000 in data
    store = TableStore.open(sample_tables_db, create=False)
    try:
        result = scrub_bytes(data, tables=store.snapshot())
    finally:
        store.close()
    assert result.results[0].original.lines[0].diagnosis_pointers == ()


def test_an_xml_element_the_models_cannot_reparse_is_a_problem_of_its_claim(
    tmp_path, sample_tables_db, capsys
) -> None:
    """Found by the fuzz harness: a non-ASCII element name is well-formed XML, but the
    models re-parse each Claim from an ASCII serialization and raised XMLSyntaxError."""
    xml = (SAMPLES / "fhir" / "home-infusion-medicaid.r4.xml").read_text(encoding="utf-8")
    bad = xml.replace("<display ", "<display\u0465 ", 1)
    assert bad != xml
    code, problems = passed_through(tmp_path, "odd.xml", bad.encode(), sample_tables_db, capsys)
    assert code == 1 and "not a valid FHIR XML Claim (XMLSyntaxError" in problems[0]


def test_fast_nesting_too_deep_to_rewrite_is_one_line_exit_2(tmp_path, sample_tables_db, capsys):
    """The models refuse deep nesting; --fast skips them, so the writer says so itself."""
    text = (SAMPLES / "fhir" / "home-infusion-medicaid.r4.json").read_text(encoding="utf-8")
    deep = "[" * 900 + "]" * 900
    anchor = '"sequence": 1,\n      "careTeamSequence"'
    assert anchor in text  # the item, which the fix rewrites
    claim = text.replace(anchor, anchor.replace(",", f', "modifierExtension": {deep},', 1), 1)
    source = tmp_path / "deep.json"
    source.write_text(claim, encoding="utf-8")
    out = tmp_path / "out.json"
    code = cli.main(
        ["scrub", str(source), "--tables", str(sample_tables_db), "-o", str(out), "-q",
         "--fast"]
    )  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "nested too deeply" in err[0]
    assert not out.exists()
