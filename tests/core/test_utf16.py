"""UTF-16 files (Excel "Unicode Text", Windows tools) are read and written back in UTF-16.

The property a user relies on: scrubbing a UTF-16 file gives exactly the UTF-8/ASCII result,
in the input's UTF-16 (same byte order, same BOM or none); an untouched file stays
byte-identical."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import scrubber._cli as cli
from scrubber import AdapterError, MemoryTables, scrub_bytes
from scrubber._api import Plugins
from scrubber._utf16 import Utf16, detect_utf16
from scrubber_x12.synthetic import synthetic_837

ENCODINGS = {  # name: (how the file is encoded, its first bytes)
    "utf-16 LE with BOM": ("utf-16-le", b"\xff\xfe"),
    "utf-16 BE with BOM": ("utf-16-be", b"\xfe\xff"),
    "utf-16 LE without BOM": ("utf-16-le", b""),
}


def as_utf16(data: bytes, name: str, source: str = "utf-8") -> bytes:
    codec, bom = ENCODINGS[name]
    return bom + data.decode(source).encode(codec)


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return Plugins.load()


def test_detection_needs_a_bom_or_the_nul_pattern() -> None:
    assert detect_utf16(b"\xff\xfeI\x00") == Utf16(codec="utf-16-le", bom=b"\xff\xfe")
    assert detect_utf16(b"\x00I\x00S") == Utf16(codec="utf-16-be", bom=b"")
    assert detect_utf16(b"ISA*") is None
    assert detect_utf16(b"\xef\xbb\xbfIS") is None  # UTF-8 BOM: the readers handle it
    assert detect_utf16(b"\xff\xfe\x00\x00") is None  # UTF-32


@pytest.mark.parametrize("name", sorted(ENCODINGS))
@pytest.mark.parametrize(
    "sample", ["x12/clean-claim.837", "fhir/bundle-two-claims.r4.json", "fhir/batch.r4.ndjson"]
)
def test_an_untouched_utf16_file_is_byte_identical(
    plugins: Plugins, samples_dir: Path, sample: str, name: str
) -> None:
    data = as_utf16((samples_dir / sample).read_bytes(), name, source="latin-1")
    result = scrub_bytes(data, tables=MemoryTables(), plugins=plugins, check=True)
    assert result.format == sample.split("/")[0]
    assert result.output == data
    assert result.results  # the claims were read, not skipped


def scrub_file(source: Path, tables: Path) -> tuple[int, bytes, dict[str, Any]]:
    out, report = source.with_suffix(".out"), source.with_suffix(".report.json")
    args = ["scrub", str(source), "-o", str(out), "--report", str(report), "-q"]
    code = cli.main([*args, "--tables", str(tables)])
    return code, out.read_bytes(), json.loads(report.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(ENCODINGS))
@pytest.mark.parametrize(
    "sample", ["x12/home-infusion-medicaid.837", "fhir/home-infusion-medicaid.r4.json"]
)
def test_a_fixed_utf16_file_equals_the_fixed_utf8_file_in_utf16(
    sample_tables_db: Path, tmp_path: Path, samples_dir: Path, sample: str, name: str
) -> None:
    data = (samples_dir / sample).read_bytes()
    (tmp_path / "plain").write_bytes(data)
    (tmp_path / "wide").write_bytes(as_utf16(data, name, source="latin-1"))
    code, expected, report = scrub_file(tmp_path / "plain", sample_tables_db)
    assert report["summary"]["fixes_applied"]  # the sample is fixed
    code16, written, report16 = scrub_file(tmp_path / "wide", sample_tables_db)
    assert code16 == code
    assert written == as_utf16(expected, name, source="latin-1")
    assert report16["summary"] == report["summary"]


def test_a_utf16_xml_claim_declaring_utf16_is_read_and_kept(
    plugins: Plugins, samples_dir: Path
) -> None:
    text = (samples_dir / "fhir" / "home-infusion-medicaid.r4.xml").read_text(encoding="utf-8")
    declared = re.sub(r"encoding=(['\"])utf-8\1", r"encoding=\1UTF-16\1", text, count=1, flags=re.I)
    assert "UTF-16" in declared.split("\n", 1)[0]
    data = b"\xff\xfe" + declared.encode("utf-16-le")
    result = scrub_bytes(data, tables=MemoryTables(), plugins=plugins, check=True)
    assert result.format == "fhir" and len(result.results) == 1
    assert result.output == data


def test_utf16_x12_validation_and_999(plugins: Plugins) -> None:
    fmt = plugins.format("x12")
    assert fmt.validate is not None and fmt.acknowledge is not None
    plain = synthetic_837(2).replace(b"SBR*P*18", b"SBR*Z*18")
    data = as_utf16(plain, "utf-16 LE with BOM", source="latin-1")
    issues = [(i.message, i.locator) for i in fmt.validate(data, {})]
    assert issues and issues == [(i.message, i.locator) for i in fmt.validate(plain, {})]
    ack = fmt.acknowledge(data, {})
    assert ack.startswith(b"\xff\xfe") and "ST*999*" in ack.decode("utf-16")


def test_a_character_x12_cannot_carry_is_refused_with_its_position(plugins: Plugins) -> None:
    text = (
        synthetic_837(1).decode("latin-1").replace("SYNTHETIC CLINIC", "SYNTHETIC \u4e00LINIC", 1)
    )
    data = b"\xff\xfe" + text.encode("utf-16-le")
    with pytest.raises(AdapterError) as caught:
        scrub_bytes(data, tables=MemoryTables(), plugins=plugins, check=True)
    assert "U+4E00" in caught.value.message
    assert caught.value.position == f"byte {2 + 2 * text.index(chr(0x4E00))}"


def test_an_odd_byte_count_is_refused(plugins: Plugins) -> None:
    data = as_utf16(synthetic_837(1), "utf-16 LE with BOM", source="latin-1") + b"\n"
    with pytest.raises(AdapterError) as caught:
        scrub_bytes(data, tables=MemoryTables(), plugins=plugins, check=True)
    assert "odd number of bytes" in caught.value.message


@pytest.mark.parametrize("chunk", [1, 3, 7, 4096])
def test_chunk_boundaries_inside_a_utf16_character(plugins: Plugins, chunk: int) -> None:
    fmt = plugins.format("x12")
    data = as_utf16(synthetic_837(3), "utf-16 BE with BOM", source="latin-1")
    chunks = [data[k : k + chunk] for k in range(0, len(data), chunk)]
    pieces = list(fmt.read(chunks, {}))
    assert sum(1 for p in pieces if getattr(p, "claim", None) is not None) == 3
    assert b"".join(fmt.write(((p, None) for p in pieces), {})) == data
