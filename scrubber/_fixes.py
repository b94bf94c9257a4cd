"""The fix algebra: a closed set of data records, and the pure function that applies them.

Edits never change a claim; they propose fixes. Because the set is closed, every writer can
render any plugin's fix in its own format: a writer renders the *fixed claim* over the source
document, copying each output line from the input line it descends from (``origin``) and
rewriting only what the algebra can change (code, modifiers, units, unit basis, charge, line
control number, note, attachments) plus the claim total.

Money rules:
- ``SetUnits`` prorates the line charge by units, rounded half-up to cents.
- ``SplitLine`` shares the charge by units, each part rounded to cents and the remainder on the
  last part, so the claim total does not move; each part gets ``<control number>-<k>``.
- The claim total moves by exactly the change in line charges, so a balanced claim (CLM02 =
  sum of SV102) stays balanced and an unbalanced one is not made worse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from operator import attrgetter
from typing import Any

from scrubber._fix_records import (
    STRUCTURAL,
    AddNote,
    Fix,
    FixOutcome,
    RejectedFix,
    RemoveLine,
    RequestAttachment,
    SetModifiers,
    SetUnits,
    SplitLine,
    SplitPart,
)
from scrubber._models import (
    _MAKE_CLAIM,
    _MAKE_LINE,
    MAX_MODIFIERS,
    Attachment,
    Claim,
    ServiceLine,
    _maker,
)

__all__ = [
    "LAST_LINE",
    "AddNote",
    "Fix",
    "FixOutcome",
    "RejectedFix",
    "RemoveLine",
    "RequestAttachment",
    "SetModifiers",
    "SetUnits",
    "SplitLine",
    "SplitPart",
    "added_attachments",
    "apply_fixes",
    "has_attachment",
    "merge_note",
    "moves_lines",
    "prorate",
]

CENT = Decimal("0.01")
LAST_LINE = "it would remove the claim's last line (a claim needs at least one)"


def prorate(charge: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """*charge* × part / whole, rounded half-up to cents (the whole charge when whole is 0)."""
    if whole == 0:
        return charge
    try:
        return (charge * part / whole).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more than 28 digits: no claim amount is that large
        raise ValueError(f"a prorated charge of {charge} is too large to bill") from None


def merge_note(existing: str | None, text: str) -> str:
    """Merge *text* into a note, once: formats allow one note per line and per claim."""
    text = text.strip()
    if not existing:
        return text
    if text in existing:
        return existing
    return f"{existing}; {text}"


def added_attachments(
    before: tuple[Attachment, ...], after: tuple[Attachment, ...]
) -> tuple[Attachment, ...]:
    """The attachments fixes added to *before* to make *after*, for a writer to emit. Fixes
    only append (``RequestAttachment``, ``SplitPart.attachment``), so these are the tail; an
    attachment the line or claim already had is never counted as new. A fix that added none
    leaves the very tuple it found (most lines of a fixed claim), told without comparing."""
    if after is before:
        return ()
    if after[: len(before)] == before:
        return after[len(before) :]
    return tuple(a for a in after if a not in before)


def has_attachment(attachments: Iterable[Attachment], wanted: Attachment) -> bool:
    """True when *attachments* already hold *wanted* as a format carries it (X12 PWK01,
    PWK02, PWK06; FHIR supportingInfo category, code, value): a fix recognises its own
    earlier output, so scrubbing the output again adds no second identical PWK. The free-text
    description is not compared (an 837P PWK has no room for it)."""
    key = (wanted.report_type, wanted.transmission, wanted.control_number or None)
    return any(
        (a.report_type, a.transmission, a.control_number or None) == key for a in attachments
    )


_LINE_FIELDS = tuple(f.name for f in fields(ServiceLine))
_LINE_INDEX = {name: index for index, name in enumerate(_LINE_FIELDS)}
_line_values = attrgetter(*_LINE_FIELDS)
_CLAIM_FIELDS = tuple(f.name for f in fields(Claim))
_CLAIM_INDEX = {name: index for index, name in enumerate(_CLAIM_FIELDS)}
_claim_values = attrgetter(*_CLAIM_FIELDS)


def _line_with(line: ServiceLine, **changes: Any) -> ServiceLine:
    """*line* with *changes*, like ``dataclasses.replace`` at a fraction of the cost: the
    constructor's checks are not run again, because what a fix makes of a valid line passes
    them (units are a Decimal above 0 by the fix's own checks, charges are prorated or
    shared from the line's and never negative, at most four modifiers, the dates and the
    number 1..n kept)."""
    values = list(_line_values(line))
    for name, value in changes.items():
        values[_LINE_INDEX[name]] = value
    made: ServiceLine = _MAKE_LINE(*values)
    return made


def _claim_with(claim: Claim, **changes: Any) -> Claim:
    """*claim* with *changes* (see ``_line_with``: lines numbered 1..n, a Decimal total)."""
    values = list(_claim_values(claim))
    for name, value in changes.items():
        values[_CLAIM_INDEX[name]] = value
    made: Claim = _MAKE_CLAIM(*values)
    return made


def _with_modifiers(current: tuple[str, ...], added: Iterable[str]) -> tuple[str, ...]:
    out = list(current)
    for modifier in added:
        if modifier not in out:
            out.append(modifier)
    if len(out) > MAX_MODIFIERS:
        raise ValueError(f"more than {MAX_MODIFIERS} modifiers")
    return tuple(out)


def _control_base(claim: Claim, line: ServiceLine) -> str:
    return line.control_number or f"{claim.id}-{line.origin}"


def _split(claim: Claim, line: ServiceLine, fix: SplitLine) -> list[ServiceLine]:
    parts = fix.parts
    if parts[0].charge is not None:
        charges = [p.charge or Decimal("0") for p in parts]
        if sum(charges, Decimal("0")) != line.charge:
            raise ValueError("the parts' charges do not add up to the line charge")
    else:
        whole = sum((p.units for p in parts), Decimal("0"))
        charges = [prorate(line.charge, p.units, whole) for p in parts[:-1]]
        charges.append(line.charge - sum(charges, Decimal("0")))
        if charges[-1] < 0:
            raise ValueError("rounding left a negative charge on the last part")
    base = _control_base(claim, line)
    out = []
    for k, (part, charge) in enumerate(zip(parts, charges, strict=True), start=1):
        note = merge_note(line.note, part.note) if part.note else line.note
        attachments = line.attachments + ((part.attachment,) if part.attachment else ())
        code = part.code or line.code
        basis = part.unit_basis or line.unit_basis
        same_measure = code == line.code and basis == line.unit_basis
        out.append(
            _line_with(
                line,
                code=code,
                modifiers=_with_modifiers(line.modifiers, part.add_modifiers),
                units=part.units,
                unit_basis=basis,
                # minutes describe what was sent; a part billed in other terms no longer has them
                minutes=line.minutes if same_measure else None,
                charge=charge,
                control_number=f"{base}-{k}" if len(parts) > 1 else line.control_number,
                note=note,
                attachments=attachments,
            )
        )
    return out


def _set_units(line: ServiceLine, fix: SetUnits) -> ServiceLine:
    basis = fix.unit_basis or line.unit_basis
    return _line_with(
        line,
        units=fix.units,
        unit_basis=basis,
        minutes=line.minutes if basis == line.unit_basis else None,
        charge=prorate(line.charge, fix.units, line.units),
    )


def _check_line_fixes(fixes: Sequence[tuple[str, Fix]]) -> list[tuple[str, Fix, str | None]]:
    """Mark conflicting structural fixes on one line: the first (the engine orders by phase
    and edit code) wins; a later one from a different edit, or a second split/removal, loses."""
    verdicts: list[tuple[str, Fix, str | None]] = []
    owner: str | None = None
    kinds: set[type] = set()
    for by, fix in fixes:
        reason = None
        if isinstance(fix, STRUCTURAL):
            if owner is not None and owner != by:
                reason = f"conflicts with a fix from {owner} on the same line"
            elif type(fix) in kinds or (
                kinds
                and (isinstance(fix, SplitLine | RemoveLine) or kinds & {SplitLine, RemoveLine})
            ):
                reason = f"conflicts with another fix from {by} on the same line"
            else:
                owner = by
                kinds.add(type(fix))
        verdicts.append((by, fix, reason))
    return verdicts


def apply_fixes(claim: Claim, fixes: Sequence[tuple[str, Fix]]) -> FixOutcome:
    """Apply *fixes* (each with the code of the edit that proposed it) to *claim*.

    Line numbers in the fixes refer to *claim* as given; lines are renumbered 1..n afterwards
    and keep their ``origin``. Returns the new claim (the same object when nothing applied),
    what was applied, and what was rejected with the reason (a conflict, a line that does not
    exist, more than four modifiers ...). Never raises for a bad fix: it is rejected instead.

    Only the lines a fix names are visited; the others are kept as they are (the very
    objects), and when every line stays one line (no split into several, no removal: most
    fixes) the line map is the identity and nothing is renumbered.
    """
    if not fixes:
        return _outcome(claim, (), (), ())
    lines = claim.lines
    count = len(lines)
    per_line: dict[int, list[tuple[str, Fix]]] = {}
    claim_level: list[tuple[str, Fix]] = []
    rejected: list[RejectedFix] = []
    for by, fix in fixes:
        target = fix.line
        if target is None:
            claim_level.append((by, fix))
        elif 1 <= target <= count:
            held = per_line.get(target)
            if held is None:
                per_line[target] = [(by, fix)]
            else:
                held.append((by, fix))
        else:
            rejected.append(RejectedFix(by=by, fix=fix, reason=f"claim has no line {target}"))

    applied: list[tuple[str, Fix]] = []
    # what each named line became (one line, its parts, or none), by its number
    became: dict[int, list[ServiceLine]] = {}
    moved = False  # a line split into several or removed
    for number in sorted(per_line):
        current = [lines[number - 1]]
        for by, fix, conflict in _check_line_fixes(per_line[number]):
            if conflict:
                rejected.append(RejectedFix(by=by, fix=fix, reason=conflict))
                continue
            try:
                changed = _apply_to_line(claim, current, fix)
            except ValueError as exc:
                rejected.append(RejectedFix(by=by, fix=fix, reason=str(exc)))
                continue
            if changed is None:  # already done: the line carries this fix's earlier output
                continue
            current = changed
            applied.append((by, fix))
        became[number] = current
        moved = moved or len(current) != 1

    if moved:
        new_lines: list[ServiceLine] = []
        spans: list[tuple[int, ...]] = []
        for line in lines:
            parts = became.get(line.number)
            if parts is None:
                parts = [line]
            spans.append(tuple(range(len(new_lines) + 1, len(new_lines) + len(parts) + 1)))
            new_lines.extend(parts)
        if not new_lines:  # only RemoveLine empties a claim: refuse those, keep the rest
            kept = [(by, fix) for by, fix in fixes if not isinstance(fix, RemoveLine)]
            outcome = apply_fixes(claim, kept)
            refused = tuple(
                RejectedFix(by=by, fix=fix, reason=LAST_LINE)
                for by, fix in fixes
                if isinstance(fix, RemoveLine)
            )
            return replace(outcome, rejected=outcome.rejected + refused)
        line_map = tuple(spans)
        renumbered = tuple(
            ln if ln.number == n else _line_with(ln, number=n) for n, ln in enumerate(new_lines, 1)
        )
    else:  # every line is still one line, at its number
        line_map = _identity(count)
        in_place = list(lines)
        for number, (line,) in became.items():
            in_place[number - 1] = line
        renumbered = tuple(in_place)

    note, attachments = claim.note, claim.attachments
    for by, fix in claim_level:
        if isinstance(fix, AddNote):
            merged = merge_note(note, fix.text)
            if merged == note:
                continue
            note = merged
        elif isinstance(fix, RequestAttachment):
            wanted = fix.attachment()
            if has_attachment(attachments, wanted):
                continue
            attachments = (*attachments, wanted)
        else:  # pragma: no cover - every line-less fix is a note or an attachment by type
            rejected.append(RejectedFix(by=by, fix=fix, reason="fix needs a line"))
            continue
        applied.append((by, fix))

    if not applied:
        return _outcome(claim, (), tuple(rejected), ())
    delta = sum((ln.charge for ln in renumbered), Decimal("0")) - claim.line_charge_total
    fixed = _claim_with(
        claim,
        lines=renumbered,
        total_charge=claim.total_charge + delta,
        note=note,
        attachments=attachments,
    )
    return _outcome(fixed, tuple(applied), tuple(rejected), line_map)


# ``_outcome(claim, applied, rejected, line_map)``: a ``FixOutcome`` without the frozen
# dataclass's ``__init__`` (it has no checks); one per phase that proposed fixes.
_outcome: Callable[
    [Claim, tuple[tuple[str, Fix], ...], tuple[RejectedFix, ...], tuple[tuple[int, ...], ...]],
    FixOutcome,
] = _maker(FixOutcome)

#: The identity line maps shared by claims of up to this many lines (a bigger claim gets its
#: own, which ``moves_lines`` then follows: the same numbers, at the cost of the walk).
_SHARED_IDENTITY_MAX = 64
_IDENTITY: dict[int, tuple[tuple[int, ...], ...]] = {}


def _identity(count: int) -> tuple[tuple[int, ...], ...]:
    """The line map of *count* lines that each stayed one line at its number: one shared map
    per count up to ``_SHARED_IDENTITY_MAX`` (``setdefault``: threads that race both get the
    one stored), a fresh one above it, so the cache holds a few thousand small tuples at
    most whatever the claims a long-running service meets."""
    found = _IDENTITY.get(count)
    if found is None:
        found = tuple((n,) for n in range(1, count + 1))
        if count <= _SHARED_IDENTITY_MAX:
            found = _IDENTITY.setdefault(count, found)
    return found


def moves_lines(line_map: tuple[tuple[int, ...], ...]) -> bool:
    """False when *line_map* (``FixOutcome.line_map``) leaves every line at its number (the
    map ``apply_fixes`` shares for that case, or none): a line number read before the fixes
    still names the same line after them, so there is nothing to follow."""
    return bool(line_map) and line_map is not _IDENTITY.get(len(line_map))


def _apply_to_line(claim: Claim, current: list[ServiceLine], fix: Fix) -> list[ServiceLine] | None:
    """Apply one accepted fix to what the line has become so far (one line, or the parts of
    a split: a note or attachment after a split goes to the first part). None when the fix
    is already done (the note or attachment is there from an earlier scrub)."""
    if not current:
        raise ValueError("the line was removed")
    first, rest = current[0], current[1:]
    if isinstance(fix, SetUnits):
        if not rest and first.units == fix.units and fix.unit_basis in (None, first.unit_basis):
            return None
        return [_set_units(first, fix), *rest]
    if isinstance(fix, SplitLine):
        return [*_split(claim, first, fix), *rest]
    if isinstance(fix, RemoveLine):
        return []
    if isinstance(fix, SetModifiers):
        if all(ln.modifiers == fix.modifiers for ln in current):
            return None
        return [_line_with(ln, modifiers=fix.modifiers) for ln in current]
    if isinstance(fix, AddNote):
        note = merge_note(first.note, fix.text)
        return None if note == first.note else [_line_with(first, note=note), *rest]
    if isinstance(fix, RequestAttachment):
        wanted = fix.attachment()
        if has_attachment(first.attachments, wanted):
            return None
        return [_line_with(first, attachments=(*first.attachments, wanted)), *rest]
    raise TypeError(f"not a fix: {fix!r}")  # pragma: no cover - Fix is a closed union
