"""The claim model every adapter reads into and every edit looks at.

Frozen, slotted, keyword-only dataclasses; ``Decimal`` for money and units; tuples, never
lists. The model holds claim *meaning* only. Where a value came from in the input is kept in
``source`` (a segment number or JSON pointer) so that findings can point back at it; the bytes
themselves stay with the adapter, which is how untouched claims are written back byte for byte.

Patient and subscriber keys are opaque strings kept out of ``repr`` so they never reach a log.

Validation happens once, where data enters: the constructors check every field (what a
plugin author or a test calls), and an adapter that has already checked what it read builds
lines and claims with ``ServiceLine.trusted`` / ``Claim.trusted``, which set the same
fields without checking them again (about half the cost on the read path of a large batch).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any, final

__all__ = ["Attachment", "Claim", "ServiceLine", "SourceRef", "opaque_key"]

MAX_MODIFIERS = 4  # SV101-3..6 in 837P; four modifiers on a CMS-1500 line


def opaque_key(*parts: str) -> str:
    """The value adapters put in ``patient_key`` / ``subscriber_key``: a stable,
    non-reversible key (SHA-256 of the parts, 24 hex digits) that groups one beneficiary's
    claims without carrying who it is; ``""`` when every part is empty."""
    if not any(parts):
        return ""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRef:
    """Where something came from in the input: ``"segment 27"``, ``"/entry/0/resource"``.

    ``format`` names the adapter that read it (``x12``, ``fhir``). ``max_lines`` is the most
    service lines one claim of that format may hold (``Format.max_lines``: 50 for an 837P),
    None for no limit: edits that add lines read it instead of testing a format name."""

    locator: str
    index: int | None = None
    format: str = ""
    max_lines: int | None = None

    def __str__(self) -> str:
        return self.locator

    @classmethod
    def trusted(
        cls, locator: str, index: int | None, format: str, max_lines: int | None = None
    ) -> SourceRef:
        """A reference made by an adapter on its read path (see ``ServiceLine.trusted``)."""
        ref: SourceRef = _MAKE_SOURCE(locator, index, format, max_lines)
        return ref

    @classmethod
    def trusted_maker(cls, *names: str) -> Callable[..., SourceRef]:
        """``make(*values)``: references from values given by position, in the order of the
        field *names* (see ``ServiceLine.trusted_maker``)."""
        return _taking_maker(cls, names)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """A supporting document that travels with the claim (X12 PWK, FHIR supportingInfo).

    ``report_type`` is the X12 PWK01 code (e.g. ``09`` progress report, ``M1`` medical record
    attachment, ``OZ`` support data for claim); ``transmission`` is PWK02 (``AA`` available on
    request, ``BM`` by mail, ``EL`` electronically only, ``FX`` by fax ...). An attachment
    control number is only sent when the transmission is not ``AA``.
    """

    report_type: str
    transmission: str
    control_number: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        if not self.report_type:
            raise ValueError("Attachment.report_type must not be empty")
        if not self.transmission:
            raise ValueError("Attachment.transmission must not be empty")
        if self.transmission == "AA" and self.control_number:
            raise ValueError(
                "Attachment.control_number must be empty when transmission is AA "
                "(available on request at the provider site)"
            )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceLine:
    """One service line: 837P loop 2400, FHIR ``Claim.item``.

    ``number`` is the line's position in the claim (LX01 / item.sequence), renumbered 1..n
    after fixes; ``origin`` is the number of the *input* line it descends from, kept through
    splits so a writer can copy that line's sub-loops and remittance can be matched back.
    ``minutes`` is the time given for a timed service (SV103 = MJ, a UCUM ``min``/``h``
    quantity, or a start/end period), or None when no time was given.
    """

    number: int
    code: str
    units: Decimal
    charge: Decimal
    service_from: date
    code_system: str = "HC"
    modifiers: tuple[str, ...] = ()
    unit_basis: str = "UN"
    minutes: Decimal | None = None
    service_to: date | None = None
    start: datetime | None = None
    end: datetime | None = None
    place_of_service: str | None = None
    diagnosis_pointers: tuple[int, ...] = ()
    control_number: str | None = None
    rendering_npi: str | None = None
    note: str | None = None
    attachments: tuple[Attachment, ...] = ()
    origin: int = 0
    source: SourceRef | None = None

    def __post_init__(self) -> None:
        # One combined test on the common (valid) path: every adapter builds a line per
        # input line, so this runs millions of times on a large batch. _problem() names it.
        if (
            self.number < 1
            or not self.code
            or not isinstance(self.units, Decimal)
            or not isinstance(self.charge, Decimal)
            or self.units < 0
            or self.charge < 0
            or len(self.modifiers) > MAX_MODIFIERS
            or (self.minutes is not None and self.minutes < 0)
            or (self.service_to is not None and self.service_to < self.service_from)
        ):
            raise ValueError(self._problem())
        if self.origin == 0:
            object.__setattr__(self, "origin", self.number)

    def _problem(self) -> str:
        if self.number < 1:
            return f"ServiceLine.number must be 1 or more, got {self.number}"
        if not self.code:
            return f"ServiceLine.code must not be empty (line {self.number})"
        if not isinstance(self.units, Decimal) or not isinstance(self.charge, Decimal):
            return f"ServiceLine.units and .charge must be Decimal (line {self.number})"
        if self.units < 0:
            return f"ServiceLine.units must not be negative (line {self.number})"
        if self.charge < 0:
            return f"ServiceLine.charge must not be negative (line {self.number})"
        if len(self.modifiers) > MAX_MODIFIERS:
            return f"ServiceLine.modifiers holds at most {MAX_MODIFIERS} (line {self.number})"
        if self.minutes is not None and self.minutes < 0:
            return f"ServiceLine.minutes must not be negative (line {self.number})"
        return f"ServiceLine.service_to is before service_from (line {self.number})"

    @classmethod
    def trusted(
        cls,
        *,
        number: int,
        code: str,
        units: Decimal,
        charge: Decimal,
        service_from: date,
        code_system: str = "HC",
        modifiers: tuple[str, ...] = (),
        unit_basis: str = "UN",
        minutes: Decimal | None = None,
        service_to: date | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        place_of_service: str | None = None,
        diagnosis_pointers: tuple[int, ...] = (),
        control_number: str | None = None,
        rendering_npi: str | None = None,
        note: str | None = None,
        attachments: tuple[Attachment, ...] = (),
        origin: int = 0,
        source: SourceRef | None = None,
    ) -> ServiceLine:
        """A line from values the caller has already validated (an adapter's reader): the
        same fields as the constructor, none of its checks. Plugins use the constructor."""
        line: ServiceLine = _MAKE_LINE(
            number, code, units, charge, service_from, code_system, modifiers, unit_basis,
            minutes, service_to, start, end, place_of_service, diagnosis_pointers,
            control_number, rendering_npi, note, attachments, origin or number, source,
        )  # fmt: skip
        return line

    @classmethod
    def trusted_maker(cls, *names: str) -> Callable[..., ServiceLine]:
        """``make(*values)``: a function that makes lines from values the caller has already
        validated, as ``trusted`` does, given by position in the order of the field *names*;
        the fields not named hold their defaults (``origin`` the line's number).

        For a reader's hot path: a call with twenty keywords costs about three times the
        same call by position (each keyword is matched to its parameter by name), and a
        reader that names its fields once, here, cannot put a value in the wrong field by
        position. ``TypeError`` for a name that is not a field, a repeated name, or a field
        without a default (``number``, ``code``, ``units``, ``charge``, ``service_from``)
        left out. Made once per class and names."""
        return _taking_maker(cls, names)

    @property
    def service_date(self) -> date:
        """The date of service an MUE counts against (the first date of a range)."""
        return self.service_from


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """One professional claim: 837P loop 2300 with its context, or one FHIR ``Claim``.

    ``filing_indicator`` is SBR09 (MC Medicaid, MB Medicare Part B, CI commercial ...) or the
    FHIR insurance type; payer profiles resolve a claim by it and by ``payer_id``.
    ``billing_taxonomy`` lets the MUE plugin tell a DME supplier (332B00000X) from a
    practitioner. ``billing_tin`` is the billing provider's employer identification number
    (837P loop 2010AA REF*EI; a FHIR identifier with system
    ``http://hl7.org/fhir/sid/us-ein``), one of the keys a day total can be summed by.
    ``patient_key`` and ``subscriber_key`` are opaque (e.g. a hash of the member
    id) and used only to group claims of one beneficiary; they are never printed.
    ``frequency_code`` is CLM05-3 (``1`` original, ``7`` replacement, ``8`` void); for a
    replacement or void, ``original_ref`` names the claim it stands in for (REF*F8, the payer
    claim control number; FHIR ``Claim.related.claim``), so day totals count it once.
    """

    id: str
    lines: tuple[ServiceLine, ...]
    total_charge: Decimal
    patient_key: str = field(default="", repr=False)
    subscriber_key: str = field(default="", repr=False)
    billing_npi: str | None = None
    billing_taxonomy: str | None = None
    rendering_npi: str | None = None
    billing_tin: str | None = field(default=None, repr=False)
    payer_id: str | None = None
    payer_name: str | None = None
    filing_indicator: str | None = None
    frequency_code: str = "1"
    original_ref: str | None = None
    place_of_service: str | None = None
    diagnosis_codes: tuple[str, ...] = ()
    note: str | None = None
    attachments: tuple[Attachment, ...] = ()
    source: SourceRef | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("Claim.id must not be empty")
        if not isinstance(self.total_charge, Decimal):
            raise ValueError(f"Claim.total_charge must be Decimal (claim {self.id})")
        for expected, line in enumerate(self.lines, 1):
            if line.number != expected:
                raise ValueError(f"Claim.lines must be numbered 1..n in order (claim {self.id})")

    @classmethod
    def trusted(
        cls,
        *,
        id: str,
        lines: tuple[ServiceLine, ...],
        total_charge: Decimal,
        patient_key: str = "",
        subscriber_key: str = "",
        billing_npi: str | None = None,
        billing_taxonomy: str | None = None,
        rendering_npi: str | None = None,
        billing_tin: str | None = None,
        payer_id: str | None = None,
        payer_name: str | None = None,
        filing_indicator: str | None = None,
        frequency_code: str = "1",
        original_ref: str | None = None,
        place_of_service: str | None = None,
        diagnosis_codes: tuple[str, ...] = (),
        note: str | None = None,
        attachments: tuple[Attachment, ...] = (),
        source: SourceRef | None = None,
    ) -> Claim:
        """A claim from values the caller has already validated (see ``ServiceLine.trusted``)."""
        claim: Claim = _MAKE_CLAIM(
            id, lines, total_charge, patient_key, subscriber_key, billing_npi,
            billing_taxonomy, rendering_npi, billing_tin, payer_id, payer_name, filing_indicator,
            frequency_code, original_ref, place_of_service, diagnosis_codes, note, attachments,
            source,
        )  # fmt: skip
        return claim

    @classmethod
    def trusted_maker(cls, *names: str) -> Callable[..., Claim]:
        """``make(*values)``: claims from values given by position, in the order of the
        field *names* (see ``ServiceLine.trusted_maker``)."""
        return _taking_maker(cls, names)

    def line(self, number: int) -> ServiceLine:
        """The line numbered *number* (1-based); ``KeyError`` if there is none."""
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1]
        raise KeyError(f"claim {self.id} has no line {number}")

    @property
    def line_charge_total(self) -> Decimal:
        """Sum of the line charges; CLM02 should equal it."""
        return sum((line.charge for line in self.lines), Decimal("0"))


def _maker(
    cls: type, taking: tuple[str, ...] | None = None, computed: Mapping[str, str] | None = None
) -> Callable[..., Any]:
    """``make(*values)``: an instance of the frozen, slotted dataclass *cls* holding *values*
    in field order (or in the order of *taking*, field names: the fields not taken hold their
    defaults), without the checks of its ``__init__``. *computed* gives a field an expression
    over the values taken instead (``{"origin": "number"}``).

    Why not ``object.__setattr__`` or the slot descriptors: a frozen dataclass refuses plain
    attribute assignment, and the alternatives each cost a call per field (a 20-field line
    took ~4 us that way). The maker allocates an instance of a private twin class with the
    very same ``__slots__`` and no ``__setattr__`` of its own, stores the fields with plain
    slot stores, then gives the object its real class: CPython allows ``__class__``
    assignment between classes of identical slot layout, and the object is from then on
    indistinguishable from one the constructor made (equality, ``repr``, ``replace``,
    pickling, frozenness). About a fifth of the cost."""
    every = fields(cls)
    names = tuple(f.name for f in every)
    slots = tuple(getattr(cls, "__slots__", ()))
    if slots != names:  # the layouts must be identical for the class swap
        raise TypeError(f"{cls.__name__}: slots {slots} are not its fields {names}")
    taken = names if taking is None else taking
    unknown = [name for name in taken if name not in names]
    if unknown or len(set(taken)) != len(taken):
        raise TypeError(f"{cls.__name__}: {taken} are not distinct fields of it")
    namespace: dict[str, Any] = {"real": cls, "new": object.__new__}
    values = dict(computed or {})
    for f in every:
        if f.name in values or f.name in taken:
            continue
        if f.default is MISSING:  # no default_factory on the model: its defaults are values
            raise TypeError(f"{cls.__name__}.{f.name} has no default: the maker must take it")
        namespace[f"default_{f.name}"] = f.default  # immutable: shared as the constructor does
        values[f.name] = f"default_{f.name}"
    stores = "".join(f"    made.{name} = {values.get(name, name)}\n" for name in names)
    source = (
        f"class Twin:\n    __slots__ = {names!r}\n"
        f"def make({', '.join(taken)}):\n    made = new(Twin)\n{stores}"
        "    made.__class__ = real\n    return made\n"
    )
    exec(source, namespace)  # our own field names only, as dataclasses does
    make: Callable[..., Any] = namespace["make"]
    return make


def _taking_maker(cls: type, names: tuple[str, ...]) -> Callable[..., Any]:
    """The maker of ``trusted_maker(*names)``, made once per class and names (a reader asks
    for a handful, once each, when it is imported)."""
    made = _TAKING_MAKERS.get((cls, names))
    if made is None:
        computed = {}
        if cls is ServiceLine:  # as in ``trusted``: an origin of 0 (or none) is the number
            computed["origin"] = "origin or number" if "origin" in names else "number"
        made = _TAKING_MAKERS[(cls, names)] = _maker(cls, names, computed)
    return made


_TAKING_MAKERS: dict[tuple[type, tuple[str, ...]], Callable[..., Any]] = {}

_MAKE_SOURCE = _maker(SourceRef)
_MAKE_LINE = _maker(ServiceLine)
_MAKE_CLAIM = _maker(Claim)
