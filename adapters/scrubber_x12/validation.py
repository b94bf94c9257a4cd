"""Implementation-guide validation and the 999 acknowledgment, both through pyx12.

pyx12 (BSD) is the only Python library that knows the 005010X222A1 guide, but it walks the
guide map for every segment (~300 claims/s, libraries.md "X12"), so it runs only for
``--validate`` / ``--ack`` and in tests, never on the scrub path.

pyx12 4.0 ships only the X222A1 map: an A2 envelope (``GS08 = 005010X222A2``) raises "Map not
found". The A2 errata does not change the structures a scrubber touches, so A2 input is
validated *as A1*; every issue says so, and the 999 repeats the version the sender used.
pyx12 is called as a library with in-memory text streams (its command-line tools exit 1 even
on success).
"""

from __future__ import annotations

import io
import json
import logging
import re
from typing import Any

import pyx12.errors
import pyx12.params
import pyx12.x12n_document

from scrubber.errors import AdapterError
from scrubber.findings import Severity
from scrubber.formats import FormatOptions, ValidationIssue

__all__ = ["acknowledge_837", "interchange", "validate_837"]

A1 = "005010X222A1"
A2 = "005010X222A2"
_AS_A1 = " (005010X222A2 envelope validated as 005010X222A1: pyx12 has only the A1 map)"


_BOM = b"\xef\xbb\xbf"
_LEADING = b"\r\n \t"


def interchange(data: bytes) -> bytes:
    """*data* from its ISA on: without the UTF-8 byte-order mark and line breaks some Windows
    tools put in front of it. The reader accepts them (and the writer keeps them), but pyx12
    reads its first 106 bytes as the ISA and, given a BOM, rejects the whole file without a
    location and writes an empty 999."""
    data = data.lstrip(_LEADING)
    if data.startswith(_BOM):
        data = data[len(_BOM) :].lstrip(_LEADING)
    return data


def _as_a1(data: bytes) -> tuple[str, bool]:
    text = interchange(data).decode("latin-1")
    if A2 not in text:
        return text, False
    return text.replace(A2, A1), True


# pyx12 messages quote values ("Segment NM1*IL*1*<name>... not found", len("<value>"),
# "(<value>) is not a valid code"); a value can be PHI, so issues keep only names and codes.
_QUOTED_SEGMENT = re.compile(r"Segment ([A-Z][A-Z0-9]{1,2})\S.*? not found")
_LENGTH_OF = re.compile(r'len\("[^"]*"\)')
_LEADING_VALUE = re.compile(r"^\(.*?\) is ")
_ELEMENT_REF = re.compile(r"\(([A-Z][A-Z0-9]{1,2}\d{2}(-\d{2})?|\d{4}[A-Z]?|[A-Z][A-Z0-9]{1,2})\)")


def _without_values(message: str) -> str:
    message = _QUOTED_SEGMENT.sub(r"Segment \1 not found", message)
    message = _LENGTH_OF.sub("len(value)", message)
    message = _LEADING_VALUE.sub("value is ", message)
    kept = _ELEMENT_REF.findall(message)
    if message.count("(") > len(kept):
        message = re.sub(r"\((?![A-Z0-9-]+\))[^)]*\)", "(value)", message)
    return message


def _run(text: str) -> tuple[bool, str, dict[str, Any]]:
    ack = io.StringIO()
    errors = io.StringIO()
    # pyx12 also logs every error; keep that off stderr (we return the errors as records)
    logger = logging.getLogger("pyx12")
    saved = (logger.propagate, list(logger.handlers))
    logger.propagate = False
    logger.handlers = [logging.NullHandler()]
    try:
        ok = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(),
            src_file=io.StringIO(text),
            fd_997=ack,
            fd_html=None,
            fd_xmldoc=None,
            fd_json=errors,
        )
    except pyx12.errors.X12Error as exc:
        raise AdapterError(f"pyx12 cannot read the X12: {exc}", position="segment 1") from None
    finally:
        logger.propagate, logger.handlers = saved[0], saved[1]
    report = json.loads(errors.getvalue() or "{}")
    return bool(ok), ack.getvalue(), report


def _issues(node: dict[str, Any], suffix: str, where: str) -> list[ValidationIssue]:
    out: list[ValidationIssue] = []
    line = node.get("cur_line")
    here = f"segment {line}" if line else where
    name = node.get("seg_id")
    for error in node.get("errors", ()):
        text = _without_values(str(error.get("err_str", "error")))
        message = f"{name}: {text}" if name else text
        out.append(ValidationIssue(message=message + suffix, locator=here, severity=Severity.ERROR))
    for child_key in ("interchanges", "groups", "transactions", "segments", "elements"):
        for child in node.get(child_key, ()):
            if child_key == "elements":
                child = {**child, "seg_id": name, "cur_line": line}
            out += _issues(child, suffix, here)
    return out


def validate_837(output: bytes, options: FormatOptions) -> list[ValidationIssue]:
    """pyx12 implementation-guide errors in *output* (empty when it is clean)."""
    del options
    text, converted = _as_a1(output)
    ok, _ack, report = _run(text)
    issues = _issues(report, _AS_A1 if converted else "", "segment 1")
    if not ok and not issues:
        issues.append(
            ValidationIssue(message="pyx12 rejected the file" + (_AS_A1 if converted else ""))
        )
    return issues


def acknowledge_837(data: bytes, options: FormatOptions) -> bytes:
    """The 999 implementation acknowledgment pyx12 produces for *data*."""
    del options
    text, converted = _as_a1(data)
    _ok, ack, _report = _run(text)
    if converted:
        ack = ack.replace(A1, A2)
    return ack.encode("latin-1")
