"""Payer profiles: which program a claim falls under and how each plugin should act for it.

A profile is a TOML file (``--profile``)::

    [defaults]                      # every payer
    program = "medicare"            # when the claim filing indicator does not tell
    [defaults.mue]
    mai3_action = "document"

    [[payer]]                       # first match wins: payer id, then filing indicator
    name = "ct-medicaid"
    payer_ids = ["CTMCD01"]
    filing_indicators = ["MC"]
    program = "medicaid"
    state = "CT"
    [payer.mue]
    medicaid_mode = "per_date_of_service"

Plugins contribute the sections and their defaults (hook ``scrubber_profile_defaults``); a
key that no plugin declares, or a value of the wrong type, is a ``ProfileError`` naming it.
Program from the claim filing indicator (SBR09, X12 element 1032): ``MA``/``MB`` Medicare
Part A/B, ``MC`` Medicaid; anything else uses ``defaults.program`` (Medicare by default,
because commercial payers commonly adopt the Medicare NCCI edits; set it per payer).
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, final

from scrubber._errors import ProfileError
from scrubber._models import Claim

__all__ = ["PayerProfile", "Profile", "SettingsSection", "load_profile"]

FILING_INDICATOR_PROGRAMS = {"MA": "medicare", "MB": "medicare", "MC": "medicaid"}
PROGRAMS = ("medicare", "medicaid")
_PAYER_KEYS = {"name", "payer_ids", "filing_indicators", "program", "state"}
_DEFAULT_KEYS = {"program", "state"}

Setting = str | int | float | bool | tuple[str, ...]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class SettingsSection:
    """A plugin's profile section: its settings, their defaults, and a line of help each."""

    name: str
    defaults: Mapping[str, Setting]
    help: Mapping[str, str] = field(default_factory=dict)
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Checks that span settings or need the plugin's data (e.g. a family an override names);
    # raises ProfileError, so a bad profile fails at load (exit 2), not on the first claim.
    validate: Callable[[Mapping[str, Setting]], object] | None = None


_NO_SETTINGS: Mapping[str, Setting] = MappingProxyType({})  # read-only, so one serves all


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class PayerProfile:
    """The effective settings for one payer (what an edit sees as ``ctx.payer``)."""

    name: str
    program: str | None  # None: decided per claim from the filing indicator
    state: str
    sections: Mapping[str, Mapping[str, Setting]]

    def settings(self, section: str) -> Mapping[str, Setting]:
        return self.sections.get(section, _NO_SETTINGS)

    def program_for(self, claim: Claim, default: str) -> str:
        if self.program:
            return self.program
        indicator = (claim.filing_indicator or "").upper()
        return FILING_INDICATOR_PROGRAMS.get(indicator, default)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class _PayerRule:
    profile: PayerProfile
    payer_ids: frozenset[str]
    filing_indicators: frozenset[str]


class Profile:
    """A loaded profile: resolves each claim to its ``PayerProfile``."""

    def __init__(
        self,
        *,
        default: PayerProfile,
        default_program: str,
        payers: Sequence[_PayerRule] = (),
        source: str = "<built-in defaults>",
        help: Mapping[str, Mapping[str, str]] | None = None,
        sha256: str = "",
    ) -> None:
        self.sha256 = sha256  # of the TOML text (UTF-8), "" for the built-in defaults
        self.default = default
        self.default_program = default_program
        self._payers = tuple(payers)
        self.source = source
        self._help = help or {}

    @property
    def payers(self) -> tuple[PayerProfile, ...]:
        return tuple(rule.profile for rule in self._payers)

    def for_claim(self, claim: Claim) -> PayerProfile:
        """First payer whose ids hold the claim's payer id, else whose filing indicators
        hold its SBR09, else the defaults."""
        payer_id = claim.payer_id or ""
        for rule in self._payers:
            if payer_id and payer_id in rule.payer_ids:
                return rule.profile
        indicator = (claim.filing_indicator or "").upper()
        for rule in self._payers:
            if indicator and indicator in rule.filing_indicators:
                return rule.profile
        return self.default

    def program_for(self, claim: Claim) -> str:
        return self.for_claim(claim).program_for(claim, self.default_program)

    def for_program(self, program: str) -> PayerProfile:
        """A payer profile for *program* (``scrubber explain`` has no claim to resolve)."""
        for payer in self.payers:
            if payer.program == program:
                return payer
        return self.default

    def describe(self) -> str:
        """The effective settings as TOML, for ``scrubber profile show``."""
        out = [f"# effective profile from {self.source}", "[defaults]"]
        out.append(f"program = {_toml(self.default_program)}")
        out.append(f"state = {_toml(self.default.state)}")
        out.extend(_describe_sections("defaults", self.default.sections, self._help))
        for rule in self._payers:
            p = rule.profile
            out += ["", "[[payer]]", f"name = {_toml(p.name)}"]
            out.append(f"payer_ids = {_toml(tuple(sorted(rule.payer_ids)))}")
            out.append(f"filing_indicators = {_toml(tuple(sorted(rule.filing_indicators)))}")
            if p.program:
                out.append(f"program = {_toml(p.program)}")
            out.append(f"state = {_toml(p.state)}")
            out.extend(_describe_sections("payer", p.sections, {}))
        return "\n".join(out) + "\n"


def _describe_sections(
    prefix: str,
    sections: Mapping[str, Mapping[str, Setting]],
    help: Mapping[str, Mapping[str, str]],
) -> list[str]:
    out: list[str] = []
    for name in sorted(sections):
        out.append(f"[{prefix}.{name}]")
        for key, value in sorted(sections[name].items()):
            text = help.get(name, {}).get(key)
            out.append(f"{key} = {_toml(value)}" + (f"  # {text}" if text else ""))
    return out


def _toml(value: Setting) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check_value(where: str, value: Any, default: Setting, choices: tuple[str, ...]) -> Setting:
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ProfileError(f"{where} must be a list of strings", position=where)
        return tuple(value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ProfileError(f"{where} must be true or false", position=where)
        return value
    if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if type(value) is not type(default):
        raise ProfileError(
            f"{where} must be {type(default).__name__}, got {type(value).__name__}",
            position=where,
        )
    if choices and value not in choices:
        raise ProfileError(f"{where} must be one of {', '.join(choices)}", position=where)
    return value  # checked against the default's type above


def _sections(
    where: str,
    table: Mapping[str, Any],
    known: Mapping[str, SettingsSection],
    base: Mapping[str, Mapping[str, Setting]],
) -> dict[str, Mapping[str, Setting]]:
    merged = {name: dict(values) for name, values in base.items()}
    for name, values in table.items():
        if name not in known:
            raise ProfileError(
                f"unknown section [{where}.{name}] (known: {', '.join(sorted(known)) or 'none'})",
                position=f"{where}.{name}",
            )
        if not isinstance(values, dict):
            raise ProfileError(f"{where}.{name} must be a table", position=f"{where}.{name}")
        spec = known[name]
        for key, value in values.items():
            path = f"{where}.{name}.{key}"
            if key not in spec.defaults:
                raise ProfileError(f"unknown setting {path}", position=path)
            merged[name][key] = _check_value(
                path, value, spec.defaults[key], spec.choices.get(key, ())
            )
    for name in table:
        check = known[name].validate
        if check is not None:
            try:
                check(MappingProxyType(merged[name]))
            except ProfileError as exc:
                exc.position = f"{where}.{exc.position or name}"
                raise
    return {name: MappingProxyType(values) for name, values in merged.items()}


def _string_list(where: str, value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProfileError(f"{where} must be a list of strings", position=where)
    return frozenset(v.upper() if where.endswith("filing_indicators") else v for v in value)


def _program(where: str, value: Any) -> str:
    if value not in PROGRAMS:
        raise ProfileError(f"{where} must be one of {', '.join(PROGRAMS)}", position=where)
    return str(value)


def load_profile(
    text: str | None, sections: Iterable[SettingsSection], *, source: str = "<profile>"
) -> Profile:
    """Build a profile from TOML *text* (None: plugin defaults only) and the plugins'
    settings sections. Raises ``ProfileError`` with the key path on any problem."""
    known = {s.name: s for s in sections}
    base = {name: MappingProxyType(dict(s.defaults)) for name, s in known.items()}
    helps = {name: s.help for name, s in known.items()}
    if text is None:
        default = PayerProfile(name="defaults", program=None, state="", sections=base)
        return Profile(default=default, default_program="medicare", help=helps)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"not valid TOML: {exc}", source=source) from None
    try:
        profile = _build(data, known, base, source, helps)
    except ProfileError as exc:
        exc.source = source
        raise
    # the report records which profile text a run used, so the run can be reproduced
    profile.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return profile


def _build(
    data: Mapping[str, Any],
    known: Mapping[str, SettingsSection],
    base: Mapping[str, Mapping[str, Setting]],
    source: str,
    helps: Mapping[str, Mapping[str, str]],
) -> Profile:
    unknown = set(data) - {"defaults", "payer"}
    if unknown:
        key = sorted(unknown)[0]
        raise ProfileError(
            f"unknown top-level key {key!r} (use [defaults] or [[payer]])", position=key
        )
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ProfileError("defaults must be a table", position="defaults")
    plain = {k: v for k, v in defaults.items() if not isinstance(v, dict)}
    for key in set(plain) - _DEFAULT_KEYS:
        raise ProfileError(f"unknown setting defaults.{key}", position=f"defaults.{key}")
    default_program = _program("defaults.program", plain.get("program", "medicare"))
    state = str(plain.get("state", ""))
    nested = {k: v for k, v in defaults.items() if isinstance(v, dict)}
    default_sections = _sections("defaults", nested, known, base)
    default = PayerProfile(name="defaults", program=None, state=state, sections=default_sections)

    payers = data.get("payer", [])
    if not isinstance(payers, list):
        raise ProfileError("payer must be an array of tables ([[payer]])", position="payer")
    rules = []
    for n, payer in enumerate(payers):
        where = f"payer[{n}]"
        plain = {k: v for k, v in payer.items() if not isinstance(v, dict)}
        for key in set(plain) - _PAYER_KEYS:
            raise ProfileError(f"unknown setting {where}.{key}", position=f"{where}.{key}")
        name = str(plain.get("name", f"payer-{n + 1}"))
        program = plain.get("program")
        nested = {k: v for k, v in payer.items() if isinstance(v, dict)}
        profile = PayerProfile(
            name=name,
            program=None if program is None else _program(f"{where}.program", program),
            state=str(plain.get("state", state)),
            sections=_sections(where, nested, known, default_sections),
        )
        rules.append(
            _PayerRule(
                profile=profile,
                payer_ids=_string_list(f"{where}.payer_ids", plain.get("payer_ids", [])),
                filing_indicators=_string_list(
                    f"{where}.filing_indicators", plain.get("filing_indicators", [])
                ),
            )
        )
    return Profile(
        default=default, default_program=default_program, payers=rules, source=source, help=helps
    )
