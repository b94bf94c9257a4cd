"""Inputs for the fuzz targets: claims generated from the codes the edits act on, and
mutations of real inputs that keep enough structure to reach past the first parser check.

Everything is driven by one ``random.Random`` so a case is reproduced from its seed.
"""

from __future__ import annotations

import copy
import json
import random
from decimal import Decimal
from typing import Any

from scrubber_fhir._jsontext import JsonStyle, dumps
from scrubber_x12.synthetic import SyntheticLine, synthetic_837

CODES = (
    "99601", "99602", "96365", "96366", "96413", "96415", "96360", "96361",
    "97110", "99213", "J1100", "V5364",
)  # fmt: skip
# Values that have broken parsers before: empty, signs, exponents, huge, deep, wrong type.
ODD_NUMBERS = ("", "0", "-1", "0.001", "1E+3", "9" * 15, "9" * 19, "9" * 5000, "1.2.3", "NaN")
ODD_JSON: tuple[Any, ...] = (
    None, True, 0, -1, 10**30, "", "x", [], {}, [None], {"resourceType": 5},
    {"resourceType": "Bogus"}, Decimal("1E+400"), [[[[[]]]]],
)  # fmt: skip


def generated_x12(rng: random.Random) -> bytes:
    """An 837P of 1-3 claims of 1-4 lines of timed and MUE-limited codes, in units or
    minutes, Medicare (MB) or Medicaid (MC), balanced and valid per the TR3."""
    claims = []
    for _ in range(rng.randint(1, 3)):
        lines = []
        for _ in range(rng.randint(1, 4)):
            basis = rng.choice(("UN", "MJ"))
            if basis == "MJ":
                units = rng.choice((0, 1, 15, 20, 31, 45, 61, 90, 121, 330, rng.randint(1, 900)))
            else:
                units = rng.randint(1, 12)
            lines.append(
                SyntheticLine(
                    code=rng.choice(CODES),
                    charge=Decimal(rng.randint(1, 900_000)).scaleb(-2),
                    units=Decimal(units),
                    basis=basis,
                    modifiers=tuple(rng.sample(("GD", "59", "KX"), rng.randint(0, 1))),
                    control=rng.random() < 0.7,
                    date=rng.choice(("20260115", "20260715")),
                )
            )
        claims.append(lines)
    return synthetic_837(0, claim_lines=claims, sbr09=rng.choice(("MB", "MC")))


def generated_fhir(rng: random.Random, template: dict[str, Any]) -> bytes:
    """A FHIR Claim like *template* with 1-4 generated items: units or UCUM minutes, a date
    or a period whose times agree with the minutes."""
    claim = copy.deepcopy(template)
    base = claim["item"][0]
    items = []
    for n in range(rng.randint(1, 4)):
        item = copy.deepcopy(base)
        item["sequence"] = n + 1
        item["productOrService"]["coding"][0]["code"] = rng.choice(CODES)
        minutes = rng.random() < 0.5
        length = rng.choice((15, 45, 61, 90, 121, 330, rng.randint(1, 600)))
        if minutes:
            item["quantity"] = {
                "value": length,
                "system": "http://unitsofmeasure.org",
                "code": "min",
            }
        else:
            item["quantity"] = {"value": rng.randint(1, 10)}
        item.pop("servicedPeriod", None)
        if rng.random() < 0.5:
            item["servicedDate"] = "2026-01-15"
        else:
            item.pop("servicedDate", None)
            end = 9 * 60 + length
            item["servicedPeriod"] = {
                "start": "2026-01-15T09:00:00-05:00",
                "end": f"2026-01-15T{end // 60:02d}:{end % 60:02d}:00-05:00",
            }
            if end >= 24 * 60:
                item["servicedPeriod"]["end"] = "2026-01-15T23:59:00-05:00"
        item["net"] = {"value": Decimal(rng.randint(1, 900_000)).scaleb(-2), "currency": "USD"}
        items.append(item)
    claim["item"] = items
    claim["total"] = {
        "value": sum((i["net"]["value"] for i in items), Decimal(0)),
        "currency": "USD",
    }
    return _dumps(claim, indent=True)


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    """One blind byte-level change: flip, insert, delete or repeat a slice."""
    if not data:
        return bytes([rng.randrange(256)])
    at = rng.randrange(len(data))
    kind = rng.randrange(4)
    if kind == 0:
        return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
    if kind == 1:
        return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 4))) + data[at:]
    if kind == 2:
        return data[:at] + data[at + rng.randint(1, 16) :]
    end = min(len(data), at + rng.randint(1, 64))
    return data[:end] + data[at:end] + data[end:]


def mutate_x12(data: bytes, rng: random.Random) -> bytes:
    """One change that keeps the delimiters: an element set to an odd value, a segment
    repeated, dropped or moved (SV1, NTE, PWK, REF, DTP and LX most often)."""
    text = data.decode("latin-1")
    if len(text) < 106:
        return mutate_bytes(data, rng)
    element, terminator = text[3], text[105]
    segments = text.split(terminator)
    interesting = [
        i
        for i, s in enumerate(segments)
        if s.strip()[:3].rstrip("*") in ("SV1", "NTE", "PWK", "REF", "DTP", "LX", "CLM", "HI")
    ] or list(range(len(segments)))
    index = rng.choice(interesting)
    kind = rng.randrange(4)
    if kind == 0:
        parts = segments[index].split(element)
        if len(parts) > 1:
            slot = rng.randrange(1, len(parts))
            parts[slot] = rng.choice((*ODD_NUMBERS, parts[slot] * 2, "GD", "MJ", "UN"))
            segments[index] = element.join(parts)
    elif kind == 1:
        segments.insert(index, segments[index])
    elif kind == 2:
        del segments[index]
    else:
        moved = segments.pop(index)
        segments.insert(rng.choice(interesting[: len(segments)] or [0]), moved)
    return _recount(segments, element, terminator).encode("latin-1")


def _recount(segments: list[str], element: str, terminator: str) -> str:
    """SE01 made right again after a segment was added or dropped, so the case reaches the
    claims instead of stopping at the transaction trailer."""
    start = None
    for index, segment in enumerate(segments):
        tag = segment.strip().split(element, 1)[0]
        if tag == "ST":
            start = index
        elif tag == "SE" and start is not None:
            parts = segment.split(element)
            if len(parts) > 1:
                parts[1] = str(index - start + 1)
                segments[index] = element.join(parts)
            start = None
    return terminator.join(segments)


def _dumps(tree: Any, *, indent: bool) -> bytes:
    """JSON with Decimal numbers written as numbers (``json.dumps`` cannot)."""
    style = JsonStyle(indent="  " if indent else None, base="")
    return dumps(tree, style).encode()


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*path, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            out += _paths(item, (*path, n))
    return out


def mutate_json(data: bytes, rng: random.Random) -> bytes:
    """One change to a parsed JSON document: a value replaced by an odd one, a member
    dropped or an array item repeated; not JSON: a byte-level change."""
    try:
        tree = json.loads(data, parse_float=Decimal)
    except (ValueError, RecursionError):
        return mutate_bytes(data, rng)
    paths = [p for p in _paths(tree) if p]
    if not paths:
        return mutate_bytes(data, rng)
    path = rng.choice(paths)
    parent = tree
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    kind = rng.randrange(3)
    if kind == 0:
        parent[last] = copy.deepcopy(rng.choice(ODD_JSON))
    elif kind == 1:
        del parent[last]
    elif isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    else:
        parent[last] = [parent[last]]
    return _dumps(tree, indent=rng.random() < 0.5)


def _json_claim(data: bytes) -> dict[str, Any] | None:
    try:
        tree = json.loads(data, parse_float=Decimal)
    except ValueError:
        return None
    if isinstance(tree, dict) and tree.get("resourceType") == "Claim" and tree.get("item"):
        return tree
    return None


def case(kind: str, seeds: list[bytes], rng: random.Random) -> bytes:
    """One fuzz case of *kind* (``x12``, ``fhir`` or ``mue``) from *seeds* and *rng*."""
    if kind == "x12":
        data = generated_x12(rng) if rng.random() < 0.3 else rng.choice(seeds)
        for _ in range(rng.randint(0, 3)):
            data = mutate_x12(data, rng) if rng.random() < 0.8 else mutate_bytes(data, rng)
        return data
    if kind == "fhir":
        if rng.random() < 0.3:
            template = next(t for t in map(_json_claim, seeds) if t is not None)
            data = generated_fhir(rng, template)
        else:
            data = rng.choice(seeds)
        for _ in range(rng.randint(0, 3)):
            data = mutate_json(data, rng) if rng.random() < 0.8 else mutate_bytes(data, rng)
        return data
    data = rng.choice(seeds)
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(lines))
        cells = lines[at].split(b"\t" if b"\t" in lines[at] else b",")
        slot = rng.randrange(len(cells))
        cells[slot] = rng.choice(
            [n.encode() for n in ODD_NUMBERS] + [b"", b'"', b"3 Date of Service"]
        )
        lines[at] = (b"\t" if b"\t" in lines[at] else b",").join(cells)
    return b"\n".join(lines)
