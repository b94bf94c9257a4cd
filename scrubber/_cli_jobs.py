"""``scrubber scrub --jobs N``: scrub the inputs in N worker processes, same result as one.

The work is cut into units: an input is one unit, or, when it is large and its format can
say where (``Format.split``: an 837P at loop 2000B, NDJSON at lines), several. A worker
process loads the plugins, the table store and the profile once (``scrubber._jobs_worker``)
and scrubs units through the same ``Engine``/``Run`` path as ``--jobs 1``, reading its own
byte range of the input.

Day totals are why this is not simply "one unit per worker". A date-of-service edit (the MUE)
counts the units on *earlier* claims of the same beneficiary and provider, as those claims
were finally billed (after their own fixes). So the run goes in two passes:

1. Every unit is scrubbed on its own, on an empty run history (plus the persisted history,
   which every worker reads). Each result also names the beneficiary keys of the unit's
   claims (``Claim.patient_key`` or ``subscriber_key``, the key the history itself uses).
2. As first-pass results arrive in input order, ``_grouping.EarlierSharing`` decides each
   unit: one that shares no beneficiary with an earlier unit saw every claim its day totals
   need, so its first-pass result is exactly what ``--jobs 1`` writes. Any other is scrubbed
   again by one worker on a history fed, in order, by the earlier units' claims of the
   beneficiaries they share (re-scrubbed, unwritten). Those second scrubs are independent
   of each other: they run side by side, ahead of first passes still waiting.

Outputs are then written in input order through the CLI's all-or-none ``PendingOutputs``:
an input cut into units is the units' outputs spliced one after the other, each ``Seam``
(an X12 SE01 counting segments of several units) written by the format's ``join``.
``--validate``, ``--ack`` and the report's validation entries are made on the whole output,
and the report's entries are copied in input order, so output and report are those of
``--jobs 1``. A persisted history (``--history``) is read by every worker and written by
this process only, from the changes the workers return, in input order, after every output
is in place.

An exception in a worker (a bad input, ``--strict``, a plugin's bug) reaches this process and
is raised as ``--jobs 1`` would raise it: the first in input order (for a unit of a bad
input, the input is read whole again so that the message is the one ``--jobs 1`` gives); a
worker that dies ends the run with exit code 3. Nothing is written in either case.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import tempfile
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from multiprocessing import get_all_start_methods, get_context
from typing import Any

from scrubber._api import Plugins, tool_version
from scrubber._cli_io import CHUNK, PendingOutputs, read_chunks, stdin_copy
from scrubber._cli_outputs import InputOutputs
from scrubber._cli_scrub import (
    _html,
    _pick_format,
    _report_chunks,
    _validate,
    exit_code,
    print_outcome,
    scrub_options,
)
from scrubber._errors import AdapterError, PluginError, ScrubberError
from scrubber._formats import Format, Unit
from scrubber._grouping import EarlierSharing
from scrubber._history import ClaimHistory
from scrubber._history_store import SqliteHistory
from scrubber._jobs_worker import HistoryEvent, Input, Scrubbed, scrub_inputs, start_worker
from scrubber._profiles import Profile
from scrubber._report import ReportBuilder
from scrubber._tables import TableInfo
from scrubber._terminal import (
    FindingListing,
    listing_rows,
    stderr_console,
)

__all__ = ["jobs_wanted", "jobs_worth_it", "run_scrub_jobs"]


def jobs_wanted(args: argparse.Namespace) -> int:
    """The number of worker processes ``--jobs`` asks for (0: every core)."""
    jobs: int = getattr(args, "jobs", 1)
    if jobs < 0:
        raise ScrubberError("--jobs must be 0 (every core) or more")
    return jobs or os.cpu_count() or 1


def _first_use(results: Sequence[Scrubbed]) -> list[TableInfo]:
    """The tables the run used, in first-use order across inputs in input order."""
    seen: dict[TableInfo, None] = {}
    for result in results:
        for info in result.tables:
            seen.setdefault(info, None)
    return list(seen)


def _pool(
    jobs: int,
    args: argparse.Namespace,
    history: ClaimHistory | None,
    plugins: Plugins,
    profile: Profile,
) -> Any:
    """The worker processes. Where the platform can ``fork`` (Linux), a worker starts as a
    copy of this process, with the plugins and the profile already loaded; elsewhere it is
    spawned and loads them itself. Either way it opens its own table store and history
    connections (a database connection is never carried across a fork)."""
    history_path = history.path if isinstance(history, SqliteHistory) else None
    window = history.max_patients if history is not None else ClaimHistory().max_patients
    forking = "fork" in get_all_start_methods()
    context = get_context("fork" if forking else "spawn")
    loaded = (plugins, profile) if forking else None
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=start_worker,
        initargs=(args, history_path, window, loaded),
    )


def _scrub_all(
    jobs: int,
    args: argparse.Namespace,
    history: ClaimHistory | None,
    items: list[Input],
    workdir: str,
    wholes: Sequence[Input],
    plugins: Plugins,
    profile: Profile,
) -> list[Scrubbed]:
    """Both passes; the final result of every unit, in input order.

    First passes are handed out in input order, a few at a time, so that as soon as the
    units before one are through it, ``EarlierSharing`` decides whether its result is final
    or it needs a second scrub; a second scrub is handed out before any first pass still
    waiting, and second scrubs run side by side."""
    workers = min(jobs, len(items))
    results: list[Scrubbed | None] = [None] * len(items)
    firsts: dict[int, Scrubbed] = {}
    sharing = EarlierSharing()
    decided = 0  # units before this one are decided
    waiting = deque(range(len(items)))  # first passes not handed out yet
    again: deque[tuple[int, dict[int, frozenset[str]]]] = deque()
    failures: dict[int, Exception] = {}
    broken = False  # a worker died: the pool takes no more work
    with _pool(workers, args, history, plugins, profile) as pool:
        running: dict[Future[list[Scrubbed]], tuple[str, int]] = {}

        def hand_out() -> None:
            # one more than the workers, so that none waits for this process between tasks
            while len(running) <= workers and not broken:
                stop = min(failures, default=len(items))  # after a failure: only the units
                if again and again[0][0] < stop:  # before it, as one process would end
                    index, feed = again.popleft()
                    group = [items[i] for i in feed] + [items[index]]
                    task = pool.submit(scrub_inputs, group, workdir, "b", feed)
                    running[task] = ("b", index)
                elif waiting and not failures:
                    index = waiting.popleft()
                    running[pool.submit(scrub_inputs, [items[index]], workdir, "a")] = ("a", index)
                else:
                    return

        hand_out()
        while running:
            done, _pending = wait(running, return_when=FIRST_COMPLETED)
            for task in done:
                kind, index = running.pop(task)
                try:
                    [result] = _result(task)
                except Exception as exc:  # raised below, in input order
                    failures[index] = exc
                    broken = broken or isinstance(task.exception(), BrokenProcessPool)
                    continue
                if kind == "b":
                    results[index] = result
                else:
                    firsts[index] = result
            while decided in firsts:
                first = firsts.pop(decided)
                feed = sharing.add(decided, first.keys)
                if feed:
                    again.append((decided, feed))
                else:
                    results[decided] = first
                decided += 1
            hand_out()
        if failures:
            index = min(failures)
            failure = failures[index]
            if isinstance(failure, AdapterError) and items[index].unit is not None and not broken:
                # a unit of a bad input: the input read whole names the error exactly as
                # --jobs 1 does (its first error, wherever the units were cut)
                whole = next(w for w in wholes if w.path == items[index].path)
                _result(pool.submit(scrub_inputs, [whole], workdir, "w"))
            raise failure
    done_results = [result for result in results if result is not None]
    assert len(done_results) == len(items)
    return done_results


def _size(item: Input) -> int:
    if item.unit is not None:
        return item.unit.end - item.unit.start
    try:
        return os.path.getsize(item.source)
    except OSError:  # the worker names the file in its error
        return 0


# Units per worker: enough that a worker finishing early finds work left (measured: with 4,
# the busiest of two workers had 40 % more to do than the other on a shared machine), few
# enough that each unit's fixed cost (files, a history, a report builder) stays small. A unit
# is never under MIN_UNIT bytes (about 400 claims of 5 lines): a smaller input stays whole.
UNITS_PER_JOB = 8
MIN_UNIT = 256 << 10


def _unit_size(jobs: int, wholes: Sequence[Input]) -> int:
    """The size to cut inputs into: the run's bytes shared out as ``UNITS_PER_JOB`` units
    per worker, never under ``MIN_UNIT``."""
    total = sum(_size(item) for item in wholes)
    return max(MIN_UNIT, total // (jobs * UNITS_PER_JOB))


def _units(item: Input, fmt: Format, size: int) -> list[tuple[int, Unit | None]]:
    """*item*'s units (the format's ``Splitter.cut``), or the whole input as one."""
    if fmt.split is None or _size(item) < 2 * size:
        return [(0, None)]
    try:
        units = fmt.split.cut(read_chunks(item.source), size)
    except OSError:  # the worker names the file in its error
        return [(0, None)]
    if len(units) < 2:
        return [(0, None)]
    return list(enumerate(units))


def jobs_worth_it(args: argparse.Namespace, jobs: int) -> bool:
    """Whether worker processes can share the run: several inputs, or one large enough to
    cut into units (a smaller one is scrubbed in this process, with no start-up to pay)."""
    if jobs < 2 or not args.inputs:
        return False
    if len(args.inputs) > 1:
        return True
    path = args.inputs[0]
    try:
        return path != "-" and os.path.getsize(path) >= 2 * MIN_UNIT
    except OSError:
        return False


def _result(future: Future[list[Scrubbed]]) -> list[Scrubbed]:
    """A worker's results; its exception re-raised here (the exit code ``--jobs 1`` gives)."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise PluginError(
            "a worker process ended abruptly while scrubbing (a plugin or format crashed "
            "its process); nothing was written"
        ) from None


def run_scrub_jobs(
    args: argparse.Namespace,
    plugins: Plugins,
    profile: Profile,
    history: ClaimHistory | None,
    jobs: int,
    plan: Sequence[InputOutputs],
) -> int:
    """``run_scrub`` in *jobs* worker processes (each opens the table store itself) on the
    outputs ``plan_outputs`` planned: the same outputs, report and exit code."""
    given = scrub_options(args, plugins).format_options  # a bad option: refused before work
    if history is not None and not isinstance(history, SqliteHistory):
        raise ScrubberError("--jobs takes a persisted history (SqliteHistory) or none")
    outputs = PendingOutputs()
    stash = tempfile.TemporaryDirectory(prefix="scrubber-stdin-")
    workdir = tempfile.mkdtemp(prefix="scrubber-jobs-")
    spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115  # closed below
    listing_spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115  # as spool
    listing = FindingListing(listing_spool)
    console = stderr_console()
    report = ReportBuilder(lambda _entry: None, check=args.check, level=args.report_level)
    plugin_of = {e.code: e.plugin for e in plugins.edits}
    try:
        wholes: list[Input] = []  # every input, whole
        formats: list[Format] = []
        items: list[Input] = []  # the units of work: every input's units, in input order
        parts: list[range] = []  # each input's units in items
        to_stdout: Format | None = None
        for index, (path, targets) in enumerate(zip(args.inputs, plan, strict=True)):
            source = stdin_copy(stash) if path == "-" else path
            fmt = _pick_format(args, plugins, path, source)
            if targets.claims == "-":
                if to_stdout is not None and to_stdout.name != fmt.name:
                    raise ScrubberError(
                        f"{to_stdout.name} and {fmt.name} inputs would be mixed on stdout;"
                        " use --out-dir DIR",
                        source=path,
                    )
                to_stdout = fmt
            if targets.response and fmt.respond is None:
                raise ScrubberError(f"format {fmt.name} writes no response documents (--response)")
            if targets.ack and fmt.acknowledge is None:
                raise ScrubberError(f"format {fmt.name} has no acknowledgment (--ack)")
            whole = Input(
                index=index, path=path, source=source, fmt=fmt.name, respond=bool(targets.response)
            )
            wholes.append(whole)
            formats.append(fmt)
        size = _unit_size(jobs, wholes)
        for whole, fmt in zip(wholes, formats, strict=True):
            units = _units(whole, fmt, size)
            parts.append(range(len(items), len(items) + len(units)))
            items += [replace(whole, index=len(items) + i, unit=unit) for i, unit in units]
        results = _scrub_all(jobs, args, history, items, workdir, wholes, plugins, profile)
        for whole, fmt, span, targets in zip(wholes, formats, parts, plan, strict=True):
            mine = [results[i] for i in span]
            _collect(args, whole, fmt, mine, report, outputs, spool, given, targets)
            for result in mine:
                if result.listing is not None:
                    name = "<stdin>" if whole.path == "-" else whole.path
                    with open(result.listing, encoding="utf-8") as listed:
                        for line in listed:
                            listing.add(listing_rows(json.loads(line), name, plugin_of))
        header = report.header(
            tool_version=tool_version(),
            plugins=[(i.name, i.version) for i in plugins.infos],
            tables=_first_use(results),
            inputs=[{"path": item.path, "format": item.fmt} for item in wholes],
            as_of=args.as_of,
            profile=profile,
        )
        if args.report:
            outputs.write_all(args.report, _report_chunks(header, spool))
        if args.html:
            outputs.write_all(args.html, [_html(header, spool).encode("utf-8")])
        outputs.commit()
        if isinstance(history, SqliteHistory):
            if args.check:
                history.rollback()
            else:
                for result in results:
                    for patient, removed, added in _events(result):
                        history._changed(patient, removed=removed, added=added)
                history.commit()
    except BaseException:
        outputs.discard()
        if isinstance(history, SqliteHistory):
            history.rollback()
        raise
    else:
        print_outcome(args, console, listing, header)
    finally:
        spool.close()
        listing_spool.close()
        stash.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    return exit_code(report)


def _events(result: Scrubbed) -> Iterator[HistoryEvent]:
    """The history changes a worker made for one input, in the order it made them."""
    if result.events is None:
        return
    with open(result.events, "rb") as handle:
        while True:
            try:
                yield pickle.load(handle)
            except EOFError:
                return


def _collect(
    args: argparse.Namespace,
    item: Input,
    fmt: Format,
    parts: Sequence[Scrubbed],
    report: ReportBuilder,
    outputs: PendingOutputs,
    spool: Any,
    given: Mapping[str, str],
    targets: InputOutputs,
) -> None:
    """One input's results (its units' in order) into the run's outputs and report, as
    ``_scrub_one`` makes them."""
    for result in parts:
        for name, value in result.totals.items():
            setattr(report, name, getattr(report, name) + value)
        for name, counter in result.counters.items():
            getattr(report, name).update(counter)
        with open(result.entries, encoding="utf-8") as entries:
            for line in entries:
                spool.write(line)
    responses = [result.responses for result in parts if result.responses is not None]
    if targets.response and responses:
        outputs.write_all(targets.response, _concatenated(responses))
    target = targets.claims
    handle = None
    if target is not None and all(result.output is not None for result in parts):
        handle = outputs.write_all(target, _spliced(parts, fmt))
    options = {key: value for key, value in given.items() if key in fmt.options}
    try:
        if args.validate:
            _validate(fmt, options, report, handle, item.source, item.path)
        if targets.ack and fmt.acknowledge is not None:
            data = b"".join(read_chunks(item.source))
            outputs.write_all(targets.ack, [fmt.acknowledge(data, options)])
    except AdapterError as exc:
        exc.source = exc.source or item.path
        raise
    except OSError as exc:
        raise ScrubberError(f"cannot read: {exc.strerror}", source=item.path) from None


def _concatenated(paths: Sequence[str]) -> Iterator[bytes]:
    for path in paths:
        yield from read_chunks(path)


def _spliced(parts: Sequence[Scrubbed], fmt: Format) -> Iterator[bytes]:
    """The units' outputs one after the other, each ``Seam`` written by the format's
    ``join`` in input order (an X12 SE01 that counts segments of several units)."""
    state: object = None
    for result in parts:
        assert result.output is not None
        if not result.seams:
            yield from read_chunks(result.output)
            continue
        assert fmt.split is not None
        with open(result.output, "rb") as handle:
            done = 0
            for offset, payload in result.seams:
                yield from _copy(handle, offset - done)
                done = offset
                data, state = fmt.split.join(payload, state)
                if data:
                    yield data
            yield from iter(lambda: handle.read(CHUNK), b"")


def _copy(handle: Any, size: int) -> Iterator[bytes]:
    while size > 0:
        chunk = handle.read(min(CHUNK, size))
        if not chunk:
            return
        size -= len(chunk)
        yield chunk
