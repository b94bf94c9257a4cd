"""A fixed claim is written from the bytes it was read from: the loops no fix touched are
copied whole, so the split into claim-level part and loops 2400 must be exact, and a rewritten
amount keeps the input's form."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from scrubber_x12.payloads import ClaimBlock
from scrubber_x12.render import _LINE_ORDER, _LINE_SUBLOOPS, _Loop, _prefix, format_like
from scrubber_x12.tokenizer import Delimiters

# LX alone, LX with its number, and look-alikes that do not start a loop 2400
BODIES = ["LX*1", "LX", "LXA*1", "NTE*ADD*LX*2", "SV1*HC:99213*10*UN*1", "REF*6R*LX", "DTP*472"]


@st.composite
def blocks(draw: st.DrawFn) -> tuple[bytes, Delimiters]:
    terminator = draw(st.sampled_from(["~", "\n"]))
    delimiters = Delimiters(element="*", repetition="^", component=":", segment=terminator)
    spaces = ["", "\r\n", " "] if terminator == "\n" else ["", "\n", "\r\n", " "]
    bodies = ["CLM*C1*10***11:B:1*Y*A*Y*Y", *draw(st.lists(st.sampled_from(BODIES), max_size=9))]
    raw = "".join(draw(st.sampled_from(spaces)) + body + terminator for body in bodies)
    return raw.encode("latin-1"), delimiters


@given(blocks())
def test_the_loops_are_the_segments_split_out(case: tuple[bytes, Delimiters]) -> None:
    raw, delimiters = case
    block = ClaimBlock(raw, 30, raw.count(delimiters.terminator), delimiters)
    header, loops = block.loops()
    # the same cut as segment by segment (the header, then one part per LX with its sub-loops)
    assert header == b"".join(s.raw for s in block.header)
    assert loops == tuple(b"".join(s.raw for s in loop) for loop in block.lines)
    assert header + b"".join(loops) == raw


@given(
    value=st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False),
    original=st.sampled_from(["1", "10", "10.0", "10.00", "0.5", "100.000"]),
)
def test_an_amount_keeps_the_inputs_decimals_when_that_loses_nothing(
    value: Decimal, original: str
) -> None:
    text = format_like(value, original)
    assert Decimal(text) == value and "E" not in text
    decimals = len(original.partition(".")[2])
    if value == round(value, decimals):
        assert len(text.partition(".")[2]) == decimals
    else:
        assert text == format(value.normalize(), "f")


def test_an_amount_already_in_the_inputs_form_is_written_as_it_is() -> None:
    assert format_like(Decimal("17.17"), "51.50") == "17.17"
    assert format_like(Decimal("-0.50"), "1.00") == "-0.50"
    assert format_like(Decimal("1"), "3") == "1"
    assert format_like(Decimal("17"), "51.50") == "17.00"
    assert format_like(Decimal("1E+2"), "3") == "100"
    assert format_like(Decimal("0.125"), "1.00") == "0.125"


def _cleaned_char_by_char(text: str, delimiters: Delimiters) -> str:
    """What ``Delimiters.clean`` promises, one character at a time (X12.6 §3.3: no delimiter
    inside a value; the basic and extended character sets are printable ASCII)."""
    taken = (delimiters.element, delimiters.repetition, delimiters.component, delimiters.segment)
    out = []
    for char in text:
        if char in taken:
            out.append(" ")
        elif " " <= char <= "~":
            out.append(char)
        else:
            out.append("..." if char == "\u2026" else " ")
    return "".join(out)


@given(
    st.text(alphabet=st.sampled_from("AZaz09 -.*^:~|\n\t\u00e9\u2026\x7f"), max_size=30),
    st.sampled_from(["~", "\n"]),
)
def test_cleaned_free_text_holds_no_delimiter_and_only_printable_ascii(
    text: str, terminator: str
) -> None:
    delimiters = Delimiters(element="*", repetition="^", component=":", segment=terminator)
    cleaned = delimiters.clean(text)
    assert cleaned == _cleaned_char_by_char(text, delimiters)
    assert not set(cleaned) & {"*", "^", ":", terminator}
    assert cleaned.isascii() and cleaned.isprintable()


# segments of a loop 2400 in any order: known ranks, a qualifier with no rank of its own (REF*XX
# ranks as REF), a tag of none (ZZZ) and a sub-loop (NM1)
LINE_BODIES = [
    "SV1*HC:99213*10*UN*1", "DTP*472*D8*20260715", "REF*6R*C1-1", "REF*XX*X", "NTE*ADD*A",
    "PWK*OZ*BM", "AMT*T*1", "ZZZ*1", "NM1*82*1", "PS1*1*2", "CN1*05",
]  # fmt: skip


@given(
    bodies=st.lists(st.sampled_from(LINE_BODIES), max_size=8),
    key=st.sampled_from(["NTE", "PWK", "REF/6R"]),
    space=st.sampled_from(["", "\n", "\r\n "]),
)
def test_a_segment_goes_after_the_last_one_the_ig_orders_before_it(
    bodies: list[str], key: str, space: str
) -> None:
    """Inserted after the last segment (before any sub-loop) whose IG rank is at most its own,
    whatever the order the input had; a segment of no known rank never decides; the new
    segment takes the whitespace the loop's first segment has in front of it."""
    delimiters = Delimiters(element="*", repetition="^", component=":", segment="~")
    raw = "".join(space + body + "~" for body in ["LX*1", *bodies]).encode("latin-1")
    loop = _Loop(raw, delimiters, _LINE_ORDER, _LINE_SUBLOOPS)
    keys, end = list(loop.keys), loop.end
    rank = _LINE_ORDER[key]
    ranks = [_LINE_ORDER.get(k, _LINE_ORDER.get(k.partition("/")[0], -1)) for k in keys]
    before = [i for i in range(1, end) if 0 <= ranks[i] <= rank]
    at = before[-1] + 1 if before else 1
    loop.insert(key, [key[:3], "X"])
    assert loop.keys == [*keys[:at], key, *keys[at:]] and loop.end == end + 1
    assert loop.joined().split(b"~")[at] == (space + key[:3] + "*X").encode("latin-1")


@given(st.text(alphabet="\r\n \tLX*1", max_size=6))
def test_a_segments_prefix_is_the_whitespace_in_front_of_it(text: str) -> None:
    raw = text.encode("latin-1")
    assert _prefix(raw) == raw[: len(raw) - len(raw.lstrip(b"\r\n \t"))]
