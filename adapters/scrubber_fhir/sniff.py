"""Recognise FHIR input from its first bytes, without ever matching X12.

An 837 starts with ``ISA`` (X12 005010 interchange header); FHIR JSON starts with ``{`` and
names a ``resourceType``; FHIR XML starts with ``<`` and uses the ``http://hl7.org/fhir``
namespace. The two sets of first characters never overlap, so detection is unambiguous.
"""

from __future__ import annotations

__all__ = ["sniff"]

_LEADING = b"\xef\xbb\xbf \t\r\n"


def sniff(head: bytes) -> bool:
    """True if *head* (the first bytes of the input) looks like FHIR JSON, NDJSON or XML."""
    start = head.lstrip(_LEADING)
    if start[:1] == b"{":
        return b'"resourceType"' in start
    if start[:1] == b"<":
        return b"http://hl7.org/fhir" in start
    return False
