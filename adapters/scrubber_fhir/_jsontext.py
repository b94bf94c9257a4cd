"""JSON text helpers: where each value sits in the input, and a writer that keeps its style.

Untouched Claims must come out byte for byte , and ``fhir.resources`` drops
trailing zeros when it serializes (``350.00`` becomes ``350.0``).
So the adapter never round-trips a Claim through the models: it finds the *span* of each Claim
in the input text with the stdlib decoder (``raw_decode`` reports where a value ends), copies
untouched spans, and re-serializes only modified Claims from their JSON tree, with numbers
parsed as ``Decimal`` so ``500.00`` stays ``500.00`` and the sender's key order and indentation
are kept as far as practical.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, final

import msgspec

__all__ = [
    "MAX_NUMBER_LENGTH",
    "JsonStyle",
    "array_items",
    "decode",
    "decode_whole",
    "dumps",
    "object_members",
    "style_of",
]

MAX_NUMBER_LENGTH = 100  # digits of one JSON number; no FHIR Claim value needs more


def _integer(text: str) -> int:
    # int() of a 4,300+ digit string raises a bare ValueError; a claim never needs such a value
    if len(text) > MAX_NUMBER_LENGTH:
        raise ValueError(f"a number of more than {MAX_NUMBER_LENGTH} digits")
    return int(text)


def _decimal(text: str) -> Decimal:
    if len(text) > MAX_NUMBER_LENGTH:
        raise ValueError(f"a number of more than {MAX_NUMBER_LENGTH} digits")
    return Decimal(text)


_DECODER = json.JSONDecoder(parse_float=_decimal, parse_int=_integer)
# the stdlib's (C-accelerated) string scanner; typeshed does not declare it
scanstring: Final[Callable[[str, int], tuple[str, int]]] = json.decoder.scanstring  # type: ignore[attr-defined]
_WS = re.compile(r"[ \t\n\r]*")


def _raw_decode(text: str, pos: int) -> tuple[Any, int]:
    """The stdlib decoder, with its two non-JSONDecodeError failures made into one: nesting
    deeper than the interpreter's recursion limit, and an oversized number."""
    try:
        return _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, pos) from None
    except ValueError as exc:
        raise json.JSONDecodeError(str(exc), text, pos) from None


def decode(text: str, pos: int = 0) -> tuple[Any, int]:
    """Decode one JSON value starting at *pos* (after whitespace); return it and its end."""
    start = _WS.match(text, pos).end()  # type: ignore[union-attr]  # the pattern always matches
    return _raw_decode(text, start)


# msgspec's decoder (C, about twice the stdlib's speed on a Claim) hands each number with a
# fraction or exponent to the hook as its text, so ``500.00`` is ``Decimal("500.00")`` exactly
# as with the stdlib's ``parse_float``; integers come out as ``int`` like there.
_FAST_DECODER = msgspec.json.Decoder(float_hook=Decimal)
# Where msgspec and the stdlib could differ, the stdlib decides: a number of more than
# MAX_NUMBER_LENGTH characters (refused there, read by msgspec; found as a run of that many
# characters that a number is made of, by a byte translation and a search, both in C: a word
# like "reference" makes short runs only), nesting near the interpreter's recursion limit
# (fewer brackets than this cannot nest that deep), and any input msgspec refuses (NaN and
# Infinity, lone surrogates, malformed JSON: the error is the stdlib's). The same translation
# makes every ``[`` a ``{``, so one count of ``{`` counts both kinds of bracket.
_NUMBER_AS_ZERO = bytes.maketrans(b"123456789.eE+-[", b"0" * 14 + b"{")
_LONG_NUMBER = b"0" * (MAX_NUMBER_LENGTH + 1)
_FAST_BRACKETS = 400


def decode_whole(text: str, pos: int = 0) -> tuple[Any, int]:
    """``decode`` of a text that should hold one JSON value from *pos* to its end (an NDJSON
    line, a Claim's span): the same value and end, through msgspec when it can tell."""
    body = text[pos:] if pos else text
    shape = body.encode("utf-8", "surrogatepass").translate(_NUMBER_AS_ZERO)
    if shape.count(b"{") < _FAST_BRACKETS and shape.find(_LONG_NUMBER) < 0:
        try:
            value = _FAST_DECODER.decode(body)
        except Exception:  # any refusal: the stdlib decides, as below
            pass
        else:
            return value, len(text.rstrip(" \t\n\r"))
    return decode(text, pos)


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]  # the pattern always matches


def object_members(text: str, pos: int) -> Iterator[tuple[str, int, int, Any]]:
    """Yield ``(key, value_start, value_end, value)`` for the JSON object starting at *pos*.

    Raises ``json.JSONDecodeError`` on malformed input, like the stdlib decoder."""
    pos = _skip(text, pos)
    if text[pos : pos + 1] != "{":
        raise json.JSONDecodeError("Expecting '{'", text, pos)
    pos = _skip(text, pos + 1)
    if text[pos : pos + 1] == "}":
        return
    while True:
        if text[pos : pos + 1] != '"':
            raise json.JSONDecodeError(
                "Expecting property name enclosed in double quotes", text, pos
            )
        key, pos = scanstring(text, pos + 1)
        pos = _skip(text, pos)
        if text[pos : pos + 1] != ":":
            raise json.JSONDecodeError("Expecting ':' delimiter", text, pos)
        start = _skip(text, pos + 1)
        value, end = _raw_decode(text, start)
        yield key, start, end, value
        pos = _skip(text, end)
        if text[pos : pos + 1] == ",":
            pos = _skip(text, pos + 1)
            continue
        if text[pos : pos + 1] == "}":
            return
        raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)


def array_items(text: str, pos: int) -> Iterator[tuple[int, int, Any]]:
    """Yield ``(start, end, value)`` for each item of the JSON array starting at *pos*."""
    pos = _skip(text, pos)
    if text[pos : pos + 1] != "[":
        raise json.JSONDecodeError("Expecting '['", text, pos)
    pos = _skip(text, pos + 1)
    if text[pos : pos + 1] == "]":
        return
    while True:
        value, end = _raw_decode(text, pos)
        yield pos, end, value
        pos = _skip(text, end)
        if text[pos : pos + 1] == ",":
            pos = _skip(text, pos + 1)
            continue
        if text[pos : pos + 1] == "]":
            return
        raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class JsonStyle:
    """How the sender laid out a value: indent unit (None: one line), the indentation of the
    line the value starts on, and the separators used on one line."""

    indent: str | None
    base: str
    item_separator: str = ", "
    key_separator: str = ": "


def style_of(text: str, start: int, end: int) -> JsonStyle:
    """Guess the layout of the value at ``text[start:end]`` from the text itself."""
    line_start = text.rfind("\n", 0, start) + 1
    base_match = re.match(r"[ \t]*", text[line_start:start])
    base = base_match.group(0) if base_match else ""
    body = text[start:end]
    if "\n" not in body:
        compact = '":' in body and '": ' not in body
        return JsonStyle(
            indent=None,
            base=base,
            item_separator="," if compact else ", ",
            key_separator=":" if compact else ": ",
        )
    inner = re.search(r"\n([ \t]*)\S", body)
    own = inner.group(1) if inner else base + "  "
    unit = own[len(base) :] if own.startswith(base) and len(own) > len(base) else "  "
    return JsonStyle(indent=unit, base=base)


# The quoted JSON string, as ``json.dumps(text, ensure_ascii=False)`` writes it (the stdlib's
# own C encoder, without the per-call encoder object that ``json.dumps`` builds).
_quote: Final[Callable[[str], str]] = json.encoder.encode_basestring


def _scalar(value: Any) -> str:
    kind = type(value)
    if kind is str:  # the common case first: exact types, so a subclass takes the long way
        return _quote(value)
    if kind is Decimal:
        # "f" never writes an exponent: 1E+1 would be valid JSON but not what a sender wrote
        return format(value, "f")
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):  # pragma: no cover - the adapter parses floats as Decimal
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps(value: Any, style: JsonStyle) -> str:
    """Serialize *value* in *style*; the first line carries no indentation of its own (it
    continues the line the original value started on)."""
    out: list[str] = []
    if style.indent is None:
        _write_line(value, style.item_separator, style.key_separator, out)
    else:
        _write(value, style, style.base, out)
    return "".join(out)


def _write_line(value: Any, item_separator: str, key_separator: str, out: list[str]) -> None:
    """``_write`` for a value on one line (NDJSON, a one-line Claim): the same text, with the
    separators passed in and the common leaves written without a call of their own."""
    if type(value) is dict:
        if not value:
            out.append("{}")
            return
        out.append("{")
        first = True
        for key, item in value.items():
            if first:
                first = False
            else:
                out.append(item_separator)
            out.append(_quote(key) if type(key) is str else _scalar(str(key)))
            out.append(key_separator)
            kind = type(item)
            if kind is str:
                out.append(_quote(item))
            elif kind is dict or kind is list:
                _write_line(item, item_separator, key_separator, out)
            else:
                _write_line_leaf(item, item_separator, key_separator, out)
        out.append("}")
        return
    if type(value) is list:
        if not value:
            out.append("[]")
            return
        out.append("[")
        first = True
        for item in value:
            if first:
                first = False
            else:
                out.append(item_separator)
            kind = type(item)
            if kind is str:
                out.append(_quote(item))
            elif kind is dict or kind is list:
                _write_line(item, item_separator, key_separator, out)
            else:
                _write_line_leaf(item, item_separator, key_separator, out)
        out.append("]")
        return
    _write_line_leaf(value, item_separator, key_separator, out)


def _write_line_leaf(value: Any, item_separator: str, key_separator: str, out: list[str]) -> None:
    """Anything but an exact dict or list: a scalar, or a dict or list subclass (walked as
    ``_write`` walks it)."""
    if isinstance(value, dict | list):
        _write(value, JsonStyle(indent=None, base="", item_separator=item_separator,
                                key_separator=key_separator), "", out)  # fmt: skip
    else:
        out.append(_scalar(value))


def _write(value: Any, style: JsonStyle, current: str, out: list[str]) -> None:
    kind = type(value)
    if kind is str or kind is Decimal:  # most values: no container to walk
        out.append(_scalar(value))
        return
    if isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        if style.indent is None:
            out.append("{")
            for n, (key, item) in enumerate(value.items()):
                if n:
                    out.append(style.item_separator)
                out.append(_scalar(str(key)) + style.key_separator)
                _write(item, style, current, out)
            out.append("}")
            return
        inner = current + style.indent
        out.append("{")
        for n, (key, item) in enumerate(value.items()):
            out.append(",\n" if n else "\n")
            out.append(inner + _scalar(str(key)) + ": ")
            _write(item, style, inner, out)
        out.append("\n" + current + "}")
        return
    if isinstance(value, list):
        if not value:
            out.append("[]")
            return
        if style.indent is None:
            out.append("[")
            for n, item in enumerate(value):
                if n:
                    out.append(style.item_separator)
                _write(item, style, current, out)
            out.append("]")
            return
        inner = current + style.indent
        out.append("[")
        for n, item in enumerate(value):
            out.append(",\n" if n else "\n")
            out.append(inner)
            _write(item, style, inner, out)
        out.append("\n" + current + "]")
        return
    out.append(_scalar(value))
