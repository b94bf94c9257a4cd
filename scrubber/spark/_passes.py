"""The driver's side of a Spark run: the two passes of ``--jobs``, as Spark jobs.

Each pass is one Spark job over ``spark.range(n, numPartitions=n)``: one row, hence one task,
per unit of work, mapped with ``mapInArrow`` (DataFrame API only, so the same code runs on a
classic cluster and under Spark Connect, Databricks' shared and serverless compute included,
where the RDD API and ``SparkContext`` are not available). The units themselves travel in
the pickled function (``SparkJob``), so no input is shipped through Arrow: an executor opens
its inputs by path and streams them, memory bounded by one claim group as in one process.

1. every input is a unit, scrubbed on its own (largest first: partition order is roughly
   the order tasks start, so the biggest file does not start last);
2. inputs that share a beneficiary key are grouped (``scrubber._grouping.unit_groups``), and
   each group of several is one unit of the second pass, scrubbed in input order on one
   history, with ``feeders`` naming the inputs that only feed it.

Only small ``Scrubbed`` records come back to the driver; the outputs, report entries and
history events stay in the staging directory until the driver commits them.
"""

from __future__ import annotations

import os
import pickle
import re
from collections.abc import Sequence
from functools import partial
from typing import Any, NoReturn

from scrubber._errors import PluginError
from scrubber._grouping import feeders, unit_groups
from scrubber._jobs_worker import Input, Scrubbed
from scrubber.spark._job import Failure, SparkJob, Task, TaskResult, run_tasks

__all__ = ["scrub_all"]


def scrub_all(spark: Any, job: SparkJob, items: Sequence[Input]) -> list[Scrubbed]:
    """Both passes; the final result of every input, in input order. The first input (in
    input order) that raised is raised here, as ``--jobs`` raises it."""
    sizes = [_size(item.source) for item in items]
    order = sorted(range(len(items)), key=lambda i: -sizes[i])
    first_tasks = [Task((items[i],), "a") for i in order]
    results: list[Scrubbed | None] = [None] * len(items)
    failed: dict[int, Failure] = {}
    for task, outcome in zip(first_tasks, _run(spark, job, first_tasks), strict=True):
        if isinstance(outcome, Failure):
            failed[task.items[0].index] = outcome
        else:
            results[task.items[0].index] = outcome[0]
    if failed:
        _raise(failed[min(failed)])
    done = [result for result in results if result is not None]
    shared = [group for group in unit_groups(done) if len(group) > 1]
    shared.sort(key=lambda group: -sum(sizes[i] for i in group))
    second_tasks = [
        Task(tuple(items[i] for i in group), "b", feeders(group, done)) for group in shared
    ]
    for outcome in _run(spark, job, second_tasks):
        if isinstance(outcome, Failure):
            _raise(outcome)
        for result in outcome:
            done[result.index] = result
    return done


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:  # the executor names the file in its error
        return 0


def _run(spark: Any, job: SparkJob, tasks: Sequence[Task]) -> list[TaskResult]:
    """One Spark job, one task per unit of work; each one's result, in the order of *tasks*."""
    if not tasks:
        return []
    shipped = job.with_tasks(tasks)
    frame = spark.range(0, len(tasks), 1, numPartitions=len(tasks))
    mapped = frame.mapInArrow(partial(run_tasks, shipped), "id long, result binary")
    try:
        rows = mapped.collect()
    except Exception as exc:  # a task that died (its Python worker crashed, an executor lost)
        raise PluginError(
            "a Spark task failed while scrubbing (a plugin or format crashed its process, or"
            f" an executor was lost): {_cause(str(exc))}; nothing was written"
        ) from None
    found: dict[int, TaskResult] = {row["id"]: pickle.loads(row["result"]) for row in rows}
    return [found[i] for i in range(len(tasks))]


# what a Spark error says happened, most telling first (not the Java call that saw it)
_CAUSES = (
    re.compile(r"Python worker exited unexpectedly(?: \(crashed\))?"),
    re.compile(r"ExecutorLostFailure[^\n]*"),
    re.compile(r"Job aborted due to stage failure: [^:\n]*"),
)


def _cause(message: str) -> str:
    for pattern in _CAUSES:
        found = pattern.search(message)
        if found:
            return found.group(0)[:300]
    return message.strip().split("\n", 1)[0][:300]


def _raise(failure: Failure) -> NoReturn:
    """Raise on the driver what the executor raised (exit code and message as ``--jobs``)."""
    if failure.exception is not None:
        try:
            exc = pickle.loads(failure.exception)
        except Exception:
            exc = None
        if isinstance(exc, BaseException):
            raise exc
    raise PluginError(f"{failure.kind} on a Spark executor: {failure.message}")
