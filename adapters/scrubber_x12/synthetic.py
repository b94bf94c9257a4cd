"""Synthetic 837P interchanges for benchmarks and property tests (no real people).

Every generated file is valid per pyx12's 005010X222A1 map: one 2000A billing provider, one
2000B subscriber (who is the patient) per claim, balanced CLM02 = ΣSV102, a REF*6R per line.
Files are produced lazily in chunks so a 100,000-claim benchmark never holds the whole file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import final

__all__ = ["SyntheticLine", "synthetic_837", "synthetic_chunks"]

_CODES = ("99213", "97110", "0001U", "99601", "J1100", "97530", "G0151", "99602")


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class SyntheticLine:
    code: str = "99213"
    charge: Decimal = Decimal("100.00")
    units: Decimal = Decimal("1")
    basis: str = "UN"
    modifiers: tuple[str, ...] = ()
    note: str | None = None
    attachments: tuple[tuple[str, str], ...] = ()  # (PWK01, PWK02)
    control: bool = True
    date: str = "20260715"


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class _Layout:
    element: str = "*"
    component: str = ":"
    terminator: str = "~"
    line_break: str = "\n"
    version: str = "005010X222A1"
    sbr09: str = "MB"
    extras: tuple[str, ...] = field(default=())


def _header(layout: _Layout, control: int) -> list[list[str]]:
    isa = [
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", "SYNTHSENDER    ", "ZZ",
        "SYNTHRECEIVER  ", "260720", "1200", "^", "00501", f"{control:09d}", "0", "T",
        layout.component,
    ]  # fmt: skip
    gs = ["GS", "HC", "SYNTHSENDER", "SYNTHRECEIVER", "20260720", "1200", str(control), "X",
          layout.version]  # fmt: skip
    return [isa, gs]


def _claim_segments(
    index: int, lines: Sequence[SyntheticLine], layout: _Layout, hl: int
) -> list[list[str]]:
    c = layout.component
    total = sum((ln.charge for ln in lines), Decimal("0"))
    claim_id = f"SYN{index:07d}"
    out = [
        ["HL", str(hl), "1", "22", "0"],
        ["SBR", "P", "18", "", "", "", "", "", "", layout.sbr09],
        ["NM1", "IL", "1", "SYNTHETIC", "PERSON", "", "", "", "MI", f"M{index % 997:09d}"],
        ["N3", "1 SAMPLE STREET"],
        ["N4", "SPRINGFIELD", "IL", "627010000"],
        ["DMG", "D8", "19500101", "U"],
        ["NM1", "PR", "2", "SYNTHETIC PAYER", "", "", "", "", "PI", "04412"],
        ["CLM", claim_id, f"{total:.2f}", "", "", f"11{c}B{c}1", "Y", "A", "Y", "Y"],
        ["HI", f"ABK{c}M545", f"ABF{c}Z01812"],
    ]
    for number, line in enumerate(lines, 1):
        out.append(["LX", str(number)])
        composite = c.join(["HC", line.code, *line.modifiers])
        out.append(
            ["SV1", composite, f"{line.charge:.2f}", line.basis, str(line.units), "", "", "1"]
        )
        for report_type, transmission in line.attachments:
            pwk = ["PWK", report_type, transmission]
            if transmission != "AA":
                pwk += ["", "", "AC", f"ACN{index}{number}"]
            out.append(pwk)
        out.append(["DTP", "472", "D8", line.date])
        if line.control:
            out.append(["REF", "6R", f"{claim_id}-{number}"])
        if line.note:
            out.append(["NTE", "ADD", line.note])
    return out


def _default_lines(index: int, per_claim: int) -> list[SyntheticLine]:
    return [
        SyntheticLine(
            code=_CODES[(index + k) % len(_CODES)],
            charge=Decimal(25 + (index * 7 + k * 13) % 400) + Decimal("0.50"),
            units=Decimal(1 + (index + k) % 6),
        )
        for k in range(per_claim)
    ]


def synthetic_chunks(
    claims: int,
    *,
    lines_per_claim: int = 5,
    claims_per_transaction: int = 5000,
    line_break: str = "\n",
    sbr09: str = "MB",
    version: str = "005010X222A1",
    claim_lines: Sequence[Sequence[SyntheticLine]] | None = None,
) -> Iterator[bytes]:
    """An 837P interchange of *claims* claims, yielded roughly one transaction at a time.
    ``claim_lines`` gives each claim's lines explicitly (its length wins over *claims*)."""
    layout = _Layout(line_break=line_break, sbr09=sbr09, version=version)
    if claim_lines is not None:
        claims = len(claim_lines)
    end = layout.terminator + line_break

    def render(segments: list[list[str]]) -> bytes:
        return "".join(layout.element.join(s) + end for s in segments).encode("ascii")

    yield render(_header(layout, 1))
    transactions = 0
    for start in range(0, max(claims, 1), claims_per_transaction):
        transactions += 1
        st_control = f"{transactions:04d}"
        body: list[list[str]] = [
            ["ST", "837", st_control, version],
            ["BHT", "0019", "00", f"BATCH{transactions}", "20260720", "1200", "CH"],
            ["NM1", "41", "2", "SYNTHETIC CLINIC", "", "", "", "", "46", "SYNTH01"],
            ["PER", "IC", "BILLING OFFICE", "TE", "5555550100"],
            ["NM1", "40", "2", "SYNTHETIC PAYER", "", "", "", "", "46", "04412"],
            ["HL", "1", "", "20", "1"],
            ["PRV", "BI", "PXC", "207Q00000X"],
            ["NM1", "85", "2", "SYNTHETIC CLINIC", "", "", "", "", "XX", "1234567893"],
            ["N3", "100 EXAMPLE WAY"],
            ["N4", "SPRINGFIELD", "IL", "627010000"],
            ["REF", "EI", "990000001"],
        ]
        count = len(body)
        yield render(body)
        hl = 1
        for index in range(start, min(start + claims_per_transaction, claims)):
            hl += 1
            lines = (
                list(claim_lines[index])
                if claim_lines is not None
                else _default_lines(index, lines_per_claim)
            )
            segments = _claim_segments(index, lines, layout, hl)
            count += len(segments)
            yield render(segments)
        yield render([["SE", str(count + 1), st_control]])
    yield render([["GE", str(transactions), "1"], ["IEA", "1", f"{1:09d}"]])


def synthetic_837(claims: int, **kwargs: object) -> bytes:
    """The whole interchange of ``synthetic_chunks`` as bytes (small sizes, tests)."""
    return b"".join(synthetic_chunks(claims, **kwargs))  # type: ignore[arg-type]
