"""Read FHIR Claims (a Claim, a Bundle of Claims, NDJSON, or XML) into pieces.

Every byte of the input ends up in exactly one piece, in order: ``Verbatim`` text between
Claims (the Bundle's own members, other entries, NDJSON blank or non-Claim lines) and one
``ClaimPiece`` per Claim whose payload is the Claim's exact text. The writer concatenates them,
so a run without fixes reproduces the input byte for byte.

NDJSON (bulk data, one resource per line) is read line by line: memory is bounded by one
Claim. A single JSON document or XML is read whole (a Bundle's references need it).
Which one it is is decided from the first line: a first line that is a complete JSON object
followed by more content means NDJSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple, final

from scrubber import AdapterError, ClaimPiece, FormatOptions, Piece, Verbatim

from ._jsontext import JsonStyle, array_items, decode, decode_whole, object_members, style_of
from .mapping import Resolver, UnmappableClaim, map_claim
from .scope import claim_type, out_of_scope
from .versions import Options, Problem, options_of, other_version_problem

__all__ = ["ClaimText", "claim_id_of", "parse_claim_text", "read", "to_piece"]

BOM = "\ufeff"


@final
class ClaimText(NamedTuple):
    """A ClaimPiece payload: the Claim's exact input text and how to write a changed one.

    ``pointer`` is where the Claim sits (``""`` for a whole document, ``/entry/2/resource``);
    ``suffix`` is the NDJSON line ending that follows it. A NamedTuple (build it with
    keywords): one is made per Claim, a frozen dataclass costs several times more."""

    text: str
    syntax: str  # "json" or "xml"
    pointer: str
    style: JsonStyle | None = None  # None: a one-line NDJSON Claim, its style read on write
    suffix: str = ""
    resolve: Resolver | None = None
    tree: Mapping[str, Any] | None = None  # XML only: the Claim as the models read it


def parse_claim_text(payload: ClaimText) -> tuple[str, Any, str]:
    """A JSON payload as (leading padding, parsed tree, trailing padding): an NDJSON line may
    carry a byte-order mark or spaces around the object, and they are written back as sent."""
    text = payload.text
    start = len(text) - len(text.lstrip(BOM + " \t\r\n"))
    tree, end = decode_whole(text, start)
    return text[:start], tree, text[end:]


def claim_id_of(tree: Mapping[str, Any]) -> str:
    """The Claim id for the report (identifier value, else id), or ``?``."""
    identifiers = tree.get("identifier")
    if isinstance(identifiers, list) and identifiers and isinstance(identifiers[0], Mapping):
        value = identifiers[0].get("value")
        if isinstance(value, str) and value:
            return value
    value = tree.get("id")
    return value if isinstance(value, str) and value else "?"


def _no_resolver(_reference: str) -> None:
    return None


def to_piece(
    tree: Mapping[str, Any],
    payload: ClaimText,
    *,
    locator: str,
    opts: Options,
    validated: Problem | bool | None = False,
) -> ClaimPiece:
    """Validate (unless fast, or done already) and map one Claim; a Claim that fails becomes
    a piece with ``claim=None`` and the problem, to be written back unchanged, and so does a
    valid Claim no edit is for (``out_of_scope``, see ``scope``)."""
    problem: Problem | None
    if validated is False:
        problem = (
            None
            if opts.fast
            else opts.version.validate_claim_json(
                payload.text.strip(BOM + " \t\r\n"), payload.pointer
            )
        )
    else:
        problem = validated if isinstance(validated, Problem) else None
    valid = problem is None
    if valid and claim_type(tree) in (None, "professional"):
        # the common case costs one look at Claim.type before the mapping
        try:
            claim = map_claim(
                tree,
                locator=locator,
                resolve=payload.resolve or _no_resolver,
                r5=opts.version.name == "r5",
            )
        except UnmappableClaim as exc:
            problem = exc.problem
        except RecursionError:  # --fast: nesting the models would have refused
            problem = Problem(pointer=payload.pointer or "/", message="nested too deeply")
        else:
            return ClaimPiece.trusted(
                claim=claim, payload=payload, locator=locator, claim_id=claim.id
            )
    # Not scrubbed. First: does it look like another FHIR version? (An STU3 Claim fails
    # validation on elements R4 never had; unvalidated, it would look like one without CPT.)
    elsewhere = other_version_problem(tree, opts.version.name, payload.pointer)
    if elsewhere is not None:
        problem = elsewhere
    elif valid and (reason := out_of_scope(tree)) is not None:
        return ClaimPiece(
            claim=None,
            payload=payload,
            locator=locator,
            problem=reason,
            claim_id=claim_id_of(tree),
            out_of_scope=True,
        )
    prefix = f"{locator} " if locator.startswith("line ") else ""
    return ClaimPiece(
        claim=None,
        payload=payload,
        locator=locator,
        problem=f"{prefix}{problem}",
        claim_id=claim_id_of(tree),
    )


def _decode(data: bytes, offset: int = 0) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AdapterError("input is not UTF-8", position=f"byte {offset + exc.start}") from exc


def read(chunks: Iterable[bytes], options: FormatOptions) -> Iterator[Piece]:
    """The ``Format.read`` of the fhir format: see the module docstring."""
    opts = options_of(options)
    stream = iter(chunks)
    head = _head(stream)
    first = head.lstrip(BOM.encode() + b" \t\r\n")
    if not first:
        raise AdapterError("empty input", position="byte 0")
    if first[:1] == b"<":
        from .xmlio import read_xml  # lxml is needed only for XML input

        yield from read_xml(head + b"".join(stream), opts)
        return
    if first[:1] != b"{":
        raise AdapterError("not FHIR JSON or XML (expected '{' or '<')", position="byte 0")
    if _is_ndjson(first):
        yield from _read_ndjson(head, stream, opts)
        return
    yield from _read_document(_decode(head + b"".join(stream)), opts)


_NON_BLANK = re.compile(rb"[^ \t\r\n\xef\xbb\xbf]")


def _head(stream: Iterator[bytes]) -> bytes:
    """Read just enough to tell the kinds of input apart: up to the first byte that is not
    blank (``<`` or anything else decides at once) and, for ``{``, up to the first line's end
    and the start of whatever follows. Linear in the bytes read, whatever the chunk size."""
    head = bytearray()
    start = newline = -1
    for chunk in stream:
        pos = len(head)
        head += chunk
        if start < 0:
            found = _NON_BLANK.search(head, pos)
            if found is None:
                continue
            start = pos = found.start()
            if head[start] != ord("{"):
                break
        if newline < 0:
            newline = head.find(b"\n", pos)
            if newline < 0:
                continue
            pos = newline
        if _NON_BLANK.search(head, pos):
            break
    return bytes(head)


def _is_ndjson(first: bytes) -> bool:
    newline = first.find(b"\n")
    if newline < 0 or not first[newline:].strip():
        return False
    try:
        value = json.loads(first[:newline])
    except (ValueError, RecursionError):
        return False
    return isinstance(value, dict)


def _read_ndjson(head: bytes, stream: Iterator[bytes], opts: Options) -> Iterator[Piece]:
    buffer = head
    number = 0
    offset = 0
    for chunk in stream:
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for raw in lines:
            number += 1
            yield _ndjson_line(raw, b"\n", number, offset, opts)
            offset += len(raw) + 1
    *lines, buffer = buffer.split(b"\n")
    for raw in lines:
        number += 1
        yield _ndjson_line(raw, b"\n", number, offset, opts)
        offset += len(raw) + 1
    if buffer:
        yield _ndjson_line(buffer, b"", number + 1, offset, opts)


def _ndjson_line(raw: bytes, ending: bytes, number: int, offset: int, opts: Options) -> Piece:
    text = _decode(raw, offset)
    body = text.rstrip("\r")
    suffix = text[len(body) :] + ending.decode()
    stripped = body.strip(BOM + " \t")
    if not stripped:
        return Verbatim(payload=text + ending.decode())
    locator = f"line {number}"
    payload = ClaimText(
        text=body,
        syntax="json",
        pointer="",
        suffix=suffix,  # style: only if rewritten
    )
    try:
        tree, end = decode_whole(body, len(body) - len(body.lstrip(BOM + " \t")))
        if body[end:].strip():
            raise json.JSONDecodeError("Extra data", body, end)
    except json.JSONDecodeError as exc:
        return ClaimPiece(
            claim=None,
            payload=payload,
            locator=locator,
            problem=f"{locator}: not JSON ({exc.msg} at column {exc.colno})",
            claim_id="?",
        )
    if not isinstance(tree, dict) or tree.get("resourceType") != "Claim":
        return Verbatim(payload=text + ending.decode())
    return to_piece(tree, payload, locator=locator, opts=opts)


def _json_error(exc: json.JSONDecodeError) -> AdapterError:
    return AdapterError(f"not JSON: {exc.msg}", position=f"line {exc.lineno} column {exc.colno}")


def _read_document(text: str, opts: Options) -> Iterator[Piece]:
    start = len(text) - len(text.lstrip(BOM + " \t\r\n"))
    try:
        tree, end = decode(text, start)
    except json.JSONDecodeError as exc:
        raise _json_error(exc) from exc
    if text[end:].strip():
        raise AdapterError("extra data after the JSON document", position=f"byte {end}")
    if not isinstance(tree, dict):
        raise AdapterError("not a FHIR resource (expected a JSON object)", position="/")
    kind = tree.get("resourceType")
    if kind == "Claim":
        payload = ClaimText(
            text=text[start:end], syntax="json", pointer="", style=style_of(text, start, end)
        )
        # one rule for every document type: a Claim that cannot be used, or that no edit is
        # for, is passed through and reported, even when it is the whole document
        yield Verbatim(payload=text[:start])
        yield to_piece(tree, payload, locator="/", opts=opts)
        yield Verbatim(payload=text[end:])
        return
    if kind != "Bundle":
        raise AdapterError(
            f"resourceType {kind!r} is not Claim or Bundle", position="/resourceType"
        )
    yield from _read_bundle(text, tree, opts)


def _read_bundle(text: str, tree: Mapping[str, Any], opts: Options) -> Iterator[Piece]:
    entries = tree.get("entry")
    index: dict[str, Mapping[str, Any]] = {}
    for entry in entries if isinstance(entries, list) else ():
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict):
            if isinstance(entry.get("fullUrl"), str):
                index[entry["fullUrl"]] = resource
            if isinstance(resource.get("id"), str):
                index[f"{resource.get('resourceType')}/{resource['id']}"] = resource
    spans: list[tuple[int, int, int, Mapping[str, Any]]] = []
    start = len(text) - len(text.lstrip(BOM + " \t\r\n"))
    for key, value_start, _end, value in object_members(text, start):
        if key != "entry" or not isinstance(value, list):
            continue  # an "entry" that is not an array holds no Claim
        for n, (entry_start, _entry_end, entry) in enumerate(array_items(text, value_start)):
            if not isinstance(entry, dict):
                continue
            for member, res_start, res_end, resource in object_members(text, entry_start):
                is_claim = isinstance(resource, dict) and resource.get("resourceType") == "Claim"
                if member == "resource" and is_claim:
                    spans.append((n, res_start, res_end, resource))
    if not spans:
        raise AdapterError("the Bundle holds no Claim", position="/entry")
    resolve = index.get
    done = 0
    for n, res_start, res_end, resource in spans:
        yield Verbatim(payload=text[done:res_start])
        pointer = f"/entry/{n}/resource"
        payload = ClaimText(
            text=text[res_start:res_end],
            syntax="json",
            pointer=pointer,
            style=style_of(text, res_start, res_end),
            resolve=resolve,
        )
        yield to_piece(resource, payload, locator=pointer, opts=opts)
        done = res_end
    yield Verbatim(payload=text[done:])
