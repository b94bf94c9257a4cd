"""The worker side of ``scrubber scrub --jobs N`` (see ``scrubber._cli_jobs``).

A worker process is started once (``start_worker``: plugins, table store, profile, one
``Engine``) and then scrubs units of work with ``scrub_inputs``: a whole input through its
format's reader, ``Run.pieces`` and its writer (what ``Run.stream`` does for ``--jobs 1``), or
one unit of a large input (bytes ``start`` to ``end``, read by the worker itself) through
the format's ``Splitter`` and the same ``Run.pieces``. Each unit's output, report entries,
responses and history changes are written to files in the run's work directory, so nothing
large travels by pickle; where a unit's output depends on earlier units (a ``Seam``), its
offset and payload come back instead.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO
from urllib.parse import quote

from scrubber._api import Plugins, reporting
from scrubber._cli_io import CHUNK, read_chunks
from scrubber._cli_scrub import scrub_options
from scrubber._engine import Engine, Result
from scrubber._errors import AdapterError, ScrubberError
from scrubber._findings import ClaimResult
from scrubber._formats import ClaimPiece, Format, FormatOptions, Piece, Seam, Unit
from scrubber._history import ClaimHistory, ClaimUnits
from scrubber._history_store import SqliteHistory
from scrubber._models import Claim
from scrubber._profiles import Profile
from scrubber._report import ReportBuilder
from scrubber._tables import TableInfo

__all__ = [
    "HistoryEvent",
    "Input",
    "Scrubbed",
    "beneficiary",
    "scrub_inputs",
    "start_worker",
    "unit_chunks",
]

HistoryEvent = tuple[str, tuple[str, ...], tuple[str, ClaimUnits | None]]


@dataclass(frozen=True, slots=True)
class Input:
    """One unit of work: a whole input (``unit`` None) or one unit of it."""

    index: int  # the unit's position in the run (inputs in order, each one's units in order)
    path: str  # as given (named in the report and messages)
    source: str  # the file to read ('-' copied to a file)
    fmt: str
    respond: bool  # write response documents (--response)
    unit: Unit | None = None


@dataclass(slots=True)
class Scrubbed:
    """What a worker made of one input: files in the work directory plus what the report and
    the history need. ``keys`` are the beneficiary keys of its claims."""

    index: int
    output: str | None
    entries: str
    listing: str | None  # every claim's entry for the terminal listing (None: -q)
    responses: str | None
    keys: frozenset[str]
    tables: tuple[TableInfo, ...]
    totals: dict[str, int] = field(default_factory=dict)
    counters: dict[str, dict[str, int]] = field(default_factory=dict)
    events: str | None = None  # the history changes, pickled one after another
    seams: tuple[tuple[int, object], ...] = ()  # (offset in ``output``, Seam payload)


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


_worker: dict[str, Any] = {}


def start_worker(
    args: argparse.Namespace,
    history_path: str | None,
    window: int,
    loaded: tuple[Plugins, Profile] | None = None,
) -> None:
    """Load plugins, tables and profile once per worker process, as the CLI does (*loaded*:
    the plugins and profile of the process this one was forked from)."""
    from scrubber import _cli as cli

    plugins, profile = loaded if loaded is not None else (cli._load_plugins(), None)
    tables, _note = cli._open_tables(args)
    profile = profile if profile is not None else cli._profile(args, plugins)
    engine = Engine(
        edits=plugins.edits, tables=tables, profile=profile, options=scrub_options(args, plugins)
    )
    _worker.update(args=args, plugins=plugins, engine=engine, history=history_path, window=window)


def _history() -> ClaimHistory:
    path = _worker["history"]
    if path is None:
        return ClaimHistory(max_patients=_worker["window"])
    return _ReadOnlyHistory(path, max_patients=_worker["window"])


def scrub_inputs(
    items: Sequence[Input],
    workdir: str,
    tag: str,
    feed: Mapping[int, frozenset[str]] | None = None,
) -> list[Scrubbed]:
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


def beneficiary(claim: Claim) -> str:
    """The key the run history files a claim under (empty: the claim is not counted)."""
    return claim.patient_key or claim.subscriber_key


def _feed(item: Input, history: ClaimHistory, keys: frozenset[str]) -> None:
    """Record *item*'s claims of *keys* in *history* as a full scrub would, writing nothing:
    a day total depends only on claims of its own beneficiary, in order."""
    plugins: Plugins = _worker["plugins"]
    engine: Engine = _worker["engine"]
    fmt = plugins.format(item.fmt)
    run = engine.start(history=history)
    for piece in _read(item, fmt, run.format_options(fmt)):
        claim = piece.claim if isinstance(piece, ClaimPiece) else None
        if claim is not None and beneficiary(claim) in keys:
            run.scrub_claim(claim)


def unit_chunks(path: str, start: int, end: int) -> Iterator[bytes]:
    """Bytes *start* to *end* of *path*, in 1 MiB chunks."""
    with open(path, "rb") as handle:
        handle.seek(start)
        left = end - start
        while left > 0:
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def _read(item: Input, fmt: Format, options: FormatOptions) -> Iterator[Piece]:
    """The pieces of *item*: a whole input, or one unit through the format's splitter."""
    unit = item.unit
    if unit is None or fmt.split is None:
        return fmt.read(read_chunks(item.source), options)
    return fmt.split.read(unit_chunks(item.source, unit.start, unit.end), unit, options)


def _scrub_input(item: Input, history: ClaimHistory, workdir: str, tag: str) -> Scrubbed:
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
    listing = None if args.quiet else stem + ".listing"
    with (
        open(stem + ".entries", "w", encoding="utf-8") as entries,
        open(listing or os.devnull, "w", encoding="utf-8") as listed,
    ):

        def sink(entry: dict[str, Any]) -> None:
            entries.write(json.dumps({"input": item.path, **entry}, ensure_ascii=False) + "\n")

        def listen(entry: dict[str, Any]) -> None:  # every claim, for the terminal listing
            listed.write(json.dumps(entry, ensure_ascii=False) + "\n")

        report = ReportBuilder(
            sink,
            check=args.check,
            level=args.report_level,
            listener=None if listing is None else listen,
        )
        responses = None
        if item.respond and fmt.respond is not None:
            responses = open(stem + ".responses", "wb")  # noqa: SIM115  # closed below

        def on_result(piece: ClaimPiece, result: Result) -> None:
            if piece.claim is not None:
                key = beneficiary(piece.claim)
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

        seams: list[tuple[int, object]] = []
        try:
            pairs = run.pieces(_read(item, fmt, options), on_result=reporting(report, on_result))
            written: Iterator[bytes | Seam]
            if item.unit is not None and fmt.split is not None:
                written = fmt.split.write(pairs, item.unit, options)
            else:
                written = fmt.write(pairs, options)
            output = None
            if args.check:
                for _chunk in written:
                    pass
            else:
                output = stem + ".out"
                with open(output, "wb") as handle:
                    offset = 0
                    for chunk in written:
                        if isinstance(chunk, Seam):
                            seams.append((offset, chunk.payload))
                        else:
                            handle.write(chunk)
                            offset += len(chunk)
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
    totals, counters = report.tallies()
    return Scrubbed(
        index=item.index,
        output=output,
        entries=stem + ".entries",
        listing=listing,
        responses=None if responses is None else stem + ".responses",
        keys=frozenset(keys),
        tables=run.tables_used(),
        totals=totals,
        counters=counters,
        events=events,
        seams=tuple(seams),
    )
