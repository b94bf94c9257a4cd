"""The line map ``apply_fixes`` returns, and whether it moves any line.

Most fixes leave every line one line at its number (units capped, a note, an attachment):
their map is the identity, shared, and the engine has nothing to follow for findings on
such a claim. A split or a removal moves lines, and the map says where each went.
"""

from __future__ import annotations

from decimal import Decimal

from scrubber._fixes import (
    AddNote,
    RemoveLine,
    SetUnits,
    SplitLine,
    SplitPart,
    apply_fixes,
    moves_lines,
)
from scrubber.testing import make_claim, make_line

D = Decimal


def _claim():
    return make_claim(lines=[make_line(units=3), make_line(code="97110"), make_line(code="J1100")])


def test_fixes_that_keep_every_line_in_place_give_the_identity_map() -> None:
    claim = _claim()
    fixes = [("TST001", SetUnits(line=1, units=D(1))), ("TST002", AddNote(line=3, text="N"))]
    outcome = apply_fixes(claim, fixes)
    assert outcome.line_map == ((1,), (2,), (3,))
    assert not moves_lines(outcome.line_map)
    assert outcome.claim.lines[1] is claim.lines[1]  # a line no fix named is kept as it is
    assert outcome.claim.total_charge == claim.total_charge - D("66.67")


def test_a_split_or_a_removal_moves_lines() -> None:
    claim = _claim()
    split = SplitLine(line=1, parts=(SplitPart(units=D(1)), SplitPart(units=D(2))))
    outcome = apply_fixes(claim, [("TST001", split), ("TST002", RemoveLine(line=2))])
    assert outcome.line_map == ((1, 2), (), (3,))
    assert moves_lines(outcome.line_map)
    assert [(ln.number, ln.origin) for ln in outcome.claim.lines] == [(1, 1), (2, 1), (3, 3)]


def test_nothing_applied_is_no_map_and_moves_nothing() -> None:
    claim = _claim()
    outcome = apply_fixes(claim, [("TST001", SetUnits(line=1, units=D(3)))])
    assert outcome.claim is claim and outcome.line_map == ()
    assert not moves_lines(outcome.line_map)
    # an identity map made elsewhere still reads as one to follow: following it is harmless
    assert moves_lines(((1,), (2,)))


def test_a_long_claim_gets_its_own_identity_map_and_the_shared_ones_stay_few() -> None:
    """A FHIR claim has no line limit: a cap on a 3,000-line claim must not make the shared
    maps of every size up to it (a service would keep them for good), and a map of its own
    is followed like any other, to the same numbers."""
    from scrubber import _fixes

    claim = make_claim(lines=[make_line(code=f"{n:05d}") for n in range(1, 3001)])
    outcome = apply_fixes(claim, [("TST001", SetUnits(line=2999, units=D(2)))])
    assert outcome.line_map == tuple((n,) for n in range(1, 3001))
    assert moves_lines(outcome.line_map)  # not a shared map: followed, harmlessly
    assert outcome.claim.lines[2998].units == D(2)
    assert max(_fixes._IDENTITY, default=0) <= _fixes._SHARED_IDENTITY_MAX
