"""A service line with every field set, for the tests of the ways a line is made without its
constructor's checks (``ServiceLine.trusted``, ``ServiceLine.trusted_maker``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from scrubber import Attachment, SourceRef

EVERY_LINE_FIELD = {
    "number": 2,
    "code": "99602",
    "units": Decimal("3"),
    "charge": Decimal("150.50"),
    "service_from": date(2026, 7, 1),
    "code_system": "HC",
    "modifiers": ("59", "GD"),
    "unit_basis": "MJ",
    "minutes": Decimal("180"),
    "service_to": date(2026, 7, 2),
    "start": datetime(2026, 7, 1, 8, 0),
    "end": datetime(2026, 7, 1, 11, 0),
    "place_of_service": "12",
    "diagnosis_pointers": (1, 2),
    "control_number": "C-2",
    "rendering_npi": "1456789019",
    "note": "NOTE",
    "attachments": (Attachment(report_type="M1", transmission="FX", control_number="A1"),),
    "origin": 1,
    "source": SourceRef(locator="segment 9", index=9, format="x12", max_lines=50),
}
