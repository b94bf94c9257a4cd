"""``scrubber scrub --jobs N``: scrub several inputs in N worker processes, same result as one.

Each input file is one unit of work. A worker process loads the plugins, the table store and
the profile once (``scrubber._jobs_worker``) and then scrubs whole inputs through the same
``Engine``/``Run.stream`` path as ``--jobs 1``.

Day totals are why this is not simply "one file per worker". A date-of-service edit (the MUE)
counts the units on *earlier* claims of the same beneficiary and provider, as those claims
were finally billed (after their own fixes). So the run goes in two passes:

1. Every input is scrubbed on its own, on an empty run history (plus the persisted history,
   which every worker reads), in parallel. Each result also names the beneficiary keys of
   the input's claims (``Claim.patient_key`` or ``subscriber_key``, the key the history
   itself uses).
2. Inputs that share a key are united (union-find) into a group. An input alone in its group
   never saw a claim of another input's beneficiary, so its first-pass result is exactly what
   ``--jobs 1`` writes. A group of several inputs is scrubbed again by one worker, in input
   order, on one history: the day totals run across its inputs as in ``--jobs 1`` (an input
   sharing nothing with earlier ones only feeds the history, ``_grouping.feeders``). Groups run in
   parallel.

Outputs are then written in input order through the CLI's all-or-none ``PendingOutputs``
(``--validate``, ``--ack`` and the report's validation entries are made there too), and the
report's entries are copied in input order, so output and report are those of ``--jobs 1``.
A persisted history (``--history``) is read by every worker and written by this process only,
from the changes the workers return, in input order, after every output is in place.

An exception in a worker (a bad input, ``--strict``, a plugin's bug) reaches this process and
is raised as ``--jobs 1`` would raise it; a worker that dies ends the run with exit code 3.
Nothing is written in either case.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any

from scrubber._api import Plugins, tool_version
from scrubber._cli_io import PendingOutputs, read_chunks, stdin_copy
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
from scrubber._formats import Format
from scrubber._grouping import feeders, unit_groups
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

__all__ = ["jobs_wanted", "run_scrub_jobs"]


# (patient, claim ids removed, (claim id, units added or None)): one ``_changed`` call
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


def _pool(jobs: int, args: argparse.Namespace, history: ClaimHistory | None) -> Any:
    history_path = history.path if isinstance(history, SqliteHistory) else None
    window = history.max_patients if history is not None else ClaimHistory().max_patients
    context = get_context("spawn")  # portable, and each worker a child this process waits for
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=start_worker,
        initargs=(args, history_path, window),
    )


def _scrub_all(
    jobs: int,
    args: argparse.Namespace,
    history: ClaimHistory | None,
    items: list[Input],
    workdir: str,
) -> list[Scrubbed]:
    """Both passes; the final result of every input, in input order."""
    sizes = [_size(item) for item in items]
    with _pool(min(jobs, len(items)), args, history) as pool:
        # largest first, so the last worker to finish is not left with the biggest input;
        # results are taken in input order, so the first bad input is the one named
        first: dict[int, Future[list[Scrubbed]]] = {
            i: pool.submit(scrub_inputs, [items[i]], workdir, "a")
            for i in sorted(range(len(items)), key=lambda i: -sizes[i])
        }
        try:
            results = [_result(first[i])[0] for i in range(len(items))]
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # no more work once one failed
            raise
        shared = [group for group in unit_groups(results) if len(group) > 1]
        shared.sort(key=lambda group: -sum(sizes[i] for i in group))
        again = [
            pool.submit(
                scrub_inputs, [items[i] for i in group], workdir, "b", feeders(group, results)
            )
            for group in shared
        ]
        for future in again:
            for result in _result(future):
                results[result.index] = result
    return results


def _size(item: Input) -> int:
    try:
        return os.path.getsize(item.source)
    except OSError:  # the worker names the file in its error
        return 0


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
    runner: Callable[[list[Input], str], list[Scrubbed]] | None = None,
) -> int:
    """``run_scrub`` in *jobs* worker processes (each opens the table store itself) on the
    outputs ``plan_outputs`` planned: the same outputs, report and exit code. *runner*, if
    given, does both passes instead of the process pool (``--spark``): it gets the inputs
    and the work directory and returns every input's final result, in input order."""
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
        items: list[Input] = []
        formats: list[Format] = []
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
            items.append(
                Input(
                    index=index,
                    path=path,
                    source=source,
                    fmt=fmt.name,
                    respond=bool(targets.response),
                )
            )
            formats.append(fmt)
        if runner is None:
            results = _scrub_all(jobs, args, history, items, workdir)
        else:
            results = runner(items, workdir)
        for item, fmt, result, targets in zip(items, formats, results, plan, strict=True):
            _collect(args, item, fmt, result, report, outputs, spool, given, targets)
            if result.listing is not None:
                name = "<stdin>" if item.path == "-" else item.path
                with open(result.listing, encoding="utf-8") as listed:
                    for line in listed:
                        listing.add(listing_rows(json.loads(line), name, plugin_of))
        header = report.header(
            tool_version=tool_version(),
            plugins=[(i.name, i.version) for i in plugins.infos],
            tables=_first_use(results),
            inputs=[{"path": item.path, "format": item.fmt} for item in items],
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
    result: Scrubbed,
    report: ReportBuilder,
    outputs: PendingOutputs,
    spool: Any,
    given: Mapping[str, str],
    targets: InputOutputs,
) -> None:
    """One input's results into the run's outputs and report, as ``_scrub_one`` makes them."""
    for name, value in result.totals.items():
        setattr(report, name, getattr(report, name) + value)
    for name, counter in result.counters.items():
        getattr(report, name).update(counter)
    with open(result.entries, encoding="utf-8") as entries:
        for line in entries:
            spool.write(line)
    if targets.response and result.responses is not None:
        with open(result.responses, "rb") as responses:
            outputs.write_all(targets.response, iter(lambda: responses.read(1 << 20), b""))
    target = targets.claims
    handle = None
    if target is not None and result.output is not None:
        handle = outputs.write_all(target, read_chunks(result.output))
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
