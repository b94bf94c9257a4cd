"""The public Python API: what an EHR, a batch runner or a plugin author may rely on."""

from __future__ import annotations

import ast
import dataclasses
import inspect
from decimal import Decimal
from pathlib import Path

import pytest

import scrubber
from scrubber import (
    AdapterError,
    ClaimHistory,
    ClaimResult,
    Engine,
    MemoryTables,
    Plugins,
    ScrubOptions,
    SetUnits,
    UnreadableClaim,
    edit,
    scrub_bytes,
)
from scrubber._engine import scrub_claim
from scrubber.testing import make_claim, make_line, make_table, run_edit

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_837 = ROOT / "samples/x12/home-infusion-medicaid.837"
SAMPLE_FHIR = ROOT / "samples/fhir/bundle-two-claims.r4.json"


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return Plugins.load()


def test_every_public_name_is_importable_and_explained() -> None:
    for name in scrubber.__all__:
        value = getattr(scrubber, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert (value.__doc__ or "").strip(), f"{name} needs a docstring saying why"


def test_built_ins_need_no_unexported_core_name() -> None:
    """Whatever a built-in plugin or adapter imports from the core is public, so the built-ins
    could import it from ``scrubber`` exactly as a third-party plugin does."""
    missing = []
    for path in [*ROOT.glob("plugins/*/**/*.py"), *ROOT.glob("adapters/*/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("scrubber."):
                missing += [
                    f"{path.relative_to(ROOT)}: {node.module}.{a.name}"
                    for a in node.names
                    if a.name not in scrubber.__all__ and node.module != "scrubber.testing"
                ]
    assert missing == []


def test_scrub_bytes_returns_the_document_the_report_and_one_result_per_claim(
    plugins: Plugins,
) -> None:
    data = SAMPLE_FHIR.read_bytes()
    result = scrub_bytes(data, tables=MemoryTables(), plugins=plugins)
    assert result.format == "fhir"
    assert isinstance(result.output, bytes) and result.output.startswith(b"{")
    assert result.report["report_version"] == 1
    listed = [c["claim_id"] for c in result.report["claims"]]  # claims needing attention
    assert [r.claim_id for r in result.results if r.claim_id in listed] == listed
    assert len(result.results) == result.report["summary"]["claims"]
    assert all(isinstance(r, ClaimResult) for r in result.results)
    assert result.findings == tuple(f for r in result.results for f in r.findings)


def test_check_mode_writes_every_claim_as_it_came(plugins: Plugins) -> None:
    data = SAMPLE_837.read_bytes()
    checked = scrub_bytes(data, tables=MemoryTables(), plugins=plugins, check=True)
    assert checked.output == data
    assert checked.report["summary"]["mode"] == "check"
    assert checked.findings  # the infusion finding is still reported


def test_a_profile_may_be_toml_text(plugins: Plugins) -> None:
    text = '[defaults]\nprogram = "medicaid"\n'
    result = scrub_bytes(SAMPLE_837.read_bytes(), tables=MemoryTables(), profile=text)
    assert result.report["profile"]["sha256"]
    bad = "[defaults\n"
    with pytest.raises(scrubber.ProfileError):
        scrub_bytes(SAMPLE_837.read_bytes(), tables=MemoryTables(), profile=bad)


def test_an_unknown_format_is_an_adapter_error(plugins: Plugins) -> None:
    with pytest.raises(AdapterError, match="unknown format 'edifact'"):
        scrub_bytes(b"UNB+", tables=MemoryTables(), plugins=plugins, format="edifact")
    with pytest.raises(AdapterError, match="not a claim format"):
        scrub_bytes(b"hello", tables=MemoryTables(), plugins=plugins)


def test_one_run_streams_chunks_like_scrub_bytes(plugins: Plugins) -> None:
    data = SAMPLE_837.read_bytes()
    engine = Engine(edits=plugins.edits, tables=MemoryTables(), profile=plugins.profile())
    run = engine.start()
    seen: list[object] = []
    chunks = [data[i : i + 7] for i in range(0, len(data), 7)]
    written = b"".join(
        run.stream(chunks, plugins.format("x12"), on_result=lambda _p, r: seen.append(r))
    )
    assert written == scrub_bytes(data, tables=MemoryTables(), plugins=plugins).output
    assert [type(r) for r in seen] == [ClaimResult]
    assert engine.start() is not run and engine.start().history is not run.history


def test_options_are_one_typed_frozen_object() -> None:
    options = ScrubOptions(strict=True, format_options={"fast": "true"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.strict = False  # type: ignore[misc]
    assert ScrubOptions().format_options == {} and not ScrubOptions().check


def test_unreadable_claims_are_results_with_their_finding(plugins: Plugins) -> None:
    data = SAMPLE_837.read_bytes().replace(b"SV1*HC:99601*450.00*", b"SV1*HC:99601*X*")
    result = scrub_bytes(data, tables=MemoryTables(), plugins=plugins)
    [unreadable] = result.results
    assert isinstance(unreadable, UnreadableClaim)
    assert unreadable.claim_id == "HI-0001" and not unreadable.changed
    assert [f.code for f in result.findings] == ["SCR002"]
    assert result.output == data


def test_history_is_passed_in_and_kept_by_the_caller(plugins: Plugins) -> None:
    history = ClaimHistory()
    scrub_bytes(SAMPLE_837.read_bytes(), tables=MemoryTables(), plugins=plugins, history=history)
    probe = make_claim(id="OTHER", lines=[make_line()])
    assert history.prior_units(probe, "99213", probe.lines[0].service_from) == 0


@edit("TST900", summary="cap units at one (test rule)", citation="test rule")
def cap_at_one(claim, ctx):  # type: ignore[no-untyped-def]
    for line in claim.lines:
        if line.units > 1:
            yield ctx.finding(
                line, "over one", fixes=[SetUnits(line=line.number, units=Decimal(1))]
            )


def test_plugin_author_helpers_still_work() -> None:
    claim = make_claim(lines=[make_line(units=3)])
    [finding] = run_edit(cap_at_one, claim)
    assert finding.line == 1 and finding.fixes
    table = make_table("mue", "medicare", "practitioner", claim.lines[0].service_from, {})
    profile = scrubber.load_profile(None, ())
    result = scrub_claim(claim, edits=[cap_at_one], tables=MemoryTables([table]), profile=profile)
    assert result.claim.lines[0].units == 1
    assert [(f.line, f.output_lines) for f in result.findings] == [(1, (1,))]
