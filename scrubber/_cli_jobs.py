"""``scrubber scrub --jobs N``: scrub the inputs in N worker processes, same result as one.

The work is cut into units: an input is one unit, or, when it is large and its format can
say where (``Format.split``: an 837P at loop 2000B, NDJSON at lines), several; the passes
below are ``scrubber._jobs_passes``. A worker process loads the plugins, the table store and
the profile once (``scrubber._jobs_worker``) and scrubs units through the same
``Engine``/``Run`` path as ``--jobs 1``, reading its own byte range of the input.

Day totals are why this is not simply "one unit per worker". A date-of-service edit (the MUE)
counts the units on *earlier* claims of the same beneficiary and provider, as those claims
were finally billed (after their own fixes). So the run goes in two passes:

1. Every unit is scrubbed on its own, on an empty run history (plus the persisted history,
   which every worker reads). Each result also names the beneficiary keys of the unit's
   claims (``Claim.patient_key`` or ``subscriber_key``, the key the history itself uses).
2. Units that share a key are united (union-find) into a group. A unit alone in its group
   never saw a claim of another unit's beneficiary, so its first-pass result is exactly what
   ``--jobs 1`` writes. A group of several units is scrubbed again by one worker, in input
   order, on one history: the day totals run across its units as in ``--jobs 1`` (a unit
   sharing nothing with earlier ones only feeds the history, ``_grouping.feeders``). Groups
   run in parallel.

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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from scrubber import _jobs_passes as passes
from scrubber._api import Plugins, tool_version
from scrubber._cli_io import CHUNK, PendingOutputs, read_chunks, stdin_copy
from scrubber._cli_outputs import InputOutputs
from scrubber._cli_scrub import (
    RunFiles,
    _pick_format,
    _validate,
    exit_code,
    scrub_options,
    stdout_format,
)
from scrubber._errors import AdapterError, ScrubberError
from scrubber._formats import Format
from scrubber._history import ClaimHistory
from scrubber._history_store import SqliteHistory
from scrubber._jobs_passes import cut_units, scrub_all, unit_size
from scrubber._jobs_worker import HistoryEvent, Input, Scrubbed
from scrubber._profiles import Profile
from scrubber._report import ReportBuilder
from scrubber._tables import TableInfo
from scrubber._terminal import listing_rows

__all__ = ["jobs_wanted", "jobs_worth_it", "record_events", "run_scrub_jobs"]


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


def jobs_worth_it(args: argparse.Namespace, jobs: int) -> bool:
    """Whether worker processes can share the run: several inputs, or one large enough to
    cut into units (a smaller one is scrubbed in this process, with no start-up to pay)."""
    if jobs < 2 or not args.inputs:
        return False
    if len(args.inputs) > 1:
        return True
    path = args.inputs[0]
    try:
        return path != "-" and os.path.getsize(path) >= 2 * passes.MIN_UNIT
    except OSError:
        return False


def run_scrub_jobs(
    args: argparse.Namespace,
    plugins: Plugins,
    profile: Profile,
    history: ClaimHistory | None,
    jobs: int,
    plan: Sequence[InputOutputs],
    runner: Callable[[list[Input], str], list[Scrubbed]] | None = None,
) -> int:
    """``run_scrub`` in *jobs* worker processes (each opens the table store itself) on the
    outputs ``plan_outputs`` planned: the same outputs, report and exit code. *runner*, if
    given, does both passes instead of the process pool (``--spark``): it gets the inputs
    and the work directory and returns every input's final result, in input order."""
    given = scrub_options(args, plugins).format_options  # a bad option: refused before work
    if history is not None and not isinstance(history, SqliteHistory):
        raise ScrubberError("--jobs takes a persisted history (SqliteHistory) or none")
    workdir = tempfile.mkdtemp(prefix="scrubber-jobs-")
    report = ReportBuilder(lambda _entry: None, check=args.check, level=args.report_level)
    plugin_of = {e.code: e.plugin for e in plugins.edits}
    try:
        with RunFiles(args, history) as files:
            wholes: list[Input] = []  # every input, whole
            formats: list[Format] = []
            items: list[Input] = []  # the units of work: every input's units, in input order
            parts: list[range] = []  # each input's units in items
            to_stdout: Format | None = None
            for index, (path, targets) in enumerate(zip(args.inputs, plan, strict=True)):
                source = stdin_copy(files.stash) if path == "-" else path
                fmt = _pick_format(args, plugins, path, source)
                to_stdout = stdout_format(to_stdout, fmt, targets.claims, path)
                if targets.response and fmt.respond is None:
                    raise ScrubberError(
                        f"format {fmt.name} writes no response documents (--response)"
                    )
                if targets.ack and fmt.acknowledge is None:
                    raise ScrubberError(f"format {fmt.name} has no acknowledgment (--ack)")
                whole = Input(
                    index=index,
                    path=path,
                    source=source,
                    fmt=fmt.name,
                    respond=bool(targets.response),
                )
                wholes.append(whole)
                formats.append(fmt)
            if runner is None:
                size = unit_size(jobs, wholes)
                for whole, fmt in zip(wholes, formats, strict=True):
                    units = cut_units(whole, fmt, size)
                    parts.append(range(len(items), len(items) + len(units)))
                    items += [replace(whole, index=len(items) + i, unit=unit) for i, unit in units]
                results = scrub_all(jobs, args, history, items, workdir, wholes, plugins, profile)
            else:  # --spark: each input is one unit of work, never cut
                parts = [range(i, i + 1) for i in range(len(wholes))]
                items = list(wholes)
                results = runner(items, workdir)
            for whole, fmt, span, targets in zip(wholes, formats, parts, plan, strict=True):
                mine = [results[i] for i in span]
                _collect(args, whole, fmt, mine, report, files.outputs, files.spool, given, targets)
                for result in mine:
                    if result.listing is not None:
                        name = "<stdin>" if whole.path == "-" else whole.path
                        with open(result.listing, encoding="utf-8") as listed:
                            for line in listed:
                                files.listing.add(listing_rows(json.loads(line), name, plugin_of))
            header = report.header(
                tool_version=tool_version(),
                plugins=[(i.name, i.version) for i in plugins.infos],
                tables=_first_use(results),
                inputs=[{"path": item.path, "format": item.fmt} for item in wholes],
                as_of=args.as_of,
                profile=profile,
            )
            if isinstance(history, SqliteHistory) and not args.check:
                # into the open transaction that files.commit commits after every output
                record_events(history, results)
            files.commit(header)
            files.print_outcome(header)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return exit_code(report)


def record_events(history: SqliteHistory, results: Sequence[Scrubbed]) -> None:
    """Replay in *history* the changes the workers made, input by input in input order (the
    workers only read the persisted history; this process alone writes it)."""
    for result in results:
        for patient, removed, added in _events(result):
            history._changed(patient, removed=removed, added=added)


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
        report.add_tallies(result.totals, result.counters)
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
