"""Property tests: generated 837P files, mutated files and random fixes."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber._errors import AdapterError
from scrubber._fixes import (
    AddNote,
    Fix,
    RemoveLine,
    RequestAttachment,
    SetModifiers,
    SetUnits,
    SplitLine,
    SplitPart,
)
from scrubber._formats import ClaimPiece
from scrubber._models import Claim
from scrubber_x12.reader import read_837
from scrubber_x12.synthetic import SyntheticLine, synthetic_837
from scrubber_x12.writer import write_837

PROFILE = settings(
    max_examples=60,
    deadline=None,
    # the kit fixture is stateless, so sharing it across examples is safe
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

lines = st.builds(
    SyntheticLine,
    code=st.sampled_from(["99213", "97110", "0001U", "99601", "J1100"]),
    charge=st.decimals(min_value=0, max_value=5000, places=2),
    units=st.integers(min_value=1, max_value=400).map(Decimal),
    basis=st.sampled_from(["UN", "MJ"]),
    modifiers=st.lists(st.sampled_from(["GP", "59", "GD", "KX"]), max_size=3, unique=True).map(
        tuple
    ),
    note=st.none() | st.text("ABCDEFGH 0123;", min_size=1, max_size=90).map(str.strip).filter(bool),
    attachments=st.lists(
        st.tuples(st.sampled_from(["09", "M1", "OZ"]), st.sampled_from(["AA", "BM", "FX"])),
        max_size=2,
    ).map(tuple),
    control=st.booleans(),
)
files = st.builds(
    lambda claims, line_break, per_st: synthetic_837(
        0, claim_lines=claims, line_break=line_break, claims_per_transaction=per_st
    ),
    st.lists(st.lists(lines, min_size=1, max_size=6), min_size=1, max_size=5),
    st.sampled_from(["\n", "\r\n", ""]),
    st.integers(min_value=1, max_value=3),
)


def _identity(data: bytes, chunk: int) -> bytes:
    chunks = [data[k : k + chunk] for k in range(0, len(data), chunk)]
    return b"".join(write_837(((p, None) for p in read_837(chunks, {})), {}))


@PROFILE
@given(files, st.integers(min_value=1, max_value=4096))
def test_read_then_write_without_fixes_is_identity(data: bytes, chunk: int) -> None:
    assert _identity(data, chunk) == data


@st.composite
def mutations(draw: st.DrawFn) -> bytes:
    data = draw(files)
    at = draw(st.integers(min_value=0, max_value=len(data)))
    kind = draw(st.sampled_from(["delete", "replace", "insert", "truncate"]))
    junk = draw(
        st.binary(min_size=1, max_size=8) | st.sampled_from([b"~", b"*", b":", b"\n", b"ISA"])
    )
    if kind == "delete":
        return data[:at] + data[at + len(junk) :]
    if kind == "replace":
        return data[:at] + junk + data[at + len(junk) :]
    if kind == "insert":
        return data[:at] + junk + data[at:]
    return data[:at]


@PROFILE
@given(mutations())
def test_mutated_input_reads_or_raises_adapter_error_only(data: bytes) -> None:
    try:
        out = _identity(data, 512)
    except AdapterError as error:
        assert error.position is not None and error.position.split()[0] in ("segment", "byte")
        return
    assert out == data


def _fixes_for(claim: Claim, seed: int) -> list[Fix]:
    """A deterministic mix of every fix kind, at most one structural fix per line."""
    out: list[Fix] = []
    for line in claim.lines:
        choice = (seed + line.number) % 7
        if choice == 0:
            out.append(SetUnits(line=line.number, units=max(line.units // 2, Decimal(1))))
        elif choice == 1 and line.units >= 2:
            out.append(
                SplitLine(
                    line=line.number,
                    parts=(
                        SplitPart(units=Decimal(1)),
                        SplitPart(units=line.units - 1, code="99602", add_modifiers=("GD",)),
                    ),
                )
            )
        elif choice == 2 and len(claim.lines) > 1:
            out.append(RemoveLine(line=line.number))
        elif choice == 3:
            out.append(SetModifiers(line=line.number, modifiers=("KX",)))
        elif choice == 4:
            out.append(AddNote(line=line.number, text="EXCESS UNITS OVER THE MUE SEE RECORD"))
        elif choice == 5:
            out.append(
                RequestAttachment(
                    line=line.number, report_type="09", transmission="FX", control_number="D1"
                )
            )
    if seed % 2:
        out.append(AddNote(line=None, text="CLAIM LEVEL NOTE"))
    if seed % 3 == 0:
        out.append(RequestAttachment(line=None, report_type="OZ", transmission="AA"))
    return out


@PROFILE
@given(files, st.integers(min_value=0, max_value=50))
def test_random_fixes_keep_claims_balanced_and_se01_right(kit, data: bytes, seed: int) -> None:
    before = {c.id: c for c in kit.claims_of(data)}
    out = kit.rewrite(data, lambda c: _fixes_for(c, seed))
    assert kit.se_counts_right(out)
    pieces = kit.pieces_of(out)  # the reader re-checks SE/GE/IEA
    after = [p.claim for p in pieces if isinstance(p, ClaimPiece)]
    assert all(c is not None for c in after)
    for claim in after:
        assert claim is not None
        assert claim.total_charge == claim.line_charge_total
        assert [ln.number for ln in claim.lines] == list(range(1, len(claim.lines) + 1))
        assert claim.id in before
