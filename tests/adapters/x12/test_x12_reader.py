"""What the reader takes from each loop into the claim model."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from scrubber._formats import ClaimPiece, Verbatim
from scrubber_x12.synthetic import synthetic_837

INTERCHANGE = (
    b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    b"*260720*1200*^*00501*000000007*0*T*>~\r\n"
    b"GS*HC*SENDER*RECEIVER*20260720*1200*7*X*005010X222A2~\r\n"
    b"ST*837*0007*005010X222A2~\r\n"
    b"BHT*0019*00*B7*20260720*1200*CH~\r\n"
    b"NM1*41*2*CLINIC*****46*S1~\r\n"
    b"PER*IC*OFFICE*TE*5555550100~\r\n"
    b"NM1*40*2*PAYER*****46*P1~\r\n"
    b"HL*1**20*1~\r\n"
    b"PRV*BI*PXC*332B00000X~\r\n"
    b"NM1*85*2*CLINIC*****XX*1234567893~\r\n"
    b"N3*1 WAY~\r\n"
    b"N4*CITY*IL*627010000~\r\n"
    b"REF*EI*990000001~\r\n"
    b"HL*2*1*22*1~\r\n"
    b"SBR*P**GRP******MC~\r\n"
    b"NM1*IL*1*DOE*SAM****MI*MEMBER123~\r\n"
    b"NM1*PR*2*STATE MEDICAID*****PI*SKCT0~\r\n"
    b"HL*3*2*23*0~\r\n"
    b"PAT*19~\r\n"
    b"NM1*QC*1*DOE*KID~\r\n"
    b"N3*1 WAY~\r\n"
    b"N4*CITY*IL*627010000~\r\n"
    b"DMG*D8*20150101*U~\r\n"
    b"CLM*C-1*130.00***12>B>7*Y*A*Y*Y~\r\n"
    b"PWK*OZ*BM***AC*CLAIMDOC~\r\n"
    b"NTE*ADD*CLAIM NOTE~\r\n"
    b"HI*ABK>A4150*ABF>Z7982~\r\n"
    b"NM1*82*1*DOC*ALEX****XX*1456789019~\r\n"
    b"LX*1~\r\n"
    b"SV1*HC>99601>GD>59*100.00*MJ*330*12**1>2~\r\n"
    b"DTP*472*RD8*20260110-20260111~\r\n"
    b"REF*6R*L1~\r\n"
    b"NTE*ADD*LINE NOTE~\r\n"
    b"LX*2~\r\n"
    b"SV1*HC>J1100*30.00*UN*3***2~\r\n"
    b"PWK*09*AA~\r\n"
    b"DTP*472*D8*20260110~\r\n"
    b"NM1*82*1*OTHER*DOC****XX*1567890128~\r\n"
    b"SE*37*0007~\r\n"
    b"GE*1*7~\r\n"
    b"IEA*1*000000007~\r\n"
)


def test_reader_fills_the_claim_from_every_loop(kit) -> None:
    [claim] = kit.claims_of(INTERCHANGE)
    assert (claim.id, claim.total_charge, claim.frequency_code, claim.place_of_service) == (
        "C-1",
        Decimal("130.00"),
        "7",
        "12",
    )
    assert (claim.filing_indicator, claim.payer_id, claim.payer_name) == (
        "MC",
        "SKCT0",
        "STATE MEDICAID",
    )
    assert (claim.billing_npi, claim.billing_taxonomy, claim.rendering_npi) == (
        "1234567893",
        "332B00000X",
        "1456789019",
    )
    assert claim.diagnosis_codes == ("A4150", "Z7982")
    assert claim.note == "CLAIM NOTE"
    assert [(a.report_type, a.transmission, a.control_number) for a in claim.attachments] == [
        ("OZ", "BM", "CLAIMDOC")
    ]
    first, second = claim.lines
    assert (first.code, first.modifiers, first.unit_basis, first.units, first.minutes) == (
        "99601",
        ("GD", "59"),
        "MJ",
        Decimal(330),
        Decimal(330),
    )
    assert (first.service_from, first.service_to) == (date(2026, 1, 10), date(2026, 1, 11))
    assert (first.place_of_service, first.diagnosis_pointers, first.control_number, first.note) == (
        "12",
        (1, 2),
        "L1",
        "LINE NOTE",
    )
    assert first.source is not None and first.source.locator == "segment 29"
    assert (second.minutes, second.rendering_npi, second.control_number) == (
        None,
        "1567890128",
        None,
    )
    assert [(a.report_type, a.transmission) for a in second.attachments] == [("09", "AA")]
    assert claim.source is not None and (claim.source.locator, claim.source.format) == (
        "segment 24",
        "x12",
    )


def test_keys_are_opaque_and_separate_patients_of_one_subscriber(kit) -> None:
    [claim] = kit.claims_of(INTERCHANGE)
    assert claim.patient_key and claim.subscriber_key and claim.patient_key != claim.subscriber_key
    for key in (claim.patient_key, claim.subscriber_key):
        assert "MEMBER123" not in key and "DOE" not in key
    assert "MEMBER123" not in repr(claim) and "DOE" not in repr(claim)
    other_child = INTERCHANGE.replace(b"NM1*QC*1*DOE*KID", b"NM1*QC*1*DOE*TWIN")
    [sibling] = kit.claims_of(other_child)
    assert sibling.subscriber_key == claim.subscriber_key
    assert sibling.patient_key != claim.patient_key


def test_crlf_a2_and_other_delimiters_round_trip(kit) -> None:
    pieces = kit.pieces_of(INTERCHANGE, chunk=5)
    out = kit.rewrite(INTERCHANGE, lambda c: ())
    assert out == INTERCHANGE
    assert sum(isinstance(p, ClaimPiece) for p in pieces) == 1
    assert all(isinstance(p, ClaimPiece | Verbatim) for p in pieces)


def test_several_interchanges_with_their_own_delimiters(kit) -> None:
    second = synthetic_837(2, line_break="")
    data = INTERCHANGE + second + b"\n"
    claims = kit.claims_of(data)
    assert [c.id for c in claims] == ["C-1", "SYN0000000", "SYN0000001"]
    assert kit.rewrite(data, lambda c: ()) == data


def test_several_transaction_sets_each_get_their_own_se(kit) -> None:
    data = synthetic_837(7, claims_per_transaction=3)
    assert len(kit.claims_of(data)) == 7
    from scrubber._fixes import RemoveLine

    out = kit.rewrite(data, lambda c: [RemoveLine(line=1)] if c.id == "SYN0000004" else [])
    assert kit.se_counts_right(out) and out != data
    assert len(kit.claims_of(out)) == 7


def test_newline_as_segment_terminator(kit) -> None:
    data = INTERCHANGE.replace(b"~\r\n", b"\n")
    [claim] = kit.claims_of(data)
    assert claim.id == "C-1" and len(claim.lines) == 2
    assert kit.pieces_of(data, chunk=3) and kit.rewrite(data, lambda c: ()) == data


def test_byte_order_mark_before_the_isa_is_kept(kit) -> None:
    data = b"\xef\xbb\xbf" + synthetic_837(1)
    assert len(kit.claims_of(data)) == 1
    assert kit.rewrite(data, lambda c: ()) == data


def test_the_claim_read_equals_the_one_its_constructor_makes_field_for_field(kit) -> None:
    """The reader makes claims by position (``Claim.trusted_maker``): every value must land
    in its own field, the 2000A/B/C context's included."""
    from scrubber import Claim, SourceRef, opaque_key

    data = INTERCHANGE.replace(b"NTE*ADD*CLAIM NOTE~", b"NTE*ADD*CLAIM NOTE~\r\nREF*F8*ICN-1~")
    data = data.replace(b"SE*37*0007", b"SE*38*0007")
    [claim] = kit.claims_of(data)
    assert claim == Claim(
        id="C-1",
        lines=claim.lines,
        total_charge=Decimal("130.00"),
        patient_key=opaque_key("patient", "MEMBER123", "DOE", "KID", "20150101"),
        subscriber_key=opaque_key("member", "MEMBER123"),
        billing_npi="1234567893",
        billing_taxonomy="332B00000X",
        rendering_npi="1456789019",
        billing_tin="990000001",
        payer_id="SKCT0",
        payer_name="STATE MEDICAID",
        filing_indicator="MC",
        frequency_code="7",
        original_ref="ICN-1",
        place_of_service="12",
        diagnosis_codes=("A4150", "Z7982"),
        note="CLAIM NOTE",
        attachments=claim.attachments,
        source=SourceRef(locator="segment 24", index=24, format="x12", max_lines=50),
    )
