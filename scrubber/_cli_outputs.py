"""Which files a ``scrubber scrub`` run will write, decided (and refused) before any work.

A run never overwrites something the user did not mean it to: two outputs naming one file,
an output naming an input, two inputs landing on one name under ``--out-dir``, or two outputs
sharing stdout are each refused with one line and exit 2, before a single claim is read.

Per-input outputs: with one input, ``--ack FILE`` and ``--response FILE`` are written to
FILE as given. With several inputs each input gets its own file, named after FILE with the
input's file name inserted before FILE's suffix: ``--ack acks/run.999`` with ``a.837`` and
``b.837`` writes ``acks/run.a.837.999`` and ``acks/run.b.837.999`` (stdin is ``stdin``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from scrubber._cli_io import OutputError, check_writable, is_stream
from scrubber._errors import ScrubberError

__all__ = ["InputOutputs", "plan_outputs"]


@dataclass(frozen=True, slots=True, kw_only=True)
class InputOutputs:
    """Where one input's outputs go; ``None`` when the run does not write that output."""

    claims: str | None
    ack: str | None
    response: str | None


def _input_name(path: str) -> str:
    return "stdin" if path == "-" else os.path.basename(os.path.normpath(path))


def per_input_name(template: str, input_path: str) -> str:
    """*template* with the input's file name inserted before its suffix (see the module)."""
    head, tail = os.path.split(template)
    stem, dot, suffix = tail.rpartition(".")
    if not dot or not stem:
        return os.path.join(head, f"{tail}.{_input_name(input_path)}")
    return os.path.join(head, f"{stem}.{_input_name(input_path)}.{suffix}")


def _same_file(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _claims_target(
    path: str, *, output: str | None, out_dir: str | None, check: bool
) -> str | None:
    if check:
        return None
    if out_dir:
        name = "stdin.out" if path == "-" else _input_name(path)
        return os.path.join(out_dir, name)
    return output or "-"


def plan_outputs(
    inputs: Sequence[str],
    *,
    output: str | None,
    out_dir: str | None,
    report: str | None,
    ack: str | None,
    response: str | None,
    check: bool,
    force: bool,
    html: str | None = None,
) -> list[InputOutputs]:
    """Each input's outputs, after every refusal the run could hit while writing them."""
    if check and (output or out_dir):
        raise ScrubberError("--check writes no claims; drop -o/--out-dir or drop --check")
    if len(inputs) > 1 and output and output != "-":
        raise ScrubberError("-o names one output; use --out-dir DIR for several inputs")
    several = len(inputs) > 1
    plan = [
        InputOutputs(
            claims=_claims_target(path, output=output, out_dir=out_dir, check=check),
            ack=per_input_name(ack, path) if ack and ack != "-" and several else ack,
            response=(
                per_input_name(response, path)
                if response and response != "-" and several
                else response
            ),
        )
        for path in inputs
    ]
    claims_option = "--out-dir" if out_dir else "-o"
    named: list[tuple[str, str]] = [
        (option, target)
        for p in plan
        for option, target in (
            (claims_option, p.claims),
            ("--ack", p.ack),
            ("--response", p.response),
        )
        if target
    ]
    if report:
        named.append(("--report", report))
    if html:
        named.append(("--html", html))
    _refuse_shared_stdout(named)
    files = [(option, target) for option, target in named if target != "-"]
    for index, (option, target) in enumerate(files):
        if is_stream(target):  # /dev/null or a pipe: written to, never replaced
            continue
        for other_option, other in files[:index]:
            if _same_file(target, other):
                if option == other_option == "--out-dir":
                    raise OutputError(
                        "two inputs have this name; scrub them into different directories",
                        source=target,
                    )
                raise OutputError(
                    f"named by both {other_option} and {option}; give each output its own file",
                    source=target,
                )
        check_writable(target)
        if not force:
            for source in inputs:
                if source != "-" and _same_file(target, source):
                    raise OutputError(
                        f"{option} would overwrite this input; pass --force to replace it",
                        source=target,
                    )
    return plan


def _refuse_shared_stdout(named: list[tuple[str, str]]) -> None:
    to_stdout = sorted({option for option, target in named if target == "-"})
    if len(to_stdout) > 1:
        said = " and ".join("the claims" if o == "-o" else o for o in to_stdout)
        raise ScrubberError(
            f"{said} would share stdout; send all but one to a file (-o, --report FILE)"
        )
