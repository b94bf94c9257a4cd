"""A rewritten Claim's JSON: strings exactly as the standard library writes them, numbers with
the decimals they were read with. (The parts of a split, each rewritten from its own copy of the
input item: test_fhir_fixes.py.)"""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from scrubber_fhir._jsontext import JsonStyle, dumps

ONE_LINE = JsonStyle(indent=None, base="")
PRETTY = JsonStyle(indent="  ", base="")


@given(st.text())
def test_a_string_is_written_as_json_dumps_writes_it(text: str) -> None:
    expected = json.dumps(text, ensure_ascii=False)
    assert dumps(text, ONE_LINE) == expected
    assert dumps({text: [text]}, ONE_LINE) == json.dumps({text: [text]}, ensure_ascii=False)
    assert json.loads(dumps({"k": text}, PRETTY)) == {"k": text}


def test_numbers_keep_their_decimals_and_literals_their_names() -> None:
    tree = {"a": Decimal("350.00"), "b": 3, "c": True, "d": None, "e": [Decimal("1E+1")]}
    assert dumps(tree, ONE_LINE) == '{"a": 350.00, "b": 3, "c": true, "d": null, "e": [10]}'


trees = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=12,
)


@given(trees, st.sampled_from([(", ", ": "), (",", ":")]))
def test_a_one_line_tree_is_written_as_json_dumps_writes_it(
    tree: object, separators: tuple[str, str]
) -> None:
    style = JsonStyle(
        indent=None, base="", item_separator=separators[0], key_separator=separators[1]
    )
    assert dumps(tree, style) == json.dumps(tree, ensure_ascii=False, separators=separators)
    pretty = dumps(tree, PRETTY)
    assert json.loads(pretty) == tree
    if isinstance(tree, dict | list) and tree:
        assert pretty == json.dumps(tree, ensure_ascii=False, indent=2)
