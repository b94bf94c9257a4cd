"""scrubber_fhir: the built-in HL7 FHIR Claim adapter (R4 via fhir.resources.R4B, or R5).

Registers one format, ``fhir``: a Claim, a Bundle of Claims or NDJSON, as JSON or XML. Claims
no edit changed are written back byte for byte; fixed Claims are rendered over their JSON
tree (split items, quantities, net, notes and attachments as supportingInfo) and validated
with fhir.resources. ``respond`` writes one ClaimResponse per Claim (``--response``);
``validate`` checks written Claims with fhir.resources (``--validate``). A large NDJSON
file is cut at line boundaries for ``--jobs N`` (``split``).
See docs/fhir.md.
"""

from __future__ import annotations

from collections.abc import Iterable

from scrubber import Format, Splitter, hookimpl, utf16_aware

from .reader import read
from .response import respond
from .sniff import sniff
from .split import cut_ndjson, join_ndjson, read_unit, write_unit
from .validation import validate
from .writer import write


@hookimpl
def scrubber_formats() -> Iterable[Format]:
    # FHIR JSON/XML is UTF-8; a UTF-16 file is read too and written back in UTF-16
    fhir = Format(
        name="fhir",
        description="HL7 FHIR Claim: JSON, Bundle, NDJSON or XML (R4 or R5)",
        sniff=sniff,
        read=read,
        write=write,
        respond=respond,
        validate=validate,
        split=Splitter(cut=cut_ndjson, read=read_unit, write=write_unit, join=join_ndjson),
        options={
            "fhir_version": "r4 (default, validated with fhir.resources.R4B) or r5",
            "fast": "true: skip fhir.resources validation of JSON and work on the tree only",
            "findings": "true: carry each finding in the written Claim (scrubber-finding "
            "extension on the item or the Claim); Claims with findings are rewritten",
        },
    )
    return [utf16_aware(fhir, encoding="utf-8")]
