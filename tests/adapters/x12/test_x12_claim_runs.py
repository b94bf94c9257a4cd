"""The reader takes each loop 2300 as one run of bytes (``tokenize_runs``); it must see the
same segments, numbered the same, and refuse the same input at the same segment, as the
per-segment tokenizer does: otherwise an error would point a user at the wrong segment."""

from __future__ import annotations

from collections.abc import Iterator

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber._errors import AdapterError
from scrubber_x12.synthetic import SyntheticLine, synthetic_837
from scrubber_x12.tokenizer import Run, Segment, tokenize, tokenize_runs

PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GOOD = synthetic_837(0, claim_lines=[[SyntheticLine()] * 2, [SyntheticLine()], [SyntheticLine()]])
# the same file with a newline as its segment terminator (ISA position 105): an inserted
# line break is then an empty segment, which both tokenizers must refuse alike
NEWLINES = GOOD.replace(b"~\n", b"\n")
# what a mutation may insert: delimiters, line breaks, segment ids that end a claim, junk
NOISE = [b"~", b"*", b":", b"\n", b"\r\n", b"~\n~", b"CLM*", b"HL*", b"SE*", b"GE*", b"ISA*"]
NOISE += [b"IEA*", b"LX*", b"\x00", b"\xff", b"1", b"X", b"  ", b"~~", b"~CLM~", b"~SE~"]


def _chunked(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _per_segment(data: bytes, size: int) -> list[tuple[int, bytes]] | str:
    try:
        return [(s.number, s.raw) for s in tokenize(_chunked(data, size))]
    except AdapterError as error:
        return f"{error} @ {error.position}"


def _by_runs(data: bytes, size: int) -> list[tuple[int, bytes]] | str:
    """Each run split back into its segments (every one ends with the terminator)."""
    out: list[tuple[int, bytes]] = []
    try:
        for item in tokenize_runs(_chunked(data, size)):
            if isinstance(item, Run):
                terminator = item.delimiters.terminator
                parts = item.raw.split(terminator)[:-1]
                assert len(parts) == item.size and item.raw.endswith(terminator)
                out += [(item.number + k, p + terminator) for k, p in enumerate(parts)]
            else:
                assert isinstance(item, Segment)
                out.append((item.number, item.raw))
    except AdapterError as error:
        return f"{error} @ {error.position}"
    return out


def test_a_good_file_comes_as_runs_of_whole_claims() -> None:
    items = list(tokenize_runs([GOOD]))
    runs = [item for item in items if isinstance(item, Run) and item.tag == "CLM"]
    assert [run.raw.split(b"*", 1)[0].strip() for run in runs] == [b"CLM"] * 3
    assert [run.size for run in runs] == [
        2 + 2 * 4,
        2 + 4,
        2 + 4,
    ]  # CLM, HI + LX, SV1, DTP, REF a line
    assert _by_runs(GOOD, 1 << 20) == _per_segment(GOOD, 1 << 20)
    assert b"~" not in NEWLINES and _by_runs(NEWLINES, 99) == _per_segment(NEWLINES, 99)


@PROFILE
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(GOOD)), st.integers(0, 3), st.sampled_from(NOISE)),
        max_size=3,
    ),
    size=st.sampled_from([7, 64, 333, 1 << 20]),
    good=st.sampled_from([GOOD, NEWLINES]),
)
def test_runs_and_segments_agree_on_mutated_input(
    edits: list[tuple[int, int, bytes]], size: int, good: bytes
) -> None:
    data = good
    for at, cut, noise in edits:
        data = data[:at] + noise + data[at + cut :]
    assert _by_runs(data, size) == _per_segment(data, size)


def test_an_empty_line_is_an_empty_segment_where_a_newline_ends_segments() -> None:
    """With a newline as the terminator, a blank line inside a claim (or between claims) is
    a segment without an id, refused at that segment, not whitespace to skip."""
    for before in (b"\nLX*2\n", b"\nHL*3*", b"\nDTP*472*"):
        data = NEWLINES.replace(before, b"\n" + before, 1)
        refused = _by_runs(data, 1 << 20)
        assert isinstance(refused, str) and "not an X12 segment" in refused
        assert refused == _per_segment(data, 1 << 20)


def test_a_claim_split_across_chunks_is_one_run() -> None:
    assert _by_runs(GOOD, 5) == _per_segment(GOOD, 1 << 20)
    runs = [i for i in tokenize_runs(_chunked(GOOD, 5)) if isinstance(i, Run)]
    assert [run.tag for run in runs] == ["BHT", "CLM", "HL", "CLM", "HL", "CLM"]


# Loop 2400 variants: each element either the common shape's or something that is not.
LX = st.sampled_from(["LX*1", "LX*7", "LX", "LX*1*X"])
SV101 = st.sampled_from(["HC:99213", "HC:97110:GP:59", "HC:J1100:JW:::", "HC", "HC:", "ER:1"])
NUMBER = st.sampled_from(["1", "2.5", "100.00", "-3", "", "x", "1" * 19, ".5", "7."])
BASIS = st.sampled_from(["UN", "MJ", ""])
TAIL = st.sampled_from(["", "*11", "*11**1", "**1:2:3", "***1:13:2*Y", "*12**99*Y*Y"])
DATE = st.sampled_from(["D8*20260715", "RD8*20260701-20260703", "RD8*20260703-20260701"])
DATE_OR_BAD = st.one_of(DATE, st.sampled_from(["D8*20261301", "DT*202607151200", "D8*2026"]))
EXTRA = st.sampled_from(
    [[], ["REF*6R*C-1"], ["REF*6R*"], ["REF*6R*C*X"], ["NTE*ADD*NOTE"], ["PWK*09*FX"],
     ["REF*6R*C-1", "NTE*ADD*N"], ["NM1*82*1*DOE****XX*1234567893"], ["DTP*472*D8*20260716"],
     ["SV1*HC:99213*1*UN*1"], ["REF*6R*A", "REF*6R*B"]]
)  # fmt: skip


@st.composite
def _loop_2400(draw: st.DrawFn) -> list[str]:
    sv1 = f"SV1*{draw(SV101)}*{draw(NUMBER)}*{draw(BASIS)}*{draw(NUMBER)}{draw(TAIL)}"
    segments = [draw(LX), sv1, f"DTP*472*{draw(DATE_OR_BAD)}", *draw(EXTRA)]
    if draw(st.booleans()):  # the DTP before the SV1: not the common order
        segments[1], segments[2] = segments[2], segments[1]
    return segments


def _read(block_text: str, monkeypatch, *, common: bool) -> object:
    from scrubber_x12 import claims, lines
    from scrubber_x12.payloads import ClaimBlock
    from scrubber_x12.tokenizer import Delimiters

    if not common:  # every line segment by segment
        monkeypatch.setattr(lines, "_QUICK", False)
    delimiters = Delimiters(element="*", repetition="^", component=":", segment="~")
    raw = block_text.encode("latin-1")
    block = ClaimBlock(raw, 40, raw.count(b"~"), delimiters)
    try:
        return claims.build_claim(block, claims.ClaimContext())
    except claims.ClaimProblem as problem:
        return f"problem: {problem}"
    finally:
        monkeypatch.undo()


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    loops=st.lists(_loop_2400(), min_size=1, max_size=3),
    line_break=st.sampled_from(["", "\n", "\r\n", " \t\n"]),
    every=st.sampled_from([1, 2, 5]),
)
def test_common_shape_lines_read_as_segment_by_segment(
    loops: list[list[str]], line_break: str, every: int, monkeypatch
) -> None:
    """Line breaks before every segment, every other one or a few: a claim whose segments
    are stripped and one whose are not read the same."""
    segments = ["CLM*C1*100***11:B:1*Y*A*Y*Y", "HI*ABK:M545"] + [s for loop in loops for s in loop]
    text = "".join(
        f"{line_break if k % every == 0 else ''}{segment}~" for k, segment in enumerate(segments)
    )
    first = _read(text, monkeypatch, common=True)  # values seen for the first time, or not
    assert _read(text, monkeypatch, common=True) == first  # every value seen before
    assert _read(text, monkeypatch, common=False) == first


def test_claims_of_one_subscriber_share_the_context_and_the_next_one_does_not() -> None:
    """Several CLMs under one 2000B loop read one context; the HL after them starts another."""
    import re

    from scrubber._formats import ClaimPiece
    from scrubber_x12.reader import read_837

    three = synthetic_837(0, claim_lines=[[SyntheticLine()]] * 3).decode("latin-1")
    # drop the second claim's own HL loop, so that its CLM follows the first claim's lines
    second_hl = three.index("HL*3*")
    shared = three[:second_hl] + three[three.index("CLM*", second_hl) :]
    count = shared[shared.index("ST*") : shared.index("SE*")].count("~") + 1
    shared = re.sub(r"SE\*\d+\*", f"SE*{count}*", shared)
    claims = [
        p.claim for p in read_837([shared.encode("latin-1")], {}) if isinstance(p, ClaimPiece)
    ]
    assert len(claims) == 3 and all(claims)
    keys = [(c.subscriber_key, c.patient_key) for c in claims if c]
    assert keys[0] == keys[1] != keys[2]


def _refusal(data: bytes) -> str:
    from scrubber_x12.reader import read_837

    try:
        list(read_837([data], {}))
    except AdapterError as error:
        return str(error)
    raise AssertionError("read")


def test_a_run_outside_a_transaction_set_is_named_by_its_first_segment() -> None:
    text = GOOD.decode("latin-1")
    se = text.index("SE*")
    trailer = text[se:]
    # the segments after SE: GE, IEA. Put the last claim (CLM .. its last line) after GE.
    clm = text.rindex("CLM*")
    moved = text[:clm] + trailer.replace("GE*", text[clm:se] + "GE*", 1)
    count = moved[moved.index("ST*") : moved.index("SE*")].count("~") + 1
    moved = moved.replace(trailer[: trailer.index("~") + 1], f"SE*{count}*0001~", 1)
    number = moved[: moved.rindex("CLM*")].count("~") + 1
    assert _refusal(moved.encode("latin-1")) == (
        f"segment {number}: CLM segment outside a transaction set (ST/SE)"
    )
    bht = text.index("BHT*")
    before_st = text[: text.index("ST*")] + text[bht : text.index("~", bht) + 1]
    stray = before_st + text[text.index("ST*") :]
    assert _refusal(stray.encode("latin-1")).startswith(
        "segment 3: BHT segment outside a transaction set"
    )
