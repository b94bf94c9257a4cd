"""Transaction sets in another X12 release or guide are refused by name; SE says which check
failed. The files are small hand-written envelopes of the shape other tools send."""

from __future__ import annotations

import re

import pytest

from scrubber._errors import AdapterError
from scrubber_x12.synthetic import synthetic_837

# A 4010 837P as 4010 senders wrote it: ISA12 00401, GS08 004010X098A1, no ST03 (hand-written,
# synthetic values only).
X12_4010 = (
    b"ISA*00*          *00*          *ZZ*SENDER4010     *ZZ*RECEIVER4010   *090101*1200*U*"
    b"00401*000000101*0*T*:~\n"
    b"GS*HC*SENDER4010*RECEIVER4010*20090101*1200*101*X*004010X098A1~\n"
    b"ST*837*0101~\n"
    b"BHT*0019*00*0101*20090101*1200*CH~\n"
    b"REF*87*004010X098A1~\n"
    b"NM1*41*2*OLD CLINIC*****46*S4010~\n"
    b"NM1*40*2*OLD PAYER*****46*P4010~\n"
    b"HL*1**20*1~\n"
    b"NM1*85*2*OLD CLINIC*****24*990000001~\n"
    b"HL*2*1*22*0~\n"
    b"SBR*P*18*******MB~\n"
    b"NM1*IL*1*SYNTHETIC*PERSON****MI*M0000001~\n"
    b"NM1*PR*2*OLD PAYER*****PI*P4010~\n"
    b"CLM*OLD-1*50***11::1*Y*A*Y*Y*C~\n"
    b"LX*1~\n"
    b"SV1*HC:99213*50*UN*1***1~\n"
    b"DTP*472*D8*20090101~\n"
    b"SE*16*0101~\n"
    b"GE*1*101~\n"
    b"IEA*1*000000101~\n"
)


def _error(kit, data: bytes) -> AdapterError:
    with pytest.raises(AdapterError) as caught:
        kit.pieces_of(data)
    return caught.value


def _segment_of(data: bytes, prefix: bytes) -> str:
    lines = [s for s in data.split(b"~") if s.strip()]
    number = next(n for n, s in enumerate(lines, 1) if s.strip().startswith(prefix))
    return f"segment {number}"


def test_a_4010_file_is_refused_at_gs08_naming_the_version(kit) -> None:
    error = _error(kit, X12_4010)
    assert error.position == _segment_of(X12_4010, b"GS*")
    assert "GS08 is 004010X098A1 (X12 4010 837P professional)" in error.message
    assert "005010X222A1" in error.message


def test_the_same_envelope_labelled_5010_is_read(kit) -> None:
    """Control: the 4010 file is refused for its version, not for its shape."""
    data = X12_4010.replace(
        b"004010X098A1~\nST*837*0101~", b"005010X222A1~\nST*837*0101*005010X222A1~"
    )
    assert [c.id for c in kit.claims_of(data)] == ["OLD-1"]


def test_4010_is_refused_even_when_only_gs08_says_so(kit) -> None:
    """4010 has no ST03: with the GS08 check the version is never taken on trust."""
    data = X12_4010.replace(b"*004010X098A1~\nST", b"*004010X096A1~\nST")
    assert "GS08 is 004010X096A1 (X12 4010 837I institutional)" in _error(kit, data).message


def test_st03_of_another_guide_is_refused_naming_st03(kit) -> None:
    data = synthetic_837(1).replace(b"ST*837*0001*005010X222A1~", b"ST*837*0001*005010X223A2~")
    error = _error(kit, data)
    assert error.position == _segment_of(data, b"ST*")
    assert "ST03 is 005010X223A2 (837I institutional)" in error.message


def test_a_transaction_set_that_is_not_an_837_names_st01(kit) -> None:
    data = synthetic_837(1).replace(b"ST*837*", b"ST*835*")
    assert "ST01 is 835" in _error(kit, data).message


def test_a2_envelopes_are_still_read(kit) -> None:
    data = synthetic_837(2).replace(b"005010X222A1", b"005010X222A2")
    assert len(kit.claims_of(data)) == 2


def test_se_count_error_says_it_is_the_count(kit) -> None:
    good = synthetic_837(2)
    counted = int(re.search(rb"SE\*(\d+)\*", good)[1])  # type: ignore[index]
    bad = good.replace(f"SE*{counted}*".encode(), f"SE*{counted + 3}*".encode())
    message = _error(kit, bad).message
    assert f"SE01 segment count is {counted + 3}" in message
    assert f"has {counted} segments from ST to SE" in message
    assert "SE02" not in message


def test_se_control_error_says_it_is_the_control_number(kit) -> None:
    bad = synthetic_837(2).replace(b"*0001~\nGE", b"*0002~\nGE")
    message = _error(kit, bad).message
    assert message == "SE02 control number 0002 does not repeat ST02 0001"


def test_cli_refuses_a_4010_file_in_one_line_with_exit_2(
    tmp_path, capsys, sample_tables_db
) -> None:
    import scrubber._cli as cli

    source, out = tmp_path / "old.837", tmp_path / "out.837"
    source.write_bytes(X12_4010)
    assert cli.main(["scrub", str(source), "-o", str(out), "--tables", str(sample_tables_db)]) == 2
    assert not out.exists()
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line == (
        f"scrubber: {source}, segment 2: GS08 is 004010X098A1 (X12 4010 837P professional): "
        "this scrubber reads only 837P 005010X222A1/A2 (HIPAA 5010); convert the file to 5010 first"
    )
