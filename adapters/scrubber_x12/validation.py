"""Implementation-guide validation and the 999 acknowledgment, both through pyx12.

pyx12 (BSD) is the only Python library that knows the 005010X222A1 guide, but it walks the
guide map for every segment (a few hundred claims/s), so it runs only for
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
from typing import Any

import pyx12.errors
import pyx12.params
import pyx12.x12n_document

from scrubber import AdapterError, FormatOptions, Severity, ValidationIssue
from scrubber_x12.validation_text import element_message, envelope_message, segment_message

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


def _issues(
    node: dict[str, Any], suffix: str, where: str, kind: str = "envelope"
) -> list[ValidationIssue]:
    """Every error under *node*, in words without values (see ``validation_text``)."""
    out: list[ValidationIssue] = []
    line = node.get("cur_line")
    here = f"segment {line}" if line else where
    name = node.get("seg_id")
    for error in node.get("errors", ()):
        if kind == "elements":
            message = element_message(name, node, error)
        elif kind == "segments":
            message = segment_message(name, error)
        else:
            message = envelope_message(error)
        out.append(ValidationIssue(message=message + suffix, locator=here, severity=Severity.ERROR))
    for child_key in ("interchanges", "groups", "transactions", "segments", "elements"):
        for child in node.get(child_key, ()):
            if child_key == "elements":
                child = {**child, "seg_id": name, "cur_line": line}
            out += _issues(child, suffix, here, child_key)
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
