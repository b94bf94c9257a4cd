"""Turn "units over the MUE" into fixes, per the action the payer profile chose.

- ``flag``: no fix; the finding says what to do.
- ``cap``: bill the units the MUE still allows. Over several lines the reduction runs from
  the last line back, and a line left with no units is removed. Medicare denies *all* units
  of the code for the day when the MUE is exceeded, never only the excess (CMS FAQ 11344;
  Palmetto GBA), so capping is what gets the allowed units paid.
- ``document``: units kept; a PWK (X12) / supportingInfo (FHIR) says medical records go with
  the claim, as First Coast and Palmetto require for units above an MAI 3 MUE.
- ``split``: for a date-of-service or Medicaid edit, the allowed units stay on the line and
  the excess moves to a second line with the excess modifier (GD), a note and an attachment:
  the Connecticut DSS review pattern (a state profile's choice: samples/profiles/). For an
  MAI 1 line edit, the units go on several lines of at most the MUE each, the extra lines
  with the profile's modifier (59, XU, 76 ...), because CMS adjudicates each such line on
  its own (CMS MUE page).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple, final

from scrubber import (
    MAX_MODIFIERS,
    AddNote,
    Attachment,
    Claim,
    Fix,
    RemoveLine,
    RequestAttachment,
    ServiceLine,
    SetModifiers,
    SetUnits,
    SplitLine,
    SplitPart,
)
from scrubber_mue.settings import MueSettings

__all__ = ["Plan", "plan_day", "plan_line_edit"]

_ZERO = Decimal("0")
MAX_SPLIT_LINES = 999  # one split, in a format without a line limit: memory stays bounded
_CONTROL_NUMBER_MAX = 80  # PWK06 attachment control number, AN 2-80


@final
class Plan(NamedTuple):
    """The fixes for one finding, the line it is reported on, and a sentence saying what
    they do (or why there are none). ``resolved``: the units no longer exceed the MUE. A
    named tuple: one is made per finding, and a frozen dataclass costs twice as much to
    make."""

    line: ServiceLine
    fixes: tuple[Fix, ...]
    outcome: str
    resolved: bool


def _units(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return f"{text} unit" if value == 1 else f"{text} units"


def _attachment(claim: Claim, line: ServiceLine, settings: MueSettings) -> Attachment:
    on_request = settings.attachment_transmission == "AA"
    control = None if on_request else f"{claim.id}-MUE-{line.origin}"[:_CONTROL_NUMBER_MAX]
    return Attachment(
        report_type=settings.attachment_report_type,
        transmission=settings.attachment_transmission,
        control_number=control,
        description="MUE: records showing the units were rendered and medically necessary",
    )


def _request(claim: Claim, line: ServiceLine, settings: MueSettings) -> tuple[Fix, ...]:
    """A request for the records, unless the line already sends records of this type by this
    transmission (an earlier scrub's PWK, named by the line's position then): the payer gets
    them once, and scrubbing the output again changes nothing."""
    a = _attachment(claim, line, settings)
    if any(
        (had.report_type, had.transmission) == (a.report_type, a.transmission)
        for had in line.attachments
    ):
        return ()
    request = RequestAttachment(
        line=line.number,
        report_type=a.report_type,
        transmission=a.transmission,
        control_number=a.control_number,
        description=a.description,
    )
    return (request,)


def _has_records(line: ServiceLine, settings: MueSettings) -> bool:
    """The line already carries the records attachment ``document`` adds (PWK of the same
    report type and transmission), so scrubbing the output again adds nothing."""
    return any(
        a.report_type == settings.attachment_report_type
        and a.transmission == settings.attachment_transmission
        for a in line.attachments
    )


def _room_for(modifier: str, line: ServiceLine) -> bool:
    return modifier in line.modifiers or len(line.modifiers) < MAX_MODIFIERS


def _line_limit(claim: Claim) -> int | None:
    """The most lines the claim's format allows (837P: 50), None for no limit."""
    return claim.source.max_lines if claim.source is not None else None


def _line_room(claim: Claim, added: int) -> bool:
    limit = _line_limit(claim)
    return limit is None or len(claim.lines) + added <= limit


def _flag(line: ServiceLine, why: str) -> Plan:
    return Plan(line=line, fixes=(), outcome=why, resolved=False)


def _kept(
    lines: Sequence[ServiceLine], counted: Sequence[Decimal], allowed: Decimal
) -> list[tuple[ServiceLine, Decimal]]:
    """How much of each line the MUE leaves, in the units the line bills. A line reported in
    minutes counts as whole services and cannot be cut to part of its time: it is kept
    whole or not at all."""
    remaining = max(allowed, _ZERO)
    out = []
    for line, count in zip(lines, counted, strict=True):
        if line.unit_basis == "MJ":
            fits = count <= remaining
            remaining -= count if fits else _ZERO
            out.append((line, line.units if fits else _ZERO))
            continue
        keep = min(line.units, remaining)
        remaining -= keep
        out.append((line, keep))
    return out


def plan_day(
    action: str,
    *,
    claim: Claim,
    lines: Sequence[ServiceLine],
    allowed: Decimal,
    value: int,
    settings: MueSettings,
    counted: Sequence[Decimal] | None = None,
) -> Plan:
    """Fixes for one code on one date of service (or one line), where *allowed* is what the
    MUE leaves for this claim after earlier claims of the day (over a date span: the MUE
    times the span's days). *counted* gives each line's units of service when they are not
    its units (a minutes line counts one service a day)."""
    kept = _kept(lines, counted or [line.units for line in lines], allowed)
    over = [(line, keep) for line, keep in kept if keep < line.units]
    crossing = over[0][0] if over else lines[-1]
    if action == "cap":
        return _cap(claim, crossing, over, value, kept)
    if action == "document":
        note = "RECORDS AVAILABLE" if settings.attachment_transmission == "AA" else "RECORDS SENT"
        fixes: tuple[Fix, ...] = ()
        if not _has_records(crossing, settings):  # else our own earlier output, scrubbed again
            fixes = (
                *_request(claim, crossing, settings),
                AddNote(line=crossing.number, text=f"UNITS OVER MUE {value}; {note}"),
            )
        return Plan(
            line=crossing,
            fixes=fixes,
            outcome="units kept and medical records requested (PWK "
            f"{settings.attachment_report_type}/{settings.attachment_transmission}) "
            f"on line {crossing.origin}",
            resolved=False,
        )
    if action == "split":
        return _split_excess(claim, crossing, over, value, settings)
    return _flag(crossing, "flagged only (the payer profile's action is flag)")


def _cap(
    claim: Claim,
    crossing: ServiceLine,
    over: list[tuple[ServiceLine, Decimal]],
    value: int,
    kept: list[tuple[ServiceLine, Decimal]],
) -> Plan:
    fixes: list[Fix] = []
    said = []
    removed = 0
    for line, keep in over:
        if keep > 0:
            fixes.append(SetUnits(line=line.number, units=keep))
            fixes.append(AddNote(line=line.number, text=f"UNITS CAPPED AT MUE {value}"))
            said.append(f"line {line.origin} to {_units(keep)}")
        else:
            fixes.append(RemoveLine(line=line.number))
            said.append(f"line {line.origin} removed")
            removed += 1
    if removed == len(claim.lines):
        return _flag(crossing, "not capped: that would remove every line of the claim")
    if removed == len(over):  # only removals
        whole = [line for line, keep in kept if keep == line.units and keep > 0]
        if whole:
            # The note goes on the last line kept whole, as a reduction would put it, so the
            # capped claim reads the same when it is scrubbed again.
            fixes.append(AddNote(line=whole[-1].number, text=f"UNITS CAPPED AT MUE {value}"))
    return Plan(
        line=crossing, fixes=tuple(fixes), outcome="capped: " + ", ".join(said), resolved=True
    )


def _split_excess(
    claim: Claim,
    crossing: ServiceLine,
    over: list[tuple[ServiceLine, Decimal]],
    value: int,
    settings: MueSettings,
) -> Plan:
    modifier = settings.excess_modifier
    note = f"UNITS OVER MUE {value}; REVIEW REQUESTED"
    if not all(_room_for(modifier, line) for line, _ in over):
        return _flag(crossing, f"not split: a line already has {MAX_MODIFIERS} modifiers")
    if not _line_room(claim, sum(1 for ln, k in over if k > 0 and modifier not in ln.modifiers)):
        return _flag(crossing, f"not split: the claim would pass {_line_limit(claim)} lines")
    fixes: list[Fix] = []
    said = []
    for line, kept in over:
        # A line already carrying the excess modifier is the review line of an earlier split:
        # all of it is excess, so it is not split again (scrubbing the output changes nothing).
        keep = Decimal("0") if modifier in line.modifiers else kept
        excess = line.units - keep
        if keep > 0:
            excess_part = SplitPart(
                units=excess,
                add_modifiers=(modifier,),
                note=note,
                attachment=_attachment(claim, line, settings),
            )
            fixes.append(SplitLine(line=line.number, parts=(SplitPart(units=keep), excess_part)))
            said.append(f"line {line.origin} into {_units(keep)} + {_units(excess)} {modifier}")
        else:
            added = tuple(m for m in (modifier,) if m not in line.modifiers)
            fixes += [
                SetModifiers(line=line.number, modifiers=line.modifiers + added),
                AddNote(line=line.number, text=note),
                *_request(claim, line, settings),
            ]
            said.append(f"line {line.origin} marked {modifier} as excess")
    return Plan(
        line=crossing,
        fixes=tuple(fixes),
        outcome="split for review: " + ", ".join(said) + ", with records attached",
        resolved=True,
    )


def plan_line_edit(
    action: str,
    *,
    claim: Claim,
    line: ServiceLine,
    value: int,
    settings: MueSettings,
    days: int = 1,
) -> Plan:
    """Fixes for an MAI 1 line over its MUE (over *days* for a date-span line, whose units
    are compared per day). ``split`` puts the units on lines of at most the MUE (per day)
    each, the extra lines with the profile's split modifier."""
    if action != "split":
        return plan_day(
            action,
            claim=claim,
            lines=(line,),
            allowed=Decimal(value) * days,
            settings=settings,
            value=value,
        )
    modifier = settings.split_modifier
    step = Decimal(value) * days
    full = int(line.units // step)
    rest = line.units - full * step
    count = full + (1 if rest > 0 else 0)
    if not _room_for(modifier, line):
        return _flag(line, f"not split: the line already has {MAX_MODIFIERS} modifiers")
    # checked before a list of that size is built, in every format (units are unbounded)
    if count > MAX_SPLIT_LINES:
        return _flag(line, f"not split: {count} lines would pass {MAX_SPLIT_LINES} lines")
    if not _line_room(claim, count - 1):
        return _flag(line, f"not split: {count} lines would pass {_line_limit(claim)} lines")
    sizes = [step] * full + ([rest] if rest > 0 else [])
    parts = tuple(
        SplitPart(units=size, add_modifiers=() if k == 0 else (modifier,))
        for k, size in enumerate(sizes)
    )
    return Plan(
        line=line,
        fixes=(SplitLine(line=line.number, parts=parts),),
        outcome=f"split into {len(parts)} lines of at most {_units(step)}, "
        f"the extra lines with modifier {modifier}",
        resolved=True,
    )
