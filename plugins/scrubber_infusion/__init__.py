"""scrubber_infusion: time units for home infusion (99601/99602) and the other timed infusion
codes (96365/96366, 96413/96415, 96360/96361).

A visit sent as minutes becomes one unit of the primary plus the add-on hours its time earns
(the 31-minute rule), add-ons without their primary and add-on units the time does not support
are errors, and payer caps on hours per day and week are warnings. The code families are
package data (``data/families.toml``); everything that is payer policy is a setting of the
``[infusion]`` profile section. See docs/infusion.md.

This module holds only the hookimpls; the family data is read here, once, at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable

from scrubber import Edit, Explainer, SettingsSection, hookimpl
from scrubber_infusion.edits import make_edits
from scrubber_infusion.explain import make_explainer
from scrubber_infusion.families import load_catalog
from scrubber_infusion.settings import rulebook, settings_section


@hookimpl
def scrubber_edits() -> Iterable[Edit]:
    return make_edits(load_catalog())


@hookimpl
def scrubber_profile_defaults() -> Iterable[SettingsSection]:
    catalog = load_catalog()
    return [settings_section(validate=lambda settings: rulebook(catalog, settings))]


@hookimpl
def scrubber_explainers() -> Iterable[Explainer]:
    return [make_explainer(load_catalog())]
