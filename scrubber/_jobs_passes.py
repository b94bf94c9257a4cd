"""The two passes of ``scrubber scrub --jobs N`` over units of work (see ``scrubber._cli_jobs``).

Inputs are cut into units (``cut_units``, with the format's ``Splitter``), the worker
processes are started (``start_pool``) and ``scrub_all`` runs the first pass over every unit,
then scrubs each group of units that share a beneficiary again (``scrubber._grouping``).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_all_start_methods, get_context
from typing import Any

from scrubber._api import Plugins
from scrubber._cli_io import read_chunks
from scrubber._errors import AdapterError, PluginError
from scrubber._formats import Format, Unit
from scrubber._grouping import feeders, unit_groups
from scrubber._history import ClaimHistory
from scrubber._history_store import SqliteHistory
from scrubber._jobs_worker import Input, Scrubbed, scrub_inputs, start_worker
from scrubber._profiles import Profile

__all__ = [
    "MAX_UNIT",
    "MIN_UNIT",
    "UNITS_PER_JOB",
    "cut_units",
    "scrub_all",
    "start_pool",
    "unit_bytes",
    "unit_size",
]


def unit_bytes(item: Input) -> int:
    """How many bytes of input *item* is (a whole input: its file's size)."""
    if item.unit is not None:
        return item.unit.end - item.unit.start
    try:
        return os.path.getsize(item.source)
    except OSError:  # the worker names the file in its error
        return 0


# Units per worker: enough that a worker finishing early finds work left (measured: with
# units of at least 1 MiB, 5 for 8,000 claims, the busiest of two workers had 40 % more to do
# than the other; with these, 5 %), few enough that each unit's fixed cost (files, a
# history, a report builder) stays small. A unit is never under MIN_UNIT bytes (about 400
# claims of 5 lines; a smaller input stays whole) and never over MAX_UNIT (about 12,000
# claims): a worker's memory grows with its unit's history (55 MB at 600 claims a unit,
# 71 MB at 2,500), not with the input.
UNITS_PER_JOB = 8
MIN_UNIT = 256 << 10
MAX_UNIT = 8 << 20


def unit_size(jobs: int, wholes: Sequence[Input]) -> int:
    """The size to cut inputs into: the run's bytes shared out as ``UNITS_PER_JOB`` units
    per worker, between ``MIN_UNIT`` and ``MAX_UNIT``."""
    total = sum(unit_bytes(item) for item in wholes)
    return min(MAX_UNIT, max(MIN_UNIT, total // (jobs * UNITS_PER_JOB)))


def cut_units(item: Input, fmt: Format, size: int) -> list[tuple[int, Unit | None]]:
    """*item*'s units (the format's ``Splitter.cut``), or the whole input as one."""
    if fmt.split is None or unit_bytes(item) < 2 * size:
        return [(0, None)]
    try:
        units = fmt.split.cut(read_chunks(item.source), size)
    except OSError:  # the worker names the file in its error
        return [(0, None)]
    if len(units) < 2:
        return [(0, None)]
    return list(enumerate(units))


def start_pool(
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


def scrub_all(
    jobs: int,
    args: argparse.Namespace,
    history: ClaimHistory | None,
    items: list[Input],
    workdir: str,
    wholes: Sequence[Input],
    plugins: Plugins,
    profile: Profile,
) -> list[Scrubbed]:
    """Both passes; the final result of every unit, in input order."""
    sizes = [unit_bytes(item) for item in items]
    with start_pool(min(jobs, len(items)), args, history, plugins, profile) as pool:
        # largest first, so the last worker to finish is not left with the biggest unit;
        # results are taken in input order, so the first bad input is the one named
        first: dict[int, Future[list[Scrubbed]]] = {
            i: pool.submit(scrub_inputs, [items[i]], workdir, "a")
            for i in sorted(range(len(items)), key=lambda i: -sizes[i])
        }
        results = []
        try:
            for i in range(len(items)):
                try:
                    results.append(_result(first[i])[0])
                except AdapterError:
                    if items[i].unit is None:
                        raise
                    # a unit of a bad input: the input read whole names the error exactly as
                    # --jobs 1 does (its first error, wherever the units were cut)
                    for future in first.values():
                        future.cancel()
                    whole = next(w for w in wholes if w.path == items[i].path)
                    _result(pool.submit(scrub_inputs, [whole], workdir, "w"))
                    raise
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


def _result(future: Future[list[Scrubbed]]) -> list[Scrubbed]:
    """A worker's results; its exception re-raised here (the exit code ``--jobs 1`` gives)."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise PluginError(
            "a worker process ended abruptly while scrubbing (a plugin or format crashed "
            "its process); nothing was written"
        ) from None
