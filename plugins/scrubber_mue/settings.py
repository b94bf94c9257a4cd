"""The ``[mue]`` payer-profile section: how each MUE class is acted on, per payer.

Only the MUE values and the Medicare indicators are CMS facts; what a clearinghouse does
about a unit count over the MUE is payer policy (where CMS and a payer's own rules differ,
the payer wins), so every choice is a setting with a documented default:

- Medicare MAI 2 ``cap``: the excess "would be considered impossible" and cannot be paid or
  overridden (CMS MUE page; First Coast), so bill the MUE.
- Medicare MAI 3 ``document``: units above the MUE may be allowed on records (CMS MUE page;
  Palmetto GBA A44KL34718), so keep them and send records (PWK).
- Medicare MAI 1 ``flag``: separate lines need a modifier only the provider can justify
  (59, XE/XP/XS/XU, 76, 77, 91, anatomic; CMS FAQ, MLN1783722).
- Medicaid ``document``: keep the units, send the records (PWK) and report an appealable
  finding: each state's Medicaid NCCI methodology carries its own appeal rules (Medicaid NCCI
  methodologies page), and billing the necessary units then appealing with records is what
  billers are told to do. ``split`` (allowed units on one line, the excess on a GD line) is
  Connecticut DSS's review practice, a state profile's choice (samples/profiles/): in a state
  that compares units per line, a GD line would pass on its own, unreviewed.
- Medicaid mode ``per_line``: Medicaid MUE files carry no adjudication indicator and the
  Medicaid NCCI manual's rule could not be read, hence a setting (docs/mue.md).
- ``day_total_key`` ``rendering_npi``: CMS sums units "reported by the same provider for the
  same beneficiary for the same date of service" (CMS FAQ 11344) without defining the
  provider further; First Coast says NCCI edits apply to services "by the same physician".
  On an 837P the performing clinician is the rendering provider (loop 2420A, else 2310B,
  else the billing provider: the TR3 sends 2310B only when it differs from 2010AA).
  ``billing_npi`` and ``billing_tin`` are there for payers that count per billing entity or
  per tax id (docs/mue.md).
- CARC: Medicare ``B5`` (MMP Inc. on Medicare MUE denials), Medicaid ``35`` (MaineCare
  notice); both with RARC ``N362`` "units of service exceeds our acceptable maximum"
  (MMP Inc.; MaineCare). Payers differ (one source cites CARC 151), so all are settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import final

from scrubber import Setting, SettingsSection

__all__ = ["ACTIONS", "DAY_TOTAL_KEYS", "MUE_SECTION", "MueSettings"]

ACTIONS = ("flag", "cap", "split", "document")
MODES = ("per_line", "per_date_of_service")
DAY_TOTAL_KEYS = ("billing_npi", "rendering_npi", "billing_tin")
SERVICE_TYPES = ("practitioner", "outpatient", "dme")

_DEFAULTS: dict[str, Setting] = {
    "service_type": "practitioner",
    "dme_taxonomies": ("332B00000X",),
    "mai1_action": "flag",
    "mai2_action": "cap",
    "mai3_action": "document",
    "medicaid_action": "document",
    "medicaid_mode": "per_line",
    "split_modifier": "59",
    "excess_modifier": "GD",
    "attachment_report_type": "M1",
    "attachment_transmission": "FX",
    "medicare_carc": "B5",
    "medicaid_carc": "35",
    "rarc": "N362",
    "day_total_key": "rendering_npi",
}

MUE_SECTION = SettingsSection(
    name="mue",
    defaults=_DEFAULTS,
    help={
        "service_type": "MUE table for claims not from a DME supplier",
        "dme_taxonomies": "billing taxonomies that select the DME supplier table",
        "mai1_action": "Medicare MAI 1 (line edit): flag | cap | split | document",
        "mai2_action": "Medicare MAI 2 (date of service, policy): flag | cap | split | document",
        "mai3_action": "Medicare MAI 3 (date of service, clinical): flag | cap | split | document",
        "medicaid_action": "Medicaid (no indicator): flag | cap | split | document",
        "medicaid_mode": "Medicaid units compared per_line or per_date_of_service",
        "split_modifier": "modifier on the extra lines when an MAI 1 line is split (59, XU, 76...)",
        "excess_modifier": "modifier on the excess line of a Medicaid split (GD in Connecticut)",
        "day_total_key": "provider whose units a day total sums: billing_npi | rendering_npi | "
        "billing_tin (CMS: same provider, beneficiary and date)",
        "attachment_report_type": "PWK01 report type for MUE documentation (M1 medical record)",
        "attachment_transmission": "PWK02 transmission (FX fax, BM mail, EL electronic, AA)",
        "medicare_carc": "CARC a Medicare payer uses for an MUE denial",
        "medicaid_carc": "CARC a Medicaid payer uses for an MUE denial",
        "rarc": "RARC for an MUE denial (N362: units exceed our acceptable maximum)",
    },
    choices={
        "service_type": SERVICE_TYPES,
        "mai1_action": ACTIONS,
        "mai2_action": ACTIONS,
        "mai3_action": ACTIONS,
        "medicaid_action": ACTIONS,
        "medicaid_mode": MODES,
        "day_total_key": DAY_TOTAL_KEYS,
    },
)


def _text(values: Mapping[str, Setting], key: str) -> str:
    value = values.get(key, _DEFAULTS[key])
    return value if isinstance(value, str) else str(_DEFAULTS[key])


def _texts(values: Mapping[str, Setting], key: str) -> tuple[str, ...]:
    value = values.get(key, _DEFAULTS[key])
    return value if isinstance(value, tuple) else ()


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class MueSettings:
    """The ``[mue]`` section, typed. Missing keys take the defaults above."""

    service_type: str
    dme_taxonomies: tuple[str, ...]
    mai1_action: str
    mai2_action: str
    mai3_action: str
    medicaid_action: str
    medicaid_mode: str
    split_modifier: str
    excess_modifier: str
    attachment_report_type: str
    attachment_transmission: str
    medicare_carc: str
    medicaid_carc: str
    rarc: str
    day_total_key: str
    # the DME taxonomies upper-cased, as a claim's billing taxonomy is compared with them
    dme_taxonomy_keys: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = frozenset(t.upper() for t in self.dme_taxonomies)
        object.__setattr__(self, "dme_taxonomy_keys", keys)  # frozen: set once, here

    @classmethod
    def from_mapping(cls, values: Mapping[str, Setting]) -> MueSettings:
        """Typed settings for a payer's section (edits share one per claim: ``ctx.memo``)."""
        return cls._build(values)

    @classmethod
    def _build(cls, values: Mapping[str, Setting]) -> MueSettings:
        return cls(
            service_type=_text(values, "service_type"),
            dme_taxonomies=_texts(values, "dme_taxonomies"),
            mai1_action=_text(values, "mai1_action"),
            mai2_action=_text(values, "mai2_action"),
            mai3_action=_text(values, "mai3_action"),
            medicaid_action=_text(values, "medicaid_action"),
            medicaid_mode=_text(values, "medicaid_mode"),
            split_modifier=_text(values, "split_modifier"),
            excess_modifier=_text(values, "excess_modifier"),
            attachment_report_type=_text(values, "attachment_report_type"),
            attachment_transmission=_text(values, "attachment_transmission"),
            medicare_carc=_text(values, "medicare_carc"),
            medicaid_carc=_text(values, "medicaid_carc"),
            rarc=_text(values, "rarc"),
            day_total_key=_text(values, "day_total_key"),
        )

    def action_for(self, mai: str) -> str:
        """The action for an indicator (``""``: a table without one, i.e. Medicaid)."""
        return {"1": self.mai1_action, "2": self.mai2_action, "3": self.mai3_action}.get(
            mai, self.medicaid_action
        )

    def carc_for(self, program: str) -> str:
        return self.medicaid_carc if program == "medicaid" else self.medicare_carc
