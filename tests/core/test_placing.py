"""A finding names the input line and follows it through every later phase's fixes."""

from __future__ import annotations

from scrubber._findings import Finding, Severity
from scrubber._placing import place_lines
from scrubber.testing import make_claim, make_line


def _finding(line: int | None, code: str = "TST001") -> Finding:
    return Finding(code=code, severity=Severity.INFO, message="m", claim_id="C1", line=line)


def test_a_line_is_followed_through_splits_and_removals_of_later_phases() -> None:
    read = make_claim(lines=[make_line(), make_line(code="97110"), make_line(code="J1100")])
    # phase 1 (normalize) splits line 2 in two: lines 1, 2a, 2b, 3
    after_1 = make_claim(
        lines=[
            make_line(number=1, origin=1),
            make_line(number=2, origin=2, code="97110"),
            make_line(number=3, origin=2, code="97110"),
            make_line(number=4, origin=3, code="J1100"),
        ]
    )
    split_2 = ((1,), (2, 3), (4,))
    # phase 2 (limit) removes line 1 and splits the last line (input line 3) in two
    removed_1 = ((), (1,), (2,), (3, 4))
    # phase 3 (annotate) moves nothing
    findings = [
        _finding(2),  # phase 1, input line 2
        _finding(None),  # phase 1, the claim
        _finding(3, "TST002"),  # phase 2: line 3 of the claim after the split = input line 2
        _finding(4, "TST003"),  # phase 2: input line 3
        _finding(1, "TST004"),  # phase 3: what was input line 2 (first part)
        _finding(9, "TST005"),  # a line the claim does not have: left as it was
    ]
    stages = [(read, 0), (after_1, 2), (read, 4)]
    placed = place_lines(findings, stages, [split_2, removed_1, ()])
    assert [(f.code, f.line, f.output_lines) for f in placed] == [
        ("TST001", 2, (1, 2)),
        ("TST001", None, ()),
        ("TST002", 2, (2,)),
        ("TST003", 3, (3, 4)),
        ("TST004", 1, (1,)),
        ("TST005", 9, ()),
    ]


def test_a_line_removed_in_a_later_phase_has_no_output_line() -> None:
    read = make_claim(lines=[make_line(), make_line(code="97110")])
    placed = place_lines([_finding(1)], [(read, 0), (read, 1)], [(), ((), (1,))])
    assert [(f.line, f.output_lines) for f in placed] == [(1, ())]


def test_findings_placed_when_made_stay_as_made_when_no_line_moved() -> None:
    """The round where no fix moved a line: findings made placed (``output_lines`` set) and
    claim findings come back as they are; one built by hand still gets its input line, the
    same as when the slow walk places it."""
    split = make_claim(
        lines=[
            make_line(number=1, origin=1),
            make_line(number=2, origin=1),
            make_line(number=3, origin=2, code="J1100"),
        ]
    )
    made = Finding(
        code="TST001", severity=Severity.INFO, message="m", claim_id="C1", line=2, output_lines=(3,)
    )
    stages = [(split, 0), (split, 2)]
    findings = [made, _finding(None)]
    assert place_lines(findings, stages, [(), ()]) is findings
    by_hand = [made, _finding(None), _finding(3, "TST002")]
    placed = place_lines(by_hand, stages, [(), ()])
    assert [(f.code, f.line, f.output_lines) for f in placed] == [
        ("TST001", 2, (3,)),
        ("TST001", None, ()),
        ("TST002", 2, (3,)),
    ]
    # the same findings through a phase whose identity map is followed: the same places
    identity = ((1,), (2,), (3,))
    assert place_lines(by_hand, stages, [(), identity]) == placed
    assert place_lines(findings, stages, [identity, ()]) == findings
