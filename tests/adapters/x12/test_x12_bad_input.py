"""Input that cannot be read raises AdapterError with a position; one bad claim passes through."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from scrubber._errors import AdapterError
from scrubber._fixes import SetUnits
from scrubber._formats import ClaimPiece
from scrubber_x12.synthetic import SyntheticLine, synthetic_837

POSITION = re.compile(r"^(segment|byte) \d+$")
GOOD = synthetic_837(3)


def _drop(tag: bytes) -> bytes:
    return b"".join(
        line + b"\n" for line in GOOD.split(b"\n") if line and not line.startswith(tag + b"*")
    )


BAD_INPUTS = {
    "empty": b"",
    "only line breaks": b"\r\n\n",
    "not an ISA": b"hello world, this is not a claim file at all " * 4,
    "wrong ISA length": GOOD.replace(b"SYNTHSENDER    *", b"SYNTHSENDER*", 1),
    "unknown delimiters": GOOD[:105] + b"*" + GOOD[106:],
    "alphanumeric separator": GOOD[:104] + b"A" + GOOD[105:],
    "truncated inside a segment": GOOD[: len(GOOD) // 2],
    "truncated at a segment end": GOOD[: GOOD.index(b"SE*")],
    "missing SE": _drop(b"SE"),
    "missing GE": _drop(b"GE"),
    "missing IEA": _drop(b"IEA"),
    "SE count wrong": re.sub(
        rb"SE\*(\d+)\*", lambda m: b"SE*" + str(int(m[1]) + 1).encode() + b"*", GOOD
    ),
    "SE control differs from ST": GOOD.replace(b"*0001~\nGE", b"*0002~\nGE"),
    "GE count wrong": GOOD.replace(b"GE*1*1~", b"GE*2*1~"),
    "IEA control differs": GOOD.replace(b"IEA*1*000000001", b"IEA*1*000000009"),
    "binary junk": GOOD[:300] + bytes(range(256)) * 300 + GOOD[300:],
    "segment id is junk": GOOD.replace(b"\nBHT*", b"\n\x00\xffT*"),
    "not an 837": GOOD.replace(b"ST*837*", b"ST*835*"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_unreadable_input_raises_with_a_position(kit, name: str) -> None:
    with pytest.raises(AdapterError) as caught:
        kit.pieces_of(BAD_INPUTS[name])
    assert caught.value.position is not None
    assert POSITION.match(caught.value.position), caught.value.position


def test_error_names_the_segment_that_disagrees(kit) -> None:
    with pytest.raises(AdapterError) as caught:
        kit.pieces_of(BAD_INPUTS["GE count wrong"])
    assert caught.value.position == f"segment {len(kit.segments(GOOD)) - 1}"


def test_a_non_numeric_charge_makes_only_that_claim_unreadable(kit) -> None:
    lines = [[SyntheticLine(charge=Decimal("50.00"))]] * 3
    data = synthetic_837(0, claim_lines=lines).replace(b"SYN0000001-1", b"SYN0000001-1")
    broken = data.replace(b"CLM*SYN0000001*50.00*", b"CLM*SYN0000001*5O.OO*")
    pieces = [p for p in kit.pieces_of(broken) if isinstance(p, ClaimPiece)]
    assert [p.claim is None for p in pieces] == [False, True, False]
    assert pieces[1].claim_id == "SYN0000001"
    assert "CLM02" in (pieces[1].problem or "") and "segment" in (pieces[1].problem or "")
    out = kit.rewrite(broken, lambda c: [SetUnits(line=1, units=Decimal("0.5"))])
    assert b"CLM*SYN0000001*5O.OO*" in out  # passed through exactly
    assert out.count(b"CLM*") == 3 and kit.se_counts_right(out)


def test_a_service_line_without_sv1_is_a_problem_not_a_crash(kit) -> None:
    data = synthetic_837(2)
    cut = data.index(b"SV1*")
    broken = data[:cut] + data[data.index(b"\n", cut) + 1 :]
    broken = re.sub(rb"SE\*(\d+)\*", lambda m: b"SE*" + str(int(m[1]) - 1).encode() + b"*", broken)
    pieces = [p for p in kit.pieces_of(broken) if isinstance(p, ClaimPiece)]
    assert pieces[0].claim is None and "no SV1" in (pieces[0].problem or "")
    assert pieces[1].claim is not None


def test_problems_never_carry_values(kit) -> None:
    broken = synthetic_837(1).replace(b"DTP*472*D8*20260715", b"DTP*472*D8*20261399")
    [piece] = [p for p in kit.pieces_of(broken) if isinstance(p, ClaimPiece)]
    assert piece.claim is None
    assert "20261399" not in (piece.problem or "")
