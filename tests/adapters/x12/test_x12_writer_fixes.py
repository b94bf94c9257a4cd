"""Each fix kind written into 837P and read back gives the fixed claim (DESIGN §4)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scrubber._fixes import (
    AddNote,
    RemoveLine,
    RequestAttachment,
    SetModifiers,
    SetUnits,
    SplitLine,
    SplitPart,
    apply_fixes,
)
from scrubber._models import Attachment, Claim
from scrubber_x12.synthetic import SyntheticLine, synthetic_837

D = Decimal


def _file(*lines: SyntheticLine, line_break: str = "\n", extra_claims: int = 0) -> bytes:
    others = [[SyntheticLine(code="99213", charge=D("80.00"))]] * extra_claims
    return synthetic_837(0, claim_lines=[list(lines), *others], line_break=line_break)


def _fixed(claim: Claim, *fixes) -> Claim:
    outcome = apply_fixes(claim, [("TST001", f) for f in fixes])
    assert not outcome.rejected
    return outcome.claim


def _same_billing(read: Claim, expected: Claim) -> None:
    """What a writer must carry: every line field the fix algebra can change, and the total."""
    assert read.total_charge == expected.total_charge
    assert len(read.lines) == len(expected.lines)
    for got, want in zip(read.lines, expected.lines, strict=True):
        assert got.number == want.number
        assert (got.code, got.modifiers, got.units, got.unit_basis, got.charge) == (
            want.code,
            want.modifiers,
            want.units,
            want.unit_basis,
            want.charge,
        )
        assert got.control_number == want.control_number
        assert got.attachments == want.attachments
        assert (got.service_from, got.diagnosis_pointers) == (
            want.service_from,
            want.diagnosis_pointers,
        )


def _roundtrip(kit, data: bytes, *fixes) -> tuple[bytes, Claim, Claim]:
    [claim] = kit.claims_of(data)[:1]
    expected = _fixed(claim, *fixes)
    out = kit.rewrite(data, lambda c: fixes if c.id == claim.id else ())
    assert kit.se_counts_right(out)
    read = kit.claims_of(out)[0]
    return out, read, expected


def _lx_numbers(kit, data: bytes) -> list[int]:
    return [int(s[1]) for s in kit.segments(data) if s[0] == "LX"]


def test_set_units_prorates_charge_and_keeps_total_balanced(kit) -> None:
    data = _file(SyntheticLine(code="97110", charge=D("150.00"), units=D(6)), SyntheticLine())
    out, read, expected = _roundtrip(kit, data, SetUnits(line=1, units=D(4)))
    _same_billing(read, expected)
    assert read.lines[0].charge == D("100.00") and read.lines[0].units == D(4)
    assert read.total_charge == read.line_charge_total == D("200.00")
    assert b"SV1*HC:97110*100.00*UN*4*" in out and b"CLM*SYN0000000*200.00*" in out
    # the untouched line and everything outside the claim are copied as they were
    assert b"SV1*HC:99213*100.00*UN*1***1~" in out


def test_split_line_with_code_and_modifiers_renumbers_and_derives_6r(kit) -> None:
    data = _file(
        SyntheticLine(code="99601", charge=D("450.00"), units=D(330), basis="MJ"),
        SyntheticLine(code="J1100", charge=D("10.00")),
        extra_claims=1,
    )
    split = SplitLine(
        line=1,
        parts=(
            SplitPart(units=D(1), code="99601", unit_basis="UN"),
            SplitPart(units=D(3), code="99602", unit_basis="UN", add_modifiers=("GD",)),
        ),
    )
    out, read, expected = _roundtrip(kit, data, split)
    _same_billing(read, expected)
    assert _lx_numbers(kit, out) == [1, 2, 3, 1]
    assert [ln.control_number for ln in read.lines] == [
        "SYN0000000-1-1",
        "SYN0000000-1-2",
        "SYN0000000-2",
    ]
    assert read.lines[1].code == "99602" and read.lines[1].modifiers == ("GD",)
    assert read.lines[0].minutes is None and read.lines[0].unit_basis == "UN"
    assert read.total_charge == read.line_charge_total == D("460.00")
    assert kit.issues(out) == set()


def test_split_line_without_6r_inserts_ref_in_ig_order(kit) -> None:
    data = _file(SyntheticLine(units=D(2), control=False, note="SEEN"))
    out, read, expected = _roundtrip(
        kit, data, SplitLine(line=1, parts=(SplitPart(units=D(1)), SplitPart(units=D(1))))
    )
    _same_billing(read, expected)
    tags = [s[0] for s in kit.segments(out)]
    first_lx = tags.index("LX")
    assert tags[first_lx : first_lx + 5] == ["LX", "SV1", "DTP", "REF", "NTE"]
    assert [ln.control_number for ln in read.lines] == ["SYN0000000-1-1", "SYN0000000-1-2"]
    assert kit.issues(out) == set()


@pytest.mark.parametrize("line_break", ["\n", "\r\n", ""])
def test_add_line_note_inserts_merges_and_truncates(kit, line_break: str) -> None:
    data = _file(SyntheticLine(), SyntheticLine(note="FIRST NOTE"), line_break=line_break)
    long = "units over the medically unlikely edit " * 4
    out, read, expected = _roundtrip(
        kit, data, AddNote(line=1, text="NEW NOTE"), AddNote(line=2, text=long)
    )
    _same_billing(read, expected)
    assert read.lines[0].note == "NEW NOTE"
    merged = read.lines[1].note or ""
    assert merged.startswith("FIRST NOTE; units over") and merged.endswith("...")
    assert len(merged) == 80
    assert out.count(b"NTE*") == 2  # merged into the one allowed note, never a second NTE
    assert f"~{line_break}NTE*ADD*NEW NOTE~{line_break}".encode() in out
    assert kit.issues(out) == set()


def test_add_claim_note_and_note_text_is_made_x12_safe(kit) -> None:
    data = _file(SyntheticLine())
    out, read, _expected = _roundtrip(kit, data, AddNote(line=None, text="see record* 5½ h~ok…"))
    assert read.note == "see record 5 h ok..."
    tags = [s[0] for s in kit.segments(out)]
    assert tags.index("NTE") == tags.index("CLM") + 1 and tags.index("HI") == tags.index("NTE") + 1
    assert kit.issues(out) == set()


def test_request_attachment_line_and_claim_with_aa_rule(kit) -> None:
    data = _file(SyntheticLine(), SyntheticLine())
    out, read, expected = _roundtrip(
        kit,
        data,
        RequestAttachment(line=1, report_type="09", transmission="FX", control_number="DOC-1"),
        RequestAttachment(line=2, report_type="M1", transmission="AA"),
        RequestAttachment(line=None, report_type="OZ", transmission="EL", control_number="C-9"),
    )
    _same_billing(read, expected)
    assert read.attachments == (
        Attachment(report_type="OZ", transmission="EL", control_number="C-9"),
    )
    pwk = [s for s in kit.segments(out) if s[0] == "PWK"]
    assert ["PWK", "09", "FX", "", "", "AC", "DOC-1"] in pwk
    assert ["PWK", "M1", "AA"] in pwk  # no attachment control number with AA
    tags = [s[0] for s in kit.segments(out)]
    assert tags[tags.index("SV1") + 1] == "PWK"  # 2400: PWK right after SV1 (IG order)
    assert kit.issues(out) == set()


def test_at_most_ten_pwk_per_loop(kit) -> None:
    data = _file(SyntheticLine(attachments=(("09", "AA"),)))
    requests = [
        RequestAttachment(line=1, report_type="OZ", transmission="BM", control_number=f"N{k}")
        for k in range(12)
    ]
    out, read, _expected = _roundtrip(kit, data, *requests)
    assert sum(1 for s in kit.segments(out) if s[0] == "PWK") == 10
    assert len(read.lines[0].attachments) == 10
    assert kit.issues(out) == set()


def test_remove_line_lowers_total_and_segment_count(kit) -> None:
    data = _file(
        SyntheticLine(charge=D("10.00")), SyntheticLine(charge=D("20.00")), SyntheticLine()
    )
    out, read, expected = _roundtrip(kit, data, RemoveLine(line=2))
    _same_billing(read, expected)
    assert read.total_charge == D("110.00")
    assert _lx_numbers(kit, out) == [1, 2]
    assert len(kit.segments(out)) == len(kit.segments(data)) - 4  # LX SV1 DTP REF
    assert kit.issues(out) == set()


def test_set_modifiers_rewrites_the_composite_only(kit) -> None:
    data = _file(SyntheticLine(code="97110", modifiers=("GP", "59")))
    out, read, expected = _roundtrip(kit, data, SetModifiers(line=1, modifiers=("GP", "KX")))
    _same_billing(read, expected)
    assert b"SV1*HC:97110:GP:KX*100.00*UN*1***1~" in out
    assert out.replace(b"GP:KX", b"GP:59") == data


def test_fixed_claim_over_fifty_lines_is_written_as_several_claims(kit) -> None:
    lines = [SyntheticLine(charge=D("10.00"), units=D(2)) for _ in range(30)]
    data = _file(*lines)
    splits = [
        SplitLine(line=n, parts=(SplitPart(units=D(1)), SplitPart(units=D(1))))
        for n in range(1, 26)
    ]
    out, _read, expected = _roundtrip(kit, data, *splits)
    assert len(expected.lines) == 55
    claims = kit.claims_of(out)
    assert [c.id for c in claims] == ["SYN0000000-A", "SYN0000000-B"]
    assert [len(c.lines) for c in claims] == [50, 5]
    for claim in claims:
        assert claim.total_charge == claim.line_charge_total
        assert [ln.number for ln in claim.lines] == list(range(1, len(claim.lines) + 1))
    assert sum(c.total_charge for c in claims) == expected.total_charge
    controls = [ln.control_number for c in claims for ln in c.lines]
    assert controls == [ln.control_number for ln in expected.lines]
    assert kit.issues(out) == set()


def test_split_claim_ids_stay_within_38_characters(kit) -> None:
    data = _file(*[SyntheticLine(units=D(2)) for _ in range(26)])
    long_id = b"L" * 38
    data = data.replace(b"CLM*SYN0000000*", b"CLM*" + long_id + b"*")
    splits = [SplitLine(line=n, parts=(SplitPart(units=D(1)),) * 2) for n in range(1, 27)]
    out = kit.rewrite(data, lambda c: splits)
    ids = [c.id for c in kit.claims_of(out)]
    assert ids == ["L" * 36 + "-A", "L" * 36 + "-B"]


def test_unbalanced_input_keeps_its_difference_on_the_first_part(kit) -> None:
    data = _file(SyntheticLine(units=D(2)), SyntheticLine()).replace(
        b"CLM*SYN0000000*200.00*", b"CLM*SYN0000000*205.00*"
    )
    out, read, _expected = _roundtrip(kit, data, SetUnits(line=1, units=D(1)))
    assert read.total_charge == D("155.00")  # moved by exactly the change in line charges
    assert read.total_charge - read.line_charge_total == D("5.00")
    assert kit.se_counts_right(out)


def test_untouched_claims_are_byte_identical_next_to_a_fixed_one(kit) -> None:
    data = _file(SyntheticLine(units=D(3)), extra_claims=2)
    out = kit.rewrite(
        data, lambda c: [SetUnits(line=1, units=D(1))] if c.id == "SYN0000000" else []
    )
    tail = data[data.index(b"HL*3*") :]
    assert out.endswith(tail)
    assert out != data
