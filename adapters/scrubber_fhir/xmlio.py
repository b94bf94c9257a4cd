"""FHIR XML: safe parsing, Claim spans, and conversion through the models.

Untrusted XML is parsed with lxml with ``resolve_entities=False``, ``no_network=True`` and no
DTD loading (lxml parser options); a document with a DOCTYPE or ENTITY declaration is
refused outright, so no entity (external or a "billion laughs" expansion) is ever processed.

FHIR XML cannot be mapped to the JSON tree without knowing each element's cardinality, so
each Claim element goes through the ``fhir.resources`` model (which validates it) and its JSON
dump feeds the same mapping and writer as JSON input. Consequences, documented in
docs/fhir.md: the ``fast`` option does not apply to XML, and a *modified* XML Claim is
re-rendered by the models (decimals lose trailing zeros: ``500.00`` -> ``500.0``). Untouched
Claims are copied from their exact byte span, found by scanning the text for ``Claim`` tags.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from functools import cache
from typing import Any

from lxml import etree
from pydantic import ValidationError

from scrubber import AdapterError, ClaimPiece, Piece, Verbatim

from .reader import ClaimText, to_piece
from .versions import FhirVersion, Options, Problem, other_version_problem, validation_problem

__all__ = ["FHIR_NS", "claim_xml", "read_xml", "safe_parser"]

FHIR_NS = "http://hl7.org/fhir"
_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_CLAIM_TAG = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<(/?)(?:[A-Za-z_][\w.-]*:)?Claim(?=[\s/>])",
    re.S,
)


def safe_parser() -> etree.XMLParser:
    """An lxml parser that never resolves entities, loads a DTD or touches the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
    )


def _claim_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the outermost ``Claim`` elements, in document order."""
    spans: list[tuple[int, int]] = []
    depth = 0
    start = 0
    for match in _CLAIM_TAG.finditer(text):
        if match.group(0).startswith(("<!", "<?")):  # comment, CDATA, processing instruction
            continue
        close = text.index(">", match.end())
        if match.group(1):  # </Claim>
            depth -= 1
            if depth == 0:
                spans.append((start, close + 1))
        elif text[close - 1] != "/":  # a self-closing <Claim/> opens nothing
            if depth == 0:
                start = match.start()
            depth += 1
    return spans


_UTF16_DECLARATION = re.compile(
    rb"""\A(\xef\xbb\xbf)?(\s*<\?xml[^>]*?encoding\s*=\s*["'])utf-?16(?:[lb]e)?(["'])""",
    re.IGNORECASE,
)


def _as_declared_utf8(data: bytes) -> bytes:
    """*data* for the parser: a UTF-16 file reaches this reader decoded to UTF-8
    (``scrubber._utf16``) with its declaration still saying ``encoding="UTF-16"``; the parser
    is told UTF-8 (the text kept for writing is not changed, so the output says UTF-16 and is
    UTF-16 again)."""
    return _UTF16_DECLARATION.sub(rb"\1\2UTF-8\3", data, count=1)


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


@cache
def _resource_model(package: str, name: str) -> Any:
    return FhirVersion(name="", package=package).model(name)


def _as_tree(element: Any, version: FhirVersion, kind: str) -> dict[str, Any]:
    model = _resource_model(version.package, kind).model_validate_xml(
        etree.tostring(element), xmlparser=safe_parser()
    )
    tree: dict[str, Any] = json.loads(model.model_dump_json(), parse_float=Decimal)
    return tree


def read_xml(data: bytes, opts: Options) -> Iterator[Piece]:
    """Read a FHIR XML Claim or Bundle of Claims (see the module docstring)."""
    found = _DECLARATIONS.search(data)
    if found:
        raise AdapterError(
            "XML with a DOCTYPE or ENTITY declaration is refused (entities are never resolved)",
            position=f"byte {found.start()}",
        )
    try:
        root = etree.fromstring(_as_declared_utf8(data), parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise AdapterError(
            f"not well-formed XML: {exc.msg}", position=f"line {exc.lineno}"
        ) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AdapterError("XML input is not UTF-8", position=f"byte {exc.start}") from exc
    if etree.QName(root).namespace != FHIR_NS:
        raise AdapterError(
            "not FHIR XML (root is not in the http://hl7.org/fhir namespace)", position="/"
        )
    kind = _local(root)
    claims: list[tuple[Any, str]] = []
    others: dict[str, Any] = {}
    if kind == "Claim":
        claims.append((root, "/"))
    elif kind == "Bundle":
        for n, entry in enumerate(root.findall(f"{{{FHIR_NS}}}entry")):
            holder = entry.find(f"{{{FHIR_NS}}}resource")
            resource = next((c for c in holder if _local(c)), None) if holder is not None else None
            if resource is None:
                continue
            if _local(resource) == "Claim":
                claims.append((resource, f"/entry/{n}/resource"))
                continue
            full_url = entry.find(f"{{{FHIR_NS}}}fullUrl")
            rid = resource.find(f"{{{FHIR_NS}}}id")
            if full_url is not None:
                others[str(full_url.get("value"))] = resource
            if rid is not None:
                others[f"{_local(resource)}/{rid.get('value')}"] = resource
        if not claims:
            raise AdapterError("the Bundle holds no Claim", position="/entry")
    else:
        raise AdapterError(f"resourceType {kind!r} is not Claim or Bundle", position="/")
    spans = _claim_spans(text)
    if len(spans) != len(claims):
        raise AdapterError("could not locate each Claim element in the XML text", position="/")

    converted: dict[str, Mapping[str, Any] | None] = {}

    def resolve(reference: str) -> Mapping[str, Any] | None:
        if reference not in converted:
            element = others.get(reference)
            try:
                converted[reference] = (
                    None if element is None else _as_tree(element, opts.version, _local(element))
                )
            except (ValidationError, ValueError, ImportError, AttributeError, etree.LxmlError):
                converted[reference] = None
        return converted[reference]

    done = 0
    for (element, pointer), (start, end) in zip(claims, spans, strict=True):
        payload = ClaimText(
            text=text[start:end],
            syntax="xml",
            pointer="" if pointer == "/" else pointer,
            resolve=resolve,
        )
        yield Verbatim(payload=text[done:start])
        yield _xml_piece(element, payload, pointer, opts)
        done = end
    yield Verbatim(payload=text[done:])


def _xml_piece(element: Any, payload: ClaimText, locator: str, opts: Options) -> ClaimPiece:
    problem: Problem
    try:
        tree = _as_tree(element, opts.version, "Claim")
    except ValidationError as exc:
        problem = validation_problem(exc, payload.pointer)
        where = _element_pointer(element, exc)
        if where is not None:
            problem = Problem(pointer=payload.pointer + where, message=problem.message)
    except (KeyError, ValueError, TypeError, AttributeError, etree.LxmlError) as exc:
        # fhir.resources' XML reader raises KeyError for an element the model does not know,
        # and XMLSyntaxError when its own re-parse of the element fails (a non-ASCII name)
        problem = Problem(
            pointer=payload.pointer or "/",
            message=f"not a valid FHIR XML Claim ({type(exc).__name__} {exc})",
        )
    else:
        return to_piece(
            tree, payload._replace(tree=tree), locator=locator, opts=opts, validated=None
        )
    problem = (
        other_version_problem(_shallow(element), opts.version.name, payload.pointer) or problem
    )
    ident = element.find(f"{{{FHIR_NS}}}identifier/{{{FHIR_NS}}}value")
    rid = element.find(f"{{{FHIR_NS}}}id")
    node = ident if ident is not None else rid
    return ClaimPiece(
        claim=None,
        payload=payload,
        locator=locator,
        problem=str(problem),
        claim_id=str(node.get("value")) if node is not None else "?",
    )


# Claim elements that repeat (0..*): their JSON pointer step carries an index even when the
# document has one of them, as the JSON form of the same Claim would.
_REPEATING = frozenset(
    {
        "identifier", "related", "careTeam", "supportingInfo", "diagnosis", "procedure",
        "insurance", "item", "detail", "subDetail", "modifier", "programCode", "coding",
        "extension", "modifierExtension", "contained", "udi", "informationSequence",
        "diagnosisSequence", "careTeamSequence", "procedureSequence", "traceNumber",
        "preAuthRef", "bodySite", "subSite", "encounter", "event", "revenue",
    }
)  # fmt: skip


def _element_pointer(claim: Any, exc: ValidationError) -> str | None:
    """The JSON pointer of the XML element a validation error is about. The models validate
    nested XML elements on their own, so the error's location is only the innermost name
    (``/value``); the element is found again by that name and the value it failed on, which
    is used to locate it and never shown."""
    errors = exc.errors(include_url=False)
    if not errors:  # pragma: no cover - pydantic always reports at least one error
        return None
    names = [p for p in errors[0]["loc"] if isinstance(p, str)]
    wanted = errors[0].get("input")
    if not names or not isinstance(wanted, str):
        return None
    for node in claim.iter():
        if _local(node) == names[-1] and node.get("value") == wanted:
            return _path(claim, node)
    return None


def _path(claim: Any, node: Any) -> str:
    steps: list[str] = []
    while node is not claim and node is not None:
        parent = node.getparent()
        name = _local(node)
        same = [c for c in parent if _local(c) == name] if parent is not None else [node]
        if name in _REPEATING or len(same) > 1:
            steps.append(f"{name}/{same.index(node)}")
        else:
            steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))


def _shallow(element: Any, depth: int = 2) -> dict[str, Any]:
    """Element names (and ``value`` attributes) of *element*, *depth* levels down: enough
    for ``looks_like`` to tell which FHIR version a Claim the models cannot read looks like."""
    out: dict[str, Any] = {}
    for child in element:
        name = _local(child)
        if not name:
            continue
        value = child.get("value")
        node: Any = value if value is not None else _shallow(child, depth - 1) if depth > 1 else {}
        if name in out:
            earlier = out[name]
            out[name] = [*(earlier if isinstance(earlier, list) else [earlier]), node]
        else:
            out[name] = node
    return out


def claim_xml(tree: Mapping[str, Any], version: FhirVersion, *, pretty: bool) -> str:
    """A modified Claim as FHIR XML, rendered (and so validated) by the models."""
    model = version.model("Claim").model_validate(tree)
    rendered = model.model_dump_xml(pretty_print=pretty, xml_declaration=False)
    text = rendered.decode("utf-8") if isinstance(rendered, bytes) else str(rendered)
    return text.rstrip("\n")
