"""Helpers for plugin authors' tests: build claims and run one edit without a manager.

::

    claim = make_claim(lines=[make_line(code="J1100", units=Decimal(121))])
    [finding] = run_edit(my_edit, claim, tables=tables)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from scrubber._edits import Edit, EditContext
from scrubber._engine import scrub_claim
from scrubber._findings import Finding
from scrubber._history import ClaimHistory
from scrubber._models import Claim, ServiceLine
from scrubber._profiles import Profile, SettingsSection, load_profile
from scrubber._tables import MemoryTables, ParsedTable, ReferenceTables, TableInfo, TableRow

__all__ = ["make_claim", "make_line", "make_table", "run_edit", "scrub_claim"]

DEFAULT_DATE = date(2026, 1, 15)


def make_line(
    *,
    number: int = 1,
    code: str = "99213",
    units: Decimal | int | str = 1,
    charge: Decimal | int | str = "100.00",
    service_from: date = DEFAULT_DATE,
    **fields: Any,
) -> ServiceLine:
    """A service line with sensible defaults; any ``ServiceLine`` field may be given."""
    return ServiceLine(
        number=number,
        code=code,
        units=Decimal(units),
        charge=Decimal(charge),
        service_from=service_from,
        **fields,
    )


def make_claim(*, id: str = "CLAIM1", lines: Sequence[ServiceLine] = (), **fields: Any) -> Claim:
    """A claim around *lines* (renumbered 1..n); the total is the sum of line charges."""
    from dataclasses import replace

    numbered = tuple(
        ln if ln.number == n else replace(ln, number=n, origin=n) for n, ln in enumerate(lines, 1)
    )
    fields.setdefault("total_charge", sum((ln.charge for ln in numbered), Decimal("0")))
    fields.setdefault("patient_key", "patient-1")
    fields.setdefault("billing_npi", "1234567893")
    return Claim(id=id, lines=numbered, **fields)


def make_table(
    kind: str,
    program: str,
    service_type: str,
    effective: date,
    rows: dict[str, dict[str, str]],
    *,
    source_file: str = "test-table",
) -> ParsedTable:
    """A hand-made table version: ``rows`` maps key -> {column: text}."""
    info = TableInfo(
        kind=kind,
        program=program,
        service_type=service_type,
        effective=effective,
        source_file=source_file,
        sha256="0" * 64,
        rows=len(rows),
    )
    return ParsedTable(
        info=info,
        rows=tuple(
            TableRow(key=key, values=tuple(sorted(values.items()))) for key, values in rows.items()
        ),
    )


def run_edit(
    item: Edit,
    claim: Claim,
    *,
    tables: ReferenceTables | Iterable[ParsedTable] = (),
    profile: Profile | None = None,
    sections: Iterable[SettingsSection] = (),
    history: ClaimHistory | None = None,
    as_of: date | None = None,
) -> list[Finding]:
    """Run one edit on one claim and return its findings (no fixes are applied)."""
    ref = tables if _is_reference(tables) else MemoryTables(tables)  # type: ignore[arg-type]
    prof = profile or load_profile(None, sections)
    payer = prof.for_claim(claim)
    ctx = EditContext(
        edit=item,
        claim=claim,
        tables=ref,  # type: ignore[arg-type]  # _is_reference narrowed it
        payer=payer,
        program=payer.program_for(claim, prof.default_program),
        as_of=as_of,
        history=history,
    )
    return list(item.check(claim, ctx))


def _is_reference(tables: object) -> bool:
    return hasattr(tables, "lookup") and hasattr(tables, "in_force")
