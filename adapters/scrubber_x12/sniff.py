"""Recognise an X12 interchange from its first bytes (``scrubber --format auto``)."""

from __future__ import annotations

__all__ = ["sniff_837"]


def sniff_837(head: bytes) -> bool:
    """True when the input starts (after line breaks or a UTF-8 BOM) with an ISA segment whose
    element separator is a punctuation character: ``ISA*00*...`` (X12.5 interchange header).
    Delimiters and counts are checked by the reader, which gives a positioned error."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip(b"\r\n \t")
    return text[:3] == b"ISA" and len(text) > 3 and not chr(text[3]).isalnum()
