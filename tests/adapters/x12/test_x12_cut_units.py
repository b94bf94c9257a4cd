"""Where ``--jobs`` cuts an 837P into units, at the adapter: only at subscriber loops, never
between one member's consecutive loops, and the units read and written back are the whole
file (the CLI's side is in tests/test_jobs_units.py)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from runner_parity import mixed_837

from scrubber_x12.synthetic import synthetic_837


def _x12_units(data: bytes, size: int) -> list[tuple[int, int]]:
    from scrubber_x12.split import cut_837

    return [
        (u.start, u.end)
        for u in cut_837([data[i : i + 997] for i in range(0, len(data), 997)], size)
    ]


def test_x12_cuts_only_at_subscriber_loops_and_reads_what_it_cannot_follow_whole() -> None:
    data = synthetic_837(60, claims_per_transaction=25)
    units = _x12_units(data, 2000)
    assert len(units) > 4
    assert all(data[start:].lstrip().startswith(b"HL*") for start, _end in units[1:])
    assert all(data[start:].lstrip().split(b"*")[3] == b"22" for start, _end in units[1:])
    # a billing provider segment outside loop 2000A: no cut until the next 2000A
    dirty = data.replace(b"HL*3*1*22*0~", b"HL*3*1*22*0~\nPRV*BI*PXC*207Q00000X~", 1)
    first_st_end = dirty.index(b"SE*")
    assert not any(0 < start < first_st_end for start, _end in _x12_units(dirty, 2000))
    # a second interchange with other delimiters, a byte order mark, UTF-16: whole
    other = synthetic_837(3).replace(b"*", b"|").replace(b"~", b"!")
    assert len(_x12_units(data + other, 2000)) == 1
    assert len(_x12_units(b"\xef\xbb\xbf" + data, 2000)) == 1
    assert len(_x12_units(data.decode("latin-1").encode("utf-16"), 2000)) == 1
    # a file that ends inside an interchange is the reader's to name: whole
    assert len(_x12_units(data[: len(data) // 2], 2000)) == 1


def test_x12_keeps_consecutive_subscriber_loops_of_one_member_in_one_unit() -> None:
    """One beneficiary's claims in consecutive 2000B loops (here five each) are never cut
    apart, so that units rarely share a beneficiary (each one shared costs a second pass)."""
    counter = iter(range(300))
    data = re.sub(
        rb"\*MI\*M\d{9}",
        lambda _m: b"*MI*P%09d" % (next(counter) // 5),
        synthetic_837(300, claims_per_transaction=120),
    )
    units = _x12_units(data, 3000)
    assert len(units) > 10

    members = re.compile(rb"\*MI\*(P\d{9})")
    for start, _end in units[1:]:
        before = members.findall(data[:start])[-1]
        after = members.search(data, start)
        assert after is not None and after.group(1) != before


def test_x12_units_read_and_written_are_the_whole_file(corpus_dir: Path) -> None:
    """At the adapter: the units' pieces are the whole file's (locators, claims, problems)
    and, every claim rewritten, the units' outputs joined are the whole file's output."""
    from scrubber import ClaimPiece, Seam
    from scrubber_x12.reader import read_837
    from scrubber_x12.split import cut_837, join_837, read_unit, write_unit
    from scrubber_x12.writer import write_837

    joined = b"\n".join(p.read_bytes().strip() for p in sorted(corpus_dir.glob("x12/*.837")))
    for data in (joined + b"\n", mixed_837(60), synthetic_837(90, claims_per_transaction=20)):
        units = cut_837([data[i : i + 1500] for i in range(0, len(data), 1500)], 600)
        assert len(units) > 2

        def summary(pieces: list[Any]) -> list[tuple[Any, ...]]:
            return [
                (p.locator, p.claim_id, p.problem, p.claim is None)
                for p in pieces
                if isinstance(p, ClaimPiece)
            ]

        whole = list(read_837([data], {}))
        parts = [list(read_unit([data[u.start : u.end]], u, {})) for u in units]
        assert summary([p for part in parts for p in part]) == summary(whole)

        def fixed(piece: Any) -> Any:  # every readable claim "changed": its lines re-rendered
            if isinstance(piece, ClaimPiece) and piece.claim is not None:
                return replace(piece.claim, lines=piece.claim.lines[:1])
            return None

        expected = b"".join(write_837(((p, fixed(p)) for p in whole), {}))
        out, state = [], None
        for unit, pieces in zip(units, parts, strict=True):
            for chunk in write_unit(((p, fixed(p)) for p in pieces), unit, {}):
                if isinstance(chunk, Seam):
                    text, state = join_837(chunk.payload, state)
                    out.append(text)
                else:
                    out.append(chunk)
        assert b"".join(out) == expected
        assert expected != data  # SE01 changed: the seams were needed
