"""FHIR version choice and model validation.

``fhir.resources`` 8 is R5 by default; R4 Claims are validated with ``fhir.resources.R4B``
(there is no R4 subpackage, and R4 and R4B Claim have the same elements; see docs/fhir.md).
The R5 model also accepts R4-shaped JSON, so the version is always chosen by the
``fhir_version`` option and never guessed by trial parsing.

Only when a Claim cannot be read in the chosen version does ``looks_like`` look for elements
that exist in another one (STU3 ``item.service``, DSTU2's coded ``type``, R5
``traceNumber``), so the message can say which version the Claim looks like and which
versions are read, instead of a validation error about an element R4 never had.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, final

from pydantic import ValidationError

from scrubber import AdapterError

__all__ = [
    "FhirVersion",
    "Options",
    "Problem",
    "looks_like",
    "options_of",
    "other_version_problem",
    "pointer",
    "validation_problem",
]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """Why a Claim cannot be used: where (JSON pointer) and what (no input values: the
    offending value could be a member id)."""

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer}: {self.message}"


UNKNOWN_RESOURCE = "a resource (contained or nested) of unknown or non-text resourceType"
_PACKAGES = {"r4": "fhir.resources.R4B", "r5": "fhir.resources"}


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class FhirVersion:
    """One supported FHIR version: its option name and where its models live."""

    name: str
    package: str

    def model(self, resource: str) -> Any:
        """The model class for *resource* (``Claim``, ``ClaimResponse``) in this version."""
        return _model(self.package, resource)

    def validate_claim(self, tree: Mapping[str, Any], at: str = "") -> Problem | None:
        """None if *tree* is a valid Claim in this version, else the first problem with its
        JSON pointer (``/item/0/productOrService``, prefixed with *at*)."""
        try:
            self.model("Claim").model_validate(tree)
        except ValidationError as exc:
            return validation_problem(exc, at)
        except (KeyError, TypeError, RecursionError):
            # fhir.resources' resource-type lookup raises these for a contained resource whose
            # resourceType is unknown or not a string, instead of a ValidationError.
            return Problem(pointer=at or "/", message=UNKNOWN_RESOURCE)
        return None

    def validate_claim_json(self, text: str | bytes, at: str = "") -> Problem | None:
        """Like ``validate_claim`` on JSON text (what the sender wrote, not our parse of it)."""
        try:
            self.model("Claim").model_validate_json(text)
        except ValidationError as exc:
            return validation_problem(exc, at)
        except (KeyError, TypeError, RecursionError):
            # fhir.resources' resource-type lookup raises these for a contained resource whose
            # resourceType is unknown or not a string, instead of a ValidationError.
            return Problem(pointer=at or "/", message=UNKNOWN_RESOURCE)
        return None


@cache
def _model(package: str, resource: str) -> Any:
    module = importlib.import_module(f"{package}.{resource.lower()}")
    return getattr(module, resource)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    """The format options as the adapter uses them (the CLI passes strings)."""

    version: FhirVersion
    fast: bool
    findings: bool = False


def options_of(options: Mapping[str, str]) -> Options:
    """Read ``fhir_version`` (``r4`` default, or ``r5``), ``fast`` and ``findings``
    (``true``/``false``)."""
    name = (options.get("fhir_version") or "r4").strip().lower()
    if name in {"r4b", "4.0.1", "4.3.0"}:
        name = "r4"
    if name in {"5.0.0"}:
        name = "r5"
    if name not in _PACKAGES:
        raise AdapterError(
            f"unknown fhir_version {name!r} (use r4 or r5)", position="option fhir_version"
        )
    return Options(
        version=FhirVersion(name=name, package=_PACKAGES[name]),
        fast=_flag(options, "fast"),
        findings=_flag(options, "findings"),
    )


def _flag(options: Mapping[str, str], name: str) -> bool:
    text = (options.get(name) or "false").strip().lower()
    if text not in {"true", "false", "1", "0", "yes", "no"}:
        raise AdapterError(
            f"option {name} must be true or false, got {text!r}", position=f"option {name}"
        )
    return text in {"true", "1", "yes"}


def pointer(loc: tuple[int | str, ...], at: str = "") -> str:
    """A pydantic error location as a JSON pointer (RFC 6901 escaping)."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in loc]
    return (at.rstrip("/") + "/" + "/".join(parts)) if parts else (at or "/")


def validation_problem(exc: ValidationError, at: str) -> Problem:
    """The first validation error's JSON pointer and message (never the input value)."""
    errors = exc.errors(include_url=False, include_input=False)
    if not errors:  # pragma: no cover - pydantic always reports at least one error
        return Problem(pointer=at or "/", message="not a valid Claim")
    first = errors[0]
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return Problem(pointer=pointer(loc, at), message=f"{first['msg']}{more}")


READ_VERSIONS = "FHIR R4/R4B (fhir_version r4, the default) and R5 (fhir_version r5)"

# Elements that exist in one Claim version and not in R4 (HL7 FHIR Claim pages of DSTU2 1.0.2,
# STU3 3.0.2, R4 4.0.1 and R5 5.0.0, and their published R4/R5 difference).
_DSTU2_CLAIM = ("target", "ruleset", "originalRuleset", "coverage", "missingTeeth", "school")
_STU3_CLAIM = ("information", "organization", "employmentImpacted", "hospitalization")
_STU3_ITEM = ("service", "careTeamLinkId", "diagnosisLinkId", "informationLinkId")
_R5_CLAIM = ("traceNumber", "event", "diagnosisRelatedGroup", "patientPaid", "encounter")
_R5_ITEM = ("traceNumber", "productOrServiceEnd", "patientPaid", "tax", "request")
_R4_ITEM = ("subSite",)


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def looks_like(tree: Mapping[str, Any], reading: str = "r4") -> tuple[str, list[str]] | None:
    """``(version, evidence)`` when *tree* has elements of another FHIR version than
    *reading* (``r4`` or ``r5``): ``("STU3", ["item.service"])``; None when nothing points
    elsewhere. *evidence* names elements, never values."""
    items = _dicts(tree.get("item"))
    item_keys = {key for item in items for key in item}

    def found(claim_keys: tuple[str, ...], in_items: tuple[str, ...]) -> list[str]:
        return [k for k in claim_keys if k in tree] + [
            f"item.{k}" for k in in_items if k in item_keys
        ]

    services = [s for item in items for s in _dicts(item.get("service"))]
    dstu2 = found(_DSTU2_CLAIM, ())
    if isinstance(tree.get("type"), str):
        dstu2.insert(0, "type as a code")
    if any("coding" not in s and ("code" in s or "system" in s) for s in services):
        dstu2.append("item.service as a Coding")
    if dstu2:
        return "DSTU2", dstu2
    stu3 = found(_STU3_CLAIM, _STU3_ITEM)
    if stu3:
        return "STU3", stu3
    if "subject" in tree and "patient" not in tree:  # the R6 ballot renames Claim.patient
        return "R6 (draft)", ["subject"]
    if reading == "r4":
        r5 = found(_R5_CLAIM, _R5_ITEM)
        return ("R5", r5) if r5 else None
    r4 = found((), _R4_ITEM)
    if any("packageCode" in d for d in _dicts(tree.get("diagnosis"))):
        r4.append("diagnosis.packageCode")
    if any("qualification" in c for c in _dicts(tree.get("careTeam"))):
        r4.append("careTeam.qualification")
    return ("R4", r4) if r4 else None


def other_version_problem(tree: Mapping[str, Any], reading: str, at: str = "") -> Problem | None:
    """The problem to report for a Claim that looks like another FHIR version, or None."""
    guess = looks_like(tree, reading)
    if guess is None:
        return None
    version, evidence = guess
    if version in ("R4", "R5"):
        advice = f"read it with fhir_version {version.lower()}"
    elif version.startswith("R6"):
        advice = f"this scrubber reads {READ_VERSIONS}"
    else:
        advice = f"this scrubber reads {READ_VERSIONS}; convert it to R4 first"
    return Problem(
        pointer=at or "/",
        message=f"looks like a FHIR {version} Claim ({', '.join(evidence[:4])}); {advice}",
    )
