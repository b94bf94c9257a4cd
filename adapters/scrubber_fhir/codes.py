"""Code systems and extension URLs the FHIR adapter reads and writes.

Code-system URIs are HL7 Terminology (THO) canonical URLs: CPT
``http://www.ama-assn.org/go/cpt`` (OID 2.16.840.1.113883.6.12) and HCPCS Level II
``http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets`` (OID 2.16.840.1.113883.6.285);
senders also write the https form and the ``urn:oid:`` form, so all three are accepted.
X12 code lists are published as FHIR code systems under ``https://codesystem.x12.org/005010/``
(PWK01 report type = element 755, used by Da Vinci PAS / CDex value sets).

No US implementation guide covers submitting professional claims as FHIR Claim,
so the few things base FHIR has no element for travel in extensions defined here and
documented in docs/fhir.md.
"""

from __future__ import annotations

__all__ = [
    "CLAIM_INFO_CATEGORY",
    "CLAIM_TYPE_SYSTEMS",
    "CPT_SYSTEMS",
    "EDIT_CODE_SYSTEM",
    "EIN_SYSTEM",
    "EXT_FILING_INDICATOR",
    "EXT_FINDING",
    "EXT_LINE_CONTROL_NUMBER",
    "EXT_SPLIT_FROM",
    "FILING_INDICATORS",
    "HCPCS_SYSTEMS",
    "NPI_SYSTEM",
    "POS_SYSTEM",
    "SID_ATTACHMENT_CONTROL_NUMBER",
    "SOP_MEDICAID",
    "SOP_MEDICARE",
    "SOURCE_OF_PAYMENT_SYSTEMS",
    "TIME_UNITS_IN_MINUTES",
    "UCUM",
    "X12_FILING_INDICATOR_SYSTEM",
    "X12_REPORT_TYPE_SYSTEM",
    "X12_TRANSMISSION_SYSTEM",
    "code_system_of",
]

BASE = "https://claim-scrubber.dev/fhir"

#: Claim or Claim.insurance extension, valueCode = X12 claim filing indicator (SBR09,
#: element 1032: MC Medicaid, MB Medicare Part B, CI commercial ...). Wins over Coverage.type.
EXT_FILING_INDICATOR = f"{BASE}/StructureDefinition/claim-filing-indicator"
#: Claim.item extension, valueString = line item control number (837P REF*6R). R4 items have
#: no identifier; R5 ``item.traceNumber`` is read too.
EXT_LINE_CONTROL_NUMBER = f"{BASE}/StructureDefinition/line-control-number"
#: Claim.item extension on every part of a split line, valueInteger = the ``sequence`` the
#: item had in the input, so remittance can be matched back to what was sent.
EXT_SPLIT_FROM = f"{BASE}/StructureDefinition/split-from"
#: Claim or Claim.item complex extension (format option ``findings``): one scrubber finding,
#: sub-extensions code, severity, message, line, citation, carc, rarc.
EXT_FINDING = f"{BASE}/StructureDefinition/scrubber-finding"
#: ClaimResponse.error.code system: the scrubber's edit codes (MUE001, INF002, SCR001 ...).
EDIT_CODE_SYSTEM = f"{BASE}/CodeSystem/edit-code"
#: Reference.identifier system for an attachment control number (PWK06).
SID_ATTACHMENT_CONTROL_NUMBER = f"{BASE}/sid/attachment-control-number"

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
#: US employer identification number (the billing provider's TIN, 837P 2010AA REF*EI).
EIN_SYSTEM = "http://hl7.org/fhir/sid/us-ein"
UCUM = "http://unitsofmeasure.org"
POS_SYSTEM = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
CLAIM_INFO_CATEGORY = "http://terminology.hl7.org/CodeSystem/claiminformationcategory"
#: ``Claim.type`` code system (R4/R5 THO ``claim-type``; STU3 used ``ex-claimtype``): codes
#: institutional, oral, pharmacy, professional, vision.
CLAIM_TYPE_SYSTEMS = frozenset(
    {"http://terminology.hl7.org/CodeSystem/claim-type", "http://hl7.org/fhir/ex-claimtype"}
)
X12_REPORT_TYPE_SYSTEM = "https://codesystem.x12.org/005010/755"
X12_TRANSMISSION_SYSTEM = "https://codesystem.x12.org/005010/756"
X12_FILING_INDICATOR_SYSTEM = "https://codesystem.x12.org/005010/1032"

CPT_SYSTEMS = frozenset(
    {
        "http://www.ama-assn.org/go/cpt",
        "https://www.ama-assn.org/go/cpt",
        "urn:oid:2.16.840.1.113883.6.12",
    }
)
HCPCS_SYSTEMS = frozenset(
    {
        "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
        "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
        "urn:oid:2.16.840.1.113883.6.285",
    }
)
CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
HCPCS_SYSTEM = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"

#: X12 element 1032 values that name a program the profiles know (scrubber._profiles).
FILING_INDICATORS = frozenset(
    {"11", "12", "13", "14", "15", "16", "17", "AM", "BL", "CH", "CI", "DS", "FI", "HM"}
    | {"LM", "MA", "MB", "MC", "OF", "TV", "VA", "WC", "ZZ"}
)
#: PHDSC Source of Payment Typology (urn:oid:2.16.840.1.113883.3.221.5), the US Core value
#: set for Coverage.type: top-level 1 = Medicare, 2 = Medicaid (and their sub-codes 11, 21 ...).
SOURCE_OF_PAYMENT_SYSTEMS = frozenset(
    {"urn:oid:2.16.840.1.113883.3.221.5", "https://nahdo.org/sopt"}
)
SOP_MEDICARE = "1"
SOP_MEDICAID = "2"

#: UCUM time units a quantity may be sent in, and their length in minutes.
TIME_UNITS_IN_MINUTES = {"min": 1, "h": 60}


def code_system_of(system: str | None) -> str | None:
    """``CPT`` or ``HCPCS`` for a procedure code system URI (any accepted variant), else None."""
    if not isinstance(system, str):  # --fast maps unvalidated JSON: an object is no system
        return None
    if system in CPT_SYSTEMS:
        return "CPT"
    if system in HCPCS_SYSTEMS:
        return "HCPCS"
    return None
