"""A realistic clearinghouse batch for the benchmarks (no real people, no CMS data).

Two things make a batch realistic, and today's worst-case bench has neither:

- the MUE table is the size of CMS's: the Medicare practitioner file lists about 15,000
  HCPCS/CPT codes. ``mue_table_csv`` writes one in the CMS CSV layout (notice row, the
  two-line "HCPCS/ CPT Code" header, value, MAI, rationale) with made-up values, so the
  lookups run against a table of that size and go through the real importer;
- most claims are clean. ``RealisticMix`` bills codes that have a row, with units
  within it, and makes about ``fix_rate`` of the claims need a fix, rotating through the
  three fixes a clearinghouse sees most: an MAI 2 day total over the MUE (capped), an MAI 3
  day total over the MUE (documented with an attachment) and a home-infusion visit sent in
  minutes (split into 99601 + 99602 units).

Each claim bills one date of service that cycles over a quarter, so the synthetic member ids
(``index % 997``) do not add units of one patient and day across claims within a batch
shorter than 89,730 claims (lcm(997, 90)).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import overload

from scrubber_x12.synthetic import SyntheticLine

__all__ = ["MIX_TABLE_NAME", "RealisticMix", "mue_table_csv"]

MIX_TABLE_NAME = "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv"
_QUARTER_START = date(2026, 7, 1)
_MAI_TEXT = {
    "1": "1 Line Edit",
    "2": "2 Date of Service Edit: Policy",
    "3": "3 Date of Service Edit: Clinical",
}
_RATIONALES = ("Clinical: Data", "Code Descriptor / CPT Instruction", "CMS Policy", "Anatomic")
# MUE values and how often each occurs (made up; most CMS rows are 1 or a small number)
_VALUES = (0, 1, 2, 3, 4, 6, 10, 30, 120)
_VALUE_WEIGHTS = (3, 40, 15, 10, 10, 8, 7, 4, 3)
# Codes the infusion plugin watches: kept out of the clean lines (a timed code without its
# time is a finding of its own), present in the table like any other code.
_TIMED = frozenset({"99601", "99602", "96365", "96366", "96413", "96415", "96360", "96361"})


def _codes(count: int, rng: random.Random) -> list[str]:
    """*count* distinct codes shaped like CPT (5 digits, Category III ``0nnnT``) and HCPCS
    Level II (a letter and 4 digits), always including the timed infusion codes."""
    codes = set(_TIMED) | {"99213", "97110", "J1100", "97530", "G0151"}
    letters = "ABCEGHJKLQV"
    while len(codes) < count:
        pick = rng.random()
        if pick < 0.55:
            codes.add(f"{rng.randrange(100, 99_999):05d}")
        elif pick < 0.6:
            codes.add(f"0{rng.randrange(0, 999):03d}T")
        else:
            codes.add(f"{rng.choice(letters)}{rng.randrange(0, 9999):04d}")
    return sorted(codes)


def _rows(count: int, seed: int) -> list[tuple[str, int, str, str]]:
    rng = random.Random(seed)
    rows = []
    for code in _codes(count, rng):
        mai = rng.choices(("1", "2", "3"), weights=(25, 35, 40))[0]
        value = rng.choices(_VALUES, weights=_VALUE_WEIGHTS)[0]
        rows.append((code, value, mai, rng.choice(_RATIONALES)))
    fixed = {"99601": (4, "3"), "99602": (8, "3"), "97110": (4, "1"), "99213": (3, "3")}
    return [(c, *fixed[c], r) if c in fixed else (c, v, m, r) for c, v, m, r in rows]


def mue_table_csv(codes: int = 15_000, *, seed: int = 12) -> bytes:
    """A Medicare practitioner MUE table of *codes* rows in the CMS CSV layout (values made up)."""
    out = [
        '"claim-scrubber BENCHMARK table in the CMS Medicare MUE CSV layout. This is NOT CMS '
        'data: every value is made up.",,,',
        '"HCPCS/\nCPT Code",Practitioner Services MUE Values,MUE Adjudication Indicator,'
        "MUE Rationale",
    ]
    out += [f"{c},{v},{_MAI_TEXT[m]},{r}" for c, v, m, r in _rows(codes, seed)]
    return ("\r\n".join(out) + "\r\n").encode("latin-1")


class RealisticMix(Sequence[list[SyntheticLine]]):
    """Lines for *claims* claims, made on demand (a 1,000,000-claim stream is never held):
    clean except about *fix_rate* of them (every ``round(1 / fix_rate)``-th claim), whose
    first line needs a fix. Claim *i* is the same whatever else is asked for."""

    def __init__(
        self,
        claims: int,
        *,
        lines_per_claim: int = 5,
        fix_rate: float = 0.06,
        table_codes: int = 15_000,
        seed: int = 12,
    ) -> None:
        rows = _rows(table_codes, seed)
        self._claims = claims
        self._per_claim = lines_per_claim
        self._seed = seed
        self._clean = [(c, v) for c, v, _m, _r in rows if v > 0 and c not in _TIMED]
        self._by_mai = {
            mai: [(c, v) for c, v, m, _r in rows if m == mai and v > 0 and c not in _TIMED]
            for mai in ("2", "3")
        }
        self.every = max(1, round(1 / fix_rate)) if fix_rate > 0 else 0

    def __len__(self) -> int:
        return self._claims

    def needs_fix(self, index: int) -> bool:
        return bool(self.every) and index % self.every == self.every // 2

    @overload
    def __getitem__(self, index: int) -> list[SyntheticLine]: ...
    @overload
    def __getitem__(self, index: slice) -> list[list[SyntheticLine]]: ...
    def __getitem__(self, index: int | slice) -> list[SyntheticLine] | list[list[SyntheticLine]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._claims))]
        if not 0 <= index < self._claims:
            raise IndexError(index)
        rng = random.Random(self._seed * 10_000_019 + index)
        when = (_QUARTER_START + timedelta(days=index % 90)).strftime("%Y%m%d")
        picks: Sequence[tuple[str, int]] = rng.sample(self._clean, self._per_claim)
        lines = [
            SyntheticLine(
                code=code,
                charge=Decimal(40 + rng.randrange(0, 400)) + Decimal("0.25"),
                units=Decimal(rng.randint(1, min(value, 4))),
                date=when,
            )
            for code, value in picks
        ]
        if self.needs_fix(index):
            lines[0] = _needs_fix(index // self.every, self._by_mai, rng, when)
        return lines


def _needs_fix(
    which: int, by_mai: dict[str, list[tuple[str, int]]], rng: random.Random, when: str
) -> SyntheticLine:
    kind = which % 3
    if kind == 2:  # a home-infusion visit of 2 h 30 min sent in minutes
        return SyntheticLine(
            code="99601", charge=Decimal("300.00"), units=Decimal(150), basis="MJ", date=when
        )
    code, value = rng.choice(by_mai["2" if kind == 0 else "3"])
    return SyntheticLine(code=code, charge=Decimal("180.00"), units=Decimal(value + 2), date=when)
