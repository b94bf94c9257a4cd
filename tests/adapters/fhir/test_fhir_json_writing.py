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
