"""scrubber_x12: the X12 837P (005010X222A1, A2 envelopes) format for claim-scrubber.

Reads 837P files with its own streaming tokenizer into one claim per loop 2300, writes fixed
claims back over the original segments (everything else byte for byte, SE01 recomputed),
validates written output and produces 999 acknowledgments through pyx12 (UTF-16 files are
read and written back in UTF-16: ``scrubber._utf16``), and adds the
XCLM001 edit for claims that exceed the 837P's 50 service lines. A large file is cut at loop
2000B boundaries for ``--jobs N`` (``scrubber_x12.split``).
"""

from __future__ import annotations

from collections.abc import Iterable

from scrubber import Edit, Format, Splitter, hookimpl, utf16_aware
from scrubber_x12.edits import claim_over_fifty_lines
from scrubber_x12.reader import read_837
from scrubber_x12.sniff import sniff_837
from scrubber_x12.split import cut_837, join_837, read_unit, write_unit
from scrubber_x12.validation import acknowledge_837, validate_837
from scrubber_x12.values import MAX_LINES
from scrubber_x12.writer import write_837


@hookimpl
def scrubber_formats() -> Iterable[Format]:
    x12 = Format(
        name="x12",
        description="ASC X12 837P professional claim (005010X222A1; A2 envelopes accepted)",
        sniff=sniff_837,
        read=read_837,
        write=write_837,
        validate=validate_837,
        acknowledge=acknowledge_837,
        max_lines=MAX_LINES,
        split=Splitter(cut=cut_837, read=read_unit, write=write_unit, join=join_837),
    )
    # X12 is ASCII text, read as latin-1; a UTF-16 file (Excel, Windows tools) is read too
    # and written back in UTF-16
    return (utf16_aware(x12, encoding="latin-1"),)


@hookimpl
def scrubber_edits() -> Iterable[Edit]:
    return (claim_over_fifty_lines,)
