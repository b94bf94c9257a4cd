"""The plugin as the engine sees it: registration, sniffing, validation, 999 and XCLM001."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from scrubber._api import Plugins, scrub_bytes
from scrubber._fixes import SplitLine, SplitPart
from scrubber._models import SourceRef
from scrubber._tables import MemoryTables
from scrubber.testing import make_claim, make_line, run_edit
from scrubber_x12.edits import claim_over_fifty_lines
from scrubber_x12.sniff import sniff_837
from scrubber_x12.synthetic import synthetic_837


def test_format_is_registered_by_default() -> None:
    fmt = Plugins.load().format("x12")
    assert fmt.validate is not None and fmt.acknowledge is not None
    assert "XCLM001" in {e.code for e in Plugins.load().edits}


def test_sniff_accepts_x12_and_rejects_json() -> None:
    assert sniff_837(b"\r\nISA*00*          *00*")
    assert sniff_837(b"\xef\xbb\xbfISA|00|")
    assert not sniff_837(b'{"resourceType": "Claim"}')
    assert not sniff_837(b"ISAAC")


def test_scrub_bytes_with_no_findings_is_byte_identical(samples_dir: Path) -> None:
    data = (samples_dir / "x12" / "clean-claim.837").read_bytes()
    result = scrub_bytes(data, tables=MemoryTables(), check=True)
    assert result.format == "x12" and result.output == data


def test_validate_reports_positions_and_names_the_a2_reading(corpus_dir: Path) -> None:
    fmt = Plugins.load().format("x12")
    assert fmt.validate is not None
    issues = list(fmt.validate((corpus_dir / "x12" / "demo.example6.837").read_bytes(), {}))
    assert issues and all(i.locator.startswith("segment ") for i in issues)
    assert all("validated as 005010X222A1" in i.message for i in issues)
    assert not any("98940" in i.message for i in issues)  # no element values in messages


def test_acknowledge_accepts_a_clean_file_and_echoes_the_version(samples_dir: Path) -> None:
    fmt = Plugins.load().format("x12")
    assert fmt.acknowledge is not None
    ack = fmt.acknowledge((samples_dir / "x12" / "clean-claim.837").read_bytes(), {}).decode()
    assert "ST*999*" in ack and "IK5*A" in ack and "AK9*A*1*1*1" in ack
    assert "AK2*837*0001*005010X222A1" in ack


def test_xclm001_flags_x12_claims_over_fifty_lines_only() -> None:
    lines = [make_line(number=n) for n in range(1, 52)]
    x12 = make_claim(
        lines=lines, source=SourceRef(locator="segment 20", format="x12", max_lines=50)
    )
    [finding] = run_edit(claim_over_fifty_lines, x12)
    assert "51 service lines" in finding.message and "2 claims" in finding.message
    fhir = make_claim(lines=lines, source=SourceRef(locator="/entry/0", format="fhir"))
    assert run_edit(claim_over_fifty_lines, fhir) == []
    assert run_edit(claim_over_fifty_lines, make_claim(lines=lines[:50], source=x12.source)) == []


def test_splitting_in_the_engine_path_writes_valid_claims(kit) -> None:
    data = synthetic_837(1, lines_per_claim=50)
    out = kit.rewrite(
        data,
        lambda c: (
            [SplitLine(line=1, parts=(SplitPart(units=Decimal(1)),) * 2)]
            if c.lines[0].units >= 2
            else [SplitLine(line=2, parts=(SplitPart(units=Decimal(1)),) * 2)]
        ),
    )
    assert [len(c.lines) for c in kit.claims_of(out)] == [50, 1]
    assert kit.issues(out) == set()


def test_the_50_line_limit_is_a_capability_of_the_format() -> None:
    """Edits read the limit from the claim's source, which the 837P reader fills from what
    the x12 format declares; a claim of a format without a limit is never held to 50."""
    from scrubber._api import Plugins
    from scrubber._formats import ClaimPiece
    from scrubber_x12.reader import read_837
    from scrubber_x12.synthetic import synthetic_837

    loaded = Plugins.load()
    assert loaded.format("x12").max_lines == 50
    assert loaded.format("fhir").max_lines is None
    [claim] = [p.claim for p in read_837([synthetic_837(1)], {}) if isinstance(p, ClaimPiece)]
    assert claim is not None and claim.source is not None and claim.source.max_lines == 50
    lines = [make_line(number=n) for n in range(1, 52)]
    limited = make_claim(lines=lines, source=SourceRef(locator="x", format="mine", max_lines=50))
    assert run_edit(claim_over_fifty_lines, limited)  # the declared limit, not the name "x12"
