"""Implementation-guide errors in words that never carry a claim's data.

pyx12 describes an error with the value it saw: ``Data element "Subscriber Birth Date" (DMG02)
contains an invalid date (19801345)``, ``Segment NM1*IL*1*<name> not found``. Names, member ids,
dates of birth and addresses are PHI, and ``--validate`` issues go to report.json and stderr,
so messages are rebuilt from what identifies the error, never from pyx12's text:

- element errors: the element's position (``DMG02``, ``SV101-2``), its name in the
  implementation guide and the rule broken, as the 999 reports it in IK403 (X12 data element
  621, "Implementation Data Element Syntax Error Code");
- segment errors: the segment id and the rule, as in IK304 (data element 620,
  "Implementation Segment Syntax Error Code"); an unrecognised segment id is not repeated;
- envelope errors (ISA/GS/ST/SE: control numbers and counts, never patient data): pyx12's text
  with anything quoted or parenthesised removed, keeping only numbers of segments and counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["element_message", "envelope_message", "segment_message"]

ELEMENT_RULES: Mapping[str, str] = {  # X12 element 621 (999 IK403)
    "1": "required data element missing",
    "2": "conditional required data element missing",
    "3": "too many data elements",
    "4": "data element too short",
    "5": "data element too long",
    "6": "invalid character in data element",
    "7": "invalid code value",
    "8": "invalid date",
    "9": "invalid time",
    "10": "exclusion condition violated",
    "12": "too many repetitions",
    "13": "too many components",
    "I6": "code value not used in this implementation",
    "I9": "implementation dependent data element missing",
    "I10": 'implementation "not used" data element present',
    "I11": "implementation too few repetitions",
    "I12": "implementation pattern match failure",
    "I13": 'implementation dependent "not used" data element present',
}

SEGMENT_RULES: Mapping[str, str] = {  # X12 element 620 (999 IK304)
    "1": "unrecognized segment id",
    "2": "unexpected segment",
    "3": "required segment missing",
    "4": "loop occurs over maximum times",
    "5": "segment exceeds maximum use",
    "6": "segment not in defined transaction set",
    "7": "segment not in proper sequence",
    "8": "segment has data element errors",
    "I4": 'implementation "not used" segment present',
    "I6": "implementation dependent segment missing",
    "I7": "implementation loop occurs under minimum times",
    "I8": "implementation segment below minimum use",
    "I9": 'implementation dependent "not used" segment present',
}

_SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{1,2}$")
_GUIDE_NAME = re.compile(r"^[A-Za-z0-9 ,/()'&.-]{1,80}$")  # guide names, never data
_COUNTS = re.compile(r"Has (\d+), should have (\d+)")
_MAX_LEN = re.compile(r"> (\d+) \(max_len\)")
_MIN_LEN = re.compile(r"< (\d+) \(min_len\)")
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'|\([^)]*\)|\b[A-Z0-9]{2,3}\*\S*")


def _code(error: Mapping[str, Any]) -> str:
    return str(error.get("err_cde") or "").strip()


def _detail(text: str) -> str:
    """Counts and length limits from pyx12's text (numbers of the guide, not the value)."""
    if m := _COUNTS.search(text):
        return f" (has {m.group(1)}, the guide allows {m.group(2)})"
    if m := _MAX_LEN.search(text):
        return f" (maximum length {m.group(1)})"
    if m := _MIN_LEN.search(text):
        return f" (minimum length {m.group(1)})"
    return ""


def element_message(
    segment: str | None, element: Mapping[str, Any], error: Mapping[str, Any]
) -> str:
    """``DMG02 Subscriber Birth Date: invalid date (999 IK403 code 8)``."""
    seg = segment if segment and _SEGMENT_ID.match(segment) else "segment"
    where = f"{seg}{int(element.get('ele_pos') or 0):02d}"
    if element.get("subele_pos"):
        where += f"-{int(element['subele_pos'])}"
    if element.get("repeat_pos"):
        where += f" repetition {int(element['repeat_pos'])}"
    name = str(element.get("name") or "")
    if _GUIDE_NAME.match(name):
        where += f" {name}"
    code = _code(error)
    rule = ELEMENT_RULES.get(code, "data element error")
    text = str(error.get("err_str") or "")
    return f"{where}: {rule}{_detail(text)} (999 IK403 code {code or '?'})"


def segment_message(segment: str | None, error: Mapping[str, Any]) -> str:
    """``N3: segment has data element errors (has 4, the guide allows 2) (999 IK304 code 8)``."""
    code = _code(error)
    known = segment if segment and _SEGMENT_ID.match(segment) and code != "1" else None
    rule = SEGMENT_RULES.get(code, "segment error")
    text = str(error.get("err_str") or "")
    return f"{known or 'segment'}: {rule}{_detail(text)} (999 IK304 code {code or '?'})"


def envelope_message(error: Mapping[str, Any]) -> str:
    """Envelope errors keep pyx12's words, minus anything quoted, bracketed or segment-like."""
    text = str(error.get("err_str") or "envelope error")
    return " ".join(_QUOTED.sub("", text).split()) or "envelope error"
