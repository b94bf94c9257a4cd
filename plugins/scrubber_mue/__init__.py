"""scrubber_mue: the CMS NCCI Medically Unlikely Edits (MUE) plugin.

It imports the quarterly CMS MUE tables as published (Medicare practitioner, outpatient
hospital and DME supplier CSV/XLSX/ZIP; Medicaid tab-delimited TXT/ZIP), checks each claim's
units against the MUE in force on each line's date of service (per line for MAI 1, per code
per date of service for MAI 2 and 3, by payer profile for Medicaid), and caps, splits or
documents units over it as the payer profile says. ``scrubber explain CODE`` tells the MUE in
force, how it is adjudicated and how it can be appealed. See docs/mue.md.

This module holds only the hook implementations.
"""

from __future__ import annotations

from collections.abc import Iterable

from scrubber import Edit, Explainer, SettingsSection, TableImporter, hookimpl
from scrubber_mue.edits import MUE_EDITS
from scrubber_mue.explain import explain_mue
from scrubber_mue.readers import looks_like_mue, stream_mue_file
from scrubber_mue.settings import MUE_SECTION, SERVICE_TYPES

MUE_IMPORTER = TableImporter(
    name="cms-mue",
    kind="mue",
    recognizes=looks_like_mue,
    parse=stream_mue_file,
    description="CMS NCCI MUE tables: Medicare CSV/XLSX/ZIP, Medicaid TXT/ZIP",
    programs=("medicare", "medicaid"),
    service_types=SERVICE_TYPES,
)


@hookimpl
def scrubber_table_importers() -> Iterable[TableImporter]:
    return (MUE_IMPORTER,)


@hookimpl
def scrubber_edits() -> Iterable[Edit]:
    return MUE_EDITS


@hookimpl
def scrubber_profile_defaults() -> Iterable[SettingsSection]:
    return (MUE_SECTION,)


@hookimpl
def scrubber_explainers() -> Iterable[Explainer]:
    return (Explainer(name="mue", explain=explain_mue, order=20),)
