"""Properties of the output plan and of one-line messages, over generated command lines."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrubber._cli_io import one_line
from scrubber._cli_outputs import plan_outputs
from scrubber._errors import ScrubberError

NAMES = st.sampled_from(["a.837", "b.837", "a.json", "r.json", "run.999", "-"])
DIRS = st.sampled_from(["", "in", "out", "."])


@given(st.text())
def test_one_line_is_always_one_line_and_keeps_printable_text(text: str) -> None:
    shown = one_line(text)
    assert len(shown.splitlines()) <= 1 and "\r" not in shown and "\n" not in shown
    if text.isprintable():
        assert shown == text


@given(
    inputs=st.lists(st.tuples(DIRS, NAMES), min_size=1, max_size=4),
    output=st.one_of(st.none(), st.tuples(DIRS, NAMES)),
    out_dir=st.one_of(st.none(), DIRS.filter(bool)),
    report=st.one_of(st.none(), st.tuples(DIRS, NAMES)),
    ack=st.one_of(st.none(), st.tuples(DIRS, NAMES)),
    check=st.booleans(),
    force=st.booleans(),
)
def test_a_plan_never_writes_one_file_twice_nor_an_input_unforced(
    tmp_path_factory, inputs, output, out_dir, report, ack, check, force
) -> None:
    root = Path(tmp_path_factory.mktemp("plan"))

    def at(pair: tuple[str, str]) -> str:
        folder, name = pair
        return name if name == "-" else str(root / folder / name)

    paths = [at(p) for p in inputs]
    try:
        plan = plan_outputs(
            paths,
            output=None if output is None or out_dir else at(output),
            out_dir=None if out_dir is None else str(root / out_dir),
            report=None if report is None else at(report),
            ack=None if ack is None else at(ack),
            response=None,
            check=check,
            force=force,
        )
    except ScrubberError:
        return  # refused: nothing is written
    files = [t for p in plan for t in (p.claims, p.ack) if t and t != "-"]
    if report and at(report) != "-":
        files.append(at(report))
    normal = [os.path.normpath(f) for f in files]
    assert len(set(normal)) == len(normal)
    stdout_users = {k for p in plan for k, t in (("claims", p.claims), ("ack", p.ack)) if t == "-"}
    if report and at(report) == "-":
        stdout_users.add("report")
    assert len(stdout_users) <= 1
    if not force:
        assert not set(normal) & {os.path.normpath(p) for p in paths if p != "-"}
    if check:
        assert all(p.claims is None for p in plan)


def test_every_named_output_takes_part_in_the_refusals(tmp_path) -> None:
    """The HTML report (``--html``) is one more output: it may not share a file or stdout."""
    src = str(tmp_path / "a.837")
    common = {"output": None, "out_dir": None, "ack": None, "response": None, "force": False}
    same = str(tmp_path / "r")
    with pytest.raises(ScrubberError, match="named by both --report and --html"):
        plan_outputs([src], report=same, html=same, check=True, **common)
    with pytest.raises(ScrubberError, match="would share stdout"):
        plan_outputs([src], report=None, html="-", check=False, **common)
