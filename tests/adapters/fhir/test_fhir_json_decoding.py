"""Claims are decoded by msgspec where it gives exactly what the stdlib decoder gives (the
same tree, numbers as the same ``Decimal``/``int``, the same end), and by the stdlib
everywhere else, so a refused line names the same problem at the same column as before."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber_fhir._jsontext import decode, decode_whole

PROFILE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NUMBERS = st.sampled_from(
    ["0", "-0", "1", "150.00", "0.10", "-3.5", "1e5", "1E+2", "2.50e-3", "12345678901234567890",
     "9" * 100, "9" * 101, "-" + "9" * 100, "1." + "0" * 99, "1" * 60 + "." + "1" * 45,
     "2.5e" + "0" * 97, "NaN", "Infinity", "-Infinity"]
)  # fmt: skip
scalars = st.one_of(
    st.sampled_from(["null", "true", "false"]), st.text(max_size=8).map(json.dumps), NUMBERS,
    st.sampled_from(['"\\ud800"', '"\\u00e9"', '"tab\\there"']),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.dictionaries(st.text(max_size=5).map(json.dumps), inner, max_size=4).map(
            lambda kv: "{" + ",".join(f"{k}: {v}" for k, v in kv.items()) + "}"
        ),
    ),
    max_leaves=12,
)


def _outcome(function: Any, text: str, pos: int) -> object:
    try:
        tree, end = function(text, pos)
    except json.JSONDecodeError as error:
        return ("refused", error.msg, error.pos)
    return ("read", _typed(tree), end)


def _typed(tree: Any) -> Any:
    """The tree with every scalar's type beside it (``1 == Decimal(1)``; the types matter)."""
    if isinstance(tree, dict):
        return {k: _typed(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_typed(v) for v in tree]
    if isinstance(tree, Decimal):
        return ("Decimal", str(tree))
    return (type(tree).__name__, repr(tree))


@PROFILE
@given(
    value=values,
    padding=st.sampled_from(["", " ", "\t", "  \n"]),
    tail=st.sampled_from(["", " ", "\r\n", " x", ",", "}", "\ufeff"]),
    cut=st.integers(0, 3),
)
def test_decode_whole_reads_and_refuses_as_the_stdlib_does(
    value: str, padding: str, tail: str, cut: int
) -> None:
    text = padding + value + tail
    text = text[: len(text) - cut] if cut and len(text) > cut else text
    assert _outcome(decode_whole, text, len(padding)) == _outcome(decode, text, len(padding))


def test_deep_nesting_is_left_to_the_stdlib() -> None:
    text = "[" * 5000 + "]" * 5000
    assert _outcome(decode_whole, text, 0) == _outcome(decode, text, 0)


def test_money_keeps_its_decimals() -> None:
    tree, end = decode_whole('{"net": {"value": 150.00}, "quantity": {"value": 2}} ')
    assert tree["net"]["value"].as_tuple() == Decimal("150.00").as_tuple()
    assert type(tree["quantity"]["value"]) is int and end == 52
