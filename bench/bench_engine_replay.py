"""Benchmark the engine around the edits: every edit and screen replays what it said in a
first run, so only the engine's own work is left (never run as a test).

``bench_engine.py`` times the engine with the plugins' edits, which are most of its cost on
the worst case. This records, in a first run, what each edit yielded (a finding made by
``ctx.finding`` as the arguments the edit gave it, any other finding as it was) and what each
screen answered, then scrubs the batch again with edits that replay exactly that: the
findings are made through ``ctx.finding`` again, the engine asks the screens, runs the
phases and rounds, places the findings, applies the fixes, records the history and builds
the results, but no plugin works. The replayed results must equal the first run's (checked
before anything is timed). What the replay itself costs (a generator per edit call, one
call per finding) is the same whichever tree runs it, so two trees compare.

Usage: .venv/bin/python bench/bench_engine_replay.py [--only worst|mix] [--claims 2000]
[--rounds 7] [--passes K [--report]]

``--passes K`` times nothing (for ``valgrind --tool=cachegrind``, as ``bench_engine.py``
explains): K replayed passes after the checked one; ``--report`` builds each pass's report
entries too. Run it on another tree with ``PYTHONPATH=<tree>:<tree>/plugins:<tree>/adapters:
<tree>/bench`` (it uses only what the start tree of issue 12's speed pass already had).
"""

from __future__ import annotations

import dataclasses
import gc
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from typing import Any

from bench_engine import bench_args, bench_batches
from bench_x12 import _chunks

from scrubber._api import Plugins
from scrubber._edits import Edit, EditContext
from scrubber._engine import Engine
from scrubber._findings import Finding
from scrubber._formats import ClaimPiece
from scrubber._report import ReportBuilder
from scrubber_x12.reader import read_837

Said = tuple[Any, ...]  # ("ctx", args, kwargs) or ("raw", finding)


class Recording:
    """What every edit yielded and every screen answered, in call order, per edit code and
    per screen; ``queues()`` gives a fresh copy to replay from."""

    def __init__(self) -> None:
        self.said: dict[str, list[list[Said]]] = defaultdict(list)
        self.answers: dict[int, list[object]] = defaultdict(list)
        self.current: dict[str, deque[list[Said]]] = {}
        self.current_answers: dict[int, deque[object]] = {}

    def rewind(self) -> None:
        self.current = {code: deque(calls) for code, calls in self.said.items()}
        self.current_answers = {key: deque(a) for key, a in self.answers.items()}


def recorded(edits: tuple[Edit, ...], recording: Recording) -> list[Edit]:
    """*edits* that record what they yield and what their screens answer."""
    made: list[tuple[Finding, tuple[Any, ...], dict[str, Any]]] = []
    finding = EditContext.finding

    def logged(self: EditContext, *args: Any, **kwargs: Any) -> Finding:
        found = finding(self, *args, **kwargs)
        made.append((found, args, kwargs))
        return found

    EditContext.finding = logged  # type: ignore[method-assign]  # restored by the caller

    def check(item: Edit) -> Callable[..., list[Finding]]:
        def run(claim: Any, ctx: EditContext) -> list[Finding]:
            made.clear()
            out = list(item.check(claim, ctx))
            by_id = {id(f): (args, kwargs) for f, args, kwargs in made}
            recording.said[item.code].append(
                [("ctx", *by_id[id(f)]) if id(f) in by_id else ("raw", f) for f in out]
            )
            return out

        return run

    def screen(key: int, inner: Callable[..., Any]) -> Callable[..., Any]:
        def run(claim: Any, ctx: EditContext) -> Any:
            answer = inner(claim, ctx)
            recording.answers[key].append(answer)
            return answer

        return run

    return _rewired(edits, check, screen)


def replayed(edits: tuple[Edit, ...], recording: Recording) -> list[Edit]:
    """*edits* that say again what they said when recorded."""

    def check(item: Edit) -> Callable[..., Iterator[Finding]]:
        def run(claim: Any, ctx: EditContext) -> Iterator[Finding]:
            for said in recording.current[item.code].popleft():
                yield ctx.finding(*said[1], **said[2]) if said[0] == "ctx" else said[1]

        return run

    def screen(key: int, inner: Callable[..., Any]) -> Callable[..., Any]:
        def run(claim: Any, ctx: EditContext) -> Any:
            return recording.current_answers[key].popleft()

        return run

    return _rewired(edits, check, screen)


def _rewired(
    edits: tuple[Edit, ...],
    check: Callable[[Edit], Callable[..., Any]],
    screen: Callable[[int, Callable[..., Any]], Callable[..., Any]],
) -> list[Edit]:
    screens: dict[int, Callable[..., Any]] = {}  # one per shared screen, as the engine asks
    out = []
    for item in edits:
        shared = item.screen
        if shared is not None and id(shared) not in screens:
            screens[id(shared)] = screen(id(shared), shared)
        out.append(
            dataclasses.replace(
                item,
                check=check(item),
                screen=None if shared is None else screens[id(shared)],
            )
        )
    return out


def one_pass(
    engine: Engine, recording: Recording, pieces: list[ClaimPiece], *, report: bool
) -> list[Any]:
    """One replayed run over *pieces* (and its report entries, with *report*)."""
    recording.rewind()
    run = engine.start()
    results = [run.result(piece) for piece in pieces]
    if report:
        builder = ReportBuilder(lambda entry: None)
        for piece, result in zip(pieces, results, strict=True):
            builder.add(result, source=piece.locator)
    return results


def main() -> None:
    args = bench_args(__doc__.splitlines()[0])
    plugins = Plugins.load()
    batches = bench_batches(args.claims, plugins)
    profile = plugins.profile(None)
    for name, batch in batches.items():
        if args.only not in (None, name):
            continue
        data, tables = batch()
        pieces = [p for p in read_837(_chunks(data), {}) if isinstance(p, ClaimPiece) and p.claim]
        recording = Recording()
        finding = EditContext.finding
        try:
            engine = Engine(
                edits=recorded(plugins.edits, recording), tables=tables, profile=profile
            )  # type: ignore[arg-type]
            run = engine.start()
            first = [run.result(piece) for piece in pieces]
        finally:
            EditContext.finding = finding  # type: ignore[method-assign]
        engine = Engine(edits=replayed(plugins.edits, recording), tables=tables, profile=profile)  # type: ignore[arg-type]

        again = one_pass(engine, recording, pieces, report=False)
        if [(r.findings, r.claim) for r in again] != [(r.findings, r.claim) for r in first]:
            raise SystemExit(f"{name}: the replay does not give the recorded results")
        if args.passes is not None:
            gc.collect()
            gc.disable()  # as bench_engine.py: a full collection moves the count at random
            for _ in range(args.passes):
                one_pass(engine, recording, pieces, report=args.report)
            continue
        best = float("inf")
        for _ in range(args.rounds):
            recording.rewind()
            run = engine.start()
            start = time.process_time()
            for piece in pieces:
                run.result(piece)
            best = min(best, (time.process_time() - start) / len(pieces))
        print(f"  {name:<6} engine around the edits {best * 1e6:>7.1f} us/claim ({len(pieces)})")


if __name__ == "__main__":
    main()
