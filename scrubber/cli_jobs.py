"""``scrubber scrub --jobs N``: scrub several inputs in N worker processes, same result as one.

Each input file is one unit of work. A worker process loads the plugins, the table store and
the profile once (``_start_worker``) and then scrubs whole inputs through the same
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
   sharing nothing with earlier ones only feeds the history, ``_feeders``). Groups run in
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
import sqlite3
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from typing import Any, BinaryIO
from urllib.parse import quote

from scrubber.api import Plugins, reporting, tool_version
from scrubber.cli_io import PendingOutputs, read_chunks, stdin_copy
from scrubber.cli_outputs import InputOutputs
from scrubber.cli_scrub import (
    _pick_format,
    _Progress,
    _report_chunks,
    _validate,
    scrub_options,
)
from scrubber.engine import Engine, Result
from scrubber.errors import AdapterError, PluginError, ScrubberError
from scrubber.findings import ClaimResult
from scrubber.formats import ClaimPiece, Format
from scrubber.history import ClaimHistory, ClaimUnits
from scrubber.history_store import SqliteHistory
from scrubber.models import Claim
from scrubber.profiles import Profile
from scrubber.report import ReportBuilder, summary_text
from scrubber.tables import TableInfo

__all__ = ["jobs_wanted", "run_scrub_jobs"]

# (patient, claim ids removed, (claim id, units added or None)): one ``_changed`` call
HistoryEvent = tuple[str, tuple[str, ...], tuple[str, ClaimUnits | None]]


def jobs_wanted(args: argparse.Namespace) -> int:
    """The number of worker processes ``--jobs`` asks for (0: every core)."""
    jobs: int = getattr(args, "jobs", 1)
    if jobs < 0:
        raise ScrubberError("--jobs must be 0 (every core) or more")
    return jobs or os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class _Input:
    index: int
    path: str  # as given (named in the report and messages)
    source: str  # the file to read ('-' copied to a file)
    fmt: str
    respond: bool  # write response documents (--response)


@dataclass(slots=True)
class _Scrubbed:
    """What a worker made of one input: files in the work directory plus what the report and
    the history need. ``keys`` are the beneficiary keys of its claims."""

    index: int
    output: str | None
    entries: str
    responses: str | None
    keys: frozenset[str]
    tables: tuple[TableInfo, ...]
    totals: dict[str, int] = field(default_factory=dict)
    counters: dict[str, Counter[str]] = field(default_factory=dict)
    events: str | None = None  # the history changes, pickled one after another


class _ReadOnlyHistory(SqliteHistory):
    """The persisted history as a worker sees it: read-only, its changes kept as events for
    the main process to write (one writer, after every output is in place)."""

    def __init__(self, path: str, *, max_patients: int) -> None:
        ClaimHistory.__init__(self, max_patients=max_patients)
        self.path = path
        self._pending = {}
        self._pending_patients = set()
        self.events: BinaryIO | None = None  # where the changes go (one file per input)
        try:
            uri = f"file:{quote(os.path.abspath(path))}?mode=ro"
            self._conn = sqlite3.connect(uri, uri=True, isolation_level="DEFERRED")
        except sqlite3.DatabaseError as exc:
            raise ScrubberError(f"cannot open the claim history ({exc})", source=path) from None

    def _changed(
        self, patient: str, *, removed: Iterable[str], added: tuple[str, ClaimUnits | None]
    ) -> None:
        if self.events is not None:
            event: HistoryEvent = (patient, tuple(removed), added)
            pickle.dump(event, self.events, protocol=pickle.HIGHEST_PROTOCOL)


# --- the worker side ----------------------------------------------------------------------

_worker: dict[str, Any] = {}


def _start_worker(args: argparse.Namespace, history_path: str | None, window: int) -> None:
    """Load plugins, tables and profile once per worker process, as the CLI does."""
    from scrubber import cli

    plugins = cli._load_plugins()
    tables, _note = cli._open_tables(args)
    profile = cli._profile(args, plugins)
    engine = Engine(
        edits=plugins.edits, tables=tables, profile=profile, options=scrub_options(args, plugins)
    )
    _worker.update(args=args, plugins=plugins, engine=engine, history=history_path, window=window)


def _history() -> ClaimHistory:
    path = _worker["history"]
    if path is None:
        return ClaimHistory(max_patients=_worker["window"])
    return _ReadOnlyHistory(path, max_patients=_worker["window"])


def _scrub_inputs(
    items: Sequence[_Input],
    workdir: str,
    tag: str,
    feed: Mapping[int, frozenset[str]] | None = None,
) -> list[_Scrubbed]:
    """Scrub *items* in order on one history (one group); each input's results to files.

    An input named in *feed* already has its final result; only its claims of the given
    beneficiaries are scrubbed again, to put them in the history for the inputs after it."""
    history = _history()
    feed = feed or {}
    try:
        done = []
        for item in items:
            if item.index in feed:
                _feed(item, history, feed[item.index])
            else:
                done.append(_scrub_input(item, history, workdir, tag))
        return done
    finally:
        if isinstance(history, _ReadOnlyHistory):
            history.close()


def _beneficiary(claim: Claim) -> str:
    """The key the run history files a claim under (empty: the claim is not counted)."""
    return claim.patient_key or claim.subscriber_key


def _feed(item: _Input, history: ClaimHistory, keys: frozenset[str]) -> None:
    """Record *item*'s claims of *keys* in *history* as a full scrub would, writing nothing:
    a day total depends only on claims of its own beneficiary, in order."""
    plugins: Plugins = _worker["plugins"]
    engine: Engine = _worker["engine"]
    fmt = plugins.format(item.fmt)
    run = engine.start(history=history)
    for piece in fmt.read(read_chunks(item.source), run.format_options(fmt)):
        claim = piece.claim if isinstance(piece, ClaimPiece) else None
        if claim is not None and _beneficiary(claim) in keys:
            run.scrub_claim(claim)


def _scrub_input(item: _Input, history: ClaimHistory, workdir: str, tag: str) -> _Scrubbed:
    args: argparse.Namespace = _worker["args"]
    plugins: Plugins = _worker["plugins"]
    engine: Engine = _worker["engine"]
    fmt = plugins.format(item.fmt)
    run = engine.start(history=history)
    options = run.format_options(fmt)
    stem = os.path.join(workdir, f"{item.index}.{tag}")
    keys: set[str] = set()
    events = None
    if isinstance(history, _ReadOnlyHistory):
        events = stem + ".events"
        history.events = open(events, "wb")  # noqa: SIM115  # closed below
    with open(stem + ".entries", "w", encoding="utf-8") as entries:

        def sink(entry: dict[str, Any]) -> None:
            entries.write(json.dumps({"input": item.path, **entry}, ensure_ascii=False) + "\n")

        report = ReportBuilder(sink, check=args.check)
        responses = None
        if item.respond and fmt.respond is not None:
            responses = open(stem + ".responses", "wb")  # noqa: SIM115  # closed below

        def on_result(piece: ClaimPiece, result: Result) -> None:
            if piece.claim is not None:
                key = _beneficiary(piece.claim)
                if key:
                    keys.add(key)
            if (
                responses is not None
                and fmt.respond is not None
                and isinstance(result, ClaimResult)
            ):
                if args.check:  # the claim goes out as it came in: respond about that claim
                    result = replace(result, claim=result.original)
                responses.write(fmt.respond(piece, result, options))

        try:
            written = run.stream(
                read_chunks(item.source), fmt, on_result=reporting(report, on_result)
            )
            output = None
            if args.check:
                for _chunk in written:
                    pass
            else:
                output = stem + ".out"
                with open(output, "wb") as handle:
                    for chunk in written:
                        handle.write(chunk)
        except AdapterError as exc:
            exc.source = exc.source or item.path
            raise
        except OSError as exc:
            raise ScrubberError(f"cannot read: {exc.strerror}", source=item.path) from None
        finally:
            if responses is not None:
                responses.close()
            if isinstance(history, _ReadOnlyHistory) and history.events is not None:
                history.events.close()
                history.events = None
    return _Scrubbed(
        index=item.index,
        output=output,
        entries=stem + ".entries",
        responses=None if responses is None else stem + ".responses",
        keys=frozenset(keys),
        tables=run.tables_used(),
        totals=_tallies(report, int),
        counters=_tallies(report, Counter),
        events=events,
    )


def _tallies(report: ReportBuilder, kind: type[Any]) -> dict[str, Any]:
    """The builder's running counts of one *kind* (``int`` totals or ``Counter``s), whatever
    counts it keeps, so that the main process can add every worker's up."""
    return {
        name: value
        for name, value in vars(report).items()
        if isinstance(value, kind) and not isinstance(value, bool)
    }


# --- the main process ---------------------------------------------------------------------


def _groups(results: Sequence[_Scrubbed]) -> list[list[int]]:
    """Input indexes united by shared beneficiary keys (union-find), each group in input
    order, groups ordered by their first input."""
    parent = list(range(len(results)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for result in results:
        for key in result.keys:
            first = owner.setdefault(key, result.index)
            a, b = find(first), find(result.index)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for index in range(len(results)):
        groups.setdefault(find(index), []).append(index)
    return list(groups.values())


def _first_use(results: Sequence[_Scrubbed]) -> list[TableInfo]:
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
        initializer=_start_worker,
        initargs=(args, history_path, window),
    )


def _scrub_all(
    jobs: int,
    args: argparse.Namespace,
    history: ClaimHistory | None,
    items: list[_Input],
    workdir: str,
) -> list[_Scrubbed]:
    """Both passes; the final result of every input, in input order."""
    sizes = [_size(item) for item in items]
    with _pool(min(jobs, len(items)), args, history) as pool:
        # largest first, so the last worker to finish is not left with the biggest input;
        # results are taken in input order, so the first bad input is the one named
        first: dict[int, Future[list[_Scrubbed]]] = {
            i: pool.submit(_scrub_inputs, [items[i]], workdir, "a")
            for i in sorted(range(len(items)), key=lambda i: -sizes[i])
        }
        try:
            results = [_result(first[i])[0] for i in range(len(items))]
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # no more work once one failed
            raise
        shared = [group for group in _groups(results) if len(group) > 1]
        shared.sort(key=lambda group: -sum(sizes[i] for i in group))
        again = [
            pool.submit(
                _scrub_inputs, [items[i] for i in group], workdir, "b", _feeders(group, results)
            )
            for group in shared
        ]
        for future in again:
            for result in _result(future):
                results[result.index] = result
    return results


def _feeders(group: Sequence[int], results: Sequence[_Scrubbed]) -> dict[int, frozenset[str]]:
    """Inputs of *group* whose first-pass result is final (no beneficiary of theirs is on an
    earlier input of the group), each with the keys later inputs need from it."""
    feeders: dict[int, frozenset[str]] = {}
    earlier: set[str] = set()
    for position, index in enumerate(group):
        keys = results[index].keys
        if not keys & earlier:
            later = set().union(*(results[i].keys for i in group[position + 1 :]))
            feeders[index] = keys & later
        earlier |= keys
    return feeders


def _size(item: _Input) -> int:
    try:
        return os.path.getsize(item.source)
    except OSError:  # the worker names the file in its error
        return 0


def _result(future: Future[list[_Scrubbed]]) -> list[_Scrubbed]:
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
    progress = _Progress()
    report = ReportBuilder(lambda _entry: None, check=args.check)
    try:
        items: list[_Input] = []
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
                _Input(
                    index=index,
                    path=path,
                    source=source,
                    fmt=fmt.name,
                    respond=bool(targets.response),
                )
            )
            formats.append(fmt)
        results = _scrub_all(jobs, args, history, items, workdir)
        for item, fmt, result, targets in zip(items, formats, results, plan, strict=True):
            _collect(args, item, fmt, result, report, outputs, spool, progress, given, targets)
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
    finally:
        spool.close()
        stash.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
        progress.done()
    if not args.quiet:
        print(summary_text(header["summary"]), file=sys.stderr)
    if report.failures:
        return 3
    return 1 if report.has_errors else 0


def _events(result: _Scrubbed) -> Iterator[HistoryEvent]:
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
    item: _Input,
    fmt: Format,
    result: _Scrubbed,
    report: ReportBuilder,
    outputs: PendingOutputs,
    spool: Any,
    progress: _Progress,
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
            progress.tick()
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
            _validate(fmt, options, report, handle, item.source)
        if targets.ack and fmt.acknowledge is not None:
            data = b"".join(read_chunks(item.source))
            outputs.write_all(targets.ack, [fmt.acknowledge(data, options)])
    except AdapterError as exc:
        exc.source = exc.source or item.path
        raise
    except OSError as exc:
        raise ScrubberError(f"cannot read: {exc.strerror}", source=item.path) from None
