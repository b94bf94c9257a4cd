"""What a Spark task needs to scrub, and the function an executor runs.

A ``SparkJob`` is everything the executors need, as plain picklable data: the run's options
(the CLI's argument namespace), the table store and the persisted history as SQLite bytes,
the profile's text, the driver's plugins, and the staging directory. It travels inside the
pickled ``mapInArrow`` function, so it reaches each executor with the task (PySpark
broadcasts a pickled function larger than its broadcast threshold, 1 MiB by default, so a
table store is sent to an executor once, not once per task); no executor ever asks the
driver for a table row.

On the executor, ``run_tasks`` writes the snapshot to a local directory once per Python
worker process and job, starts the ``--jobs`` worker (``scrubber._jobs_worker.start_worker``:
plugins, tables, profile, one ``Engine``) and scrubs each unit of work with
``scrub_inputs``, the very function ``--jobs`` workers run. Its files go to the staging
directory; what the driver needs back (a ``Scrubbed`` per input, or the exception) is pickled
into one Arrow row per unit, so a bad input or a plugin's exception reaches the driver as
itself instead of as a Java stack trace.
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from scrubber._api import Plugins
from scrubber._errors import ScrubberError
from scrubber._history import ClaimHistory
from scrubber._history_store import SqliteHistory
from scrubber._jobs_worker import Input, Scrubbed, scrub_inputs, start_worker

__all__ = [
    "Failure",
    "SparkJob",
    "Task",
    "TaskResult",
    "new_job",
    "run_tasks",
    "sqlite_bytes",
]

# the environment the CLI reads when it loads plugins; the driver's values go to executors
PLUGIN_ENV = ("SCRUBBER_DISABLE_PLUGIN_AUTOLOAD", "SCRUBBER_BLOCK_PLUGINS")


@dataclass(frozen=True, slots=True)
class Task:
    """One task's work: inputs scrubbed in order on one history (``scrub_inputs``)."""

    items: tuple[Input, ...]
    tag: str  # "a" first pass, "b" second
    feed: Mapping[int, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Failure:
    """An exception a task raised, carried back to the driver."""

    exception: bytes | None  # the pickled exception, when it pickles
    kind: str
    message: str


TaskResult = list[Scrubbed] | Failure


@dataclass(frozen=True, slots=True)
class SparkJob:
    """Everything an executor needs to scrub, shipped with the task."""

    job_id: str
    args: argparse.Namespace  # the run's options, as the CLI parsed them
    tables: bytes  # the table store, a consistent SQLite snapshot
    profile: str | None  # the profile's text (None: the built-in defaults)
    history: bytes | None  # the persisted history (None: this run's own only)
    window: int  # the history's in-memory window (max_patients)
    plugins: tuple[tuple[str, str], ...]  # the driver's (name, version), as the report lists
    env: tuple[tuple[str, str], ...]  # the driver's PLUGIN_ENV
    stage: str  # where units write their files: a directory every executor and the driver see
    tasks: tuple[Task, ...] = ()

    def with_tasks(self, tasks: Sequence[Task]) -> SparkJob:
        return SparkJob(
            self.job_id,
            self.args,
            self.tables,
            self.profile,
            self.history,
            self.window,
            self.plugins,
            self.env,
            self.stage,
            tuple(tasks),
        )


def new_job(
    args: argparse.Namespace,
    plugins: Plugins,
    *,
    tables: str | None,
    profile: str | None,
    history: SqliteHistory | None,
    stage: str,
) -> SparkJob:
    """A job for one run: *tables* is the store's path (None: no store, every table edit
    reports no data), *profile* the profile's text; the snapshots are taken now."""
    return SparkJob(
        job_id=uuid.uuid4().hex,
        args=args,
        tables=sqlite_bytes(tables),
        profile=profile,
        history=None if history is None else sqlite_bytes(history.path),
        window=ClaimHistory().max_patients if history is None else history.max_patients,
        plugins=tuple((info.name, info.version) for info in plugins.infos),
        env=tuple((name, os.environ[name]) for name in PLUGIN_ENV if name in os.environ),
        stage=stage,
    )


def sqlite_bytes(path: str | None) -> bytes:
    """A consistent copy of the SQLite database at *path* (an empty one for None), through
    SQLite's backup API: a store being written meanwhile is read as of one transaction."""
    if path is None:
        return b""  # SQLite opens an empty file as an empty database
    target = sqlite3.connect(":memory:")
    try:
        source = sqlite3.connect(f"file:{quote(os.path.abspath(path))}?mode=ro", uri=True)
        try:
            source.backup(target)
        finally:
            source.close()
        return target.serialize()
    except sqlite3.DatabaseError as exc:
        raise ScrubberError(f"cannot read the database ({exc})", source=path) from None
    finally:
        target.close()


_started: dict[str, str] = {}  # job id -> its local directory, once this process started it


def _local_copy(directory: str, name: str, data: bytes) -> str:
    path = os.path.join(directory, name)
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def _start(job: SparkJob) -> None:
    """Start this Python worker process for *job* (once): the snapshots in a local directory
    of this process (the previous job's is removed), the driver's plugin settings, then the
    ``--jobs`` worker start."""
    if job.job_id in _started:
        return
    if not os.path.isdir(job.stage):
        raise ScrubberError(
            "this Spark executor cannot reach the staging directory: give a directory every"
            " node reaches under the same name (out_dir=, stage_dir=, or the CLI's --out-dir)",
            source=job.stage,
        )
    for previous in _started.values():
        shutil.rmtree(previous, ignore_errors=True)
    _started.clear()
    local = tempfile.mkdtemp(prefix=f"scrubber-spark-{job.job_id[:8]}-")
    try:
        options = argparse.Namespace(**vars(job.args))
        options.tables = _local_copy(local, "tables.db", job.tables)
        options.profile = None
        if job.profile is not None:
            options.profile = _local_copy(local, "profile.toml", job.profile.encode("utf-8"))
        history = None
        if job.history is not None:
            history = _local_copy(local, "history.db", job.history)
        _plugin_env(job)
        start_worker(options, history, job.window)
    except BaseException:
        shutil.rmtree(local, ignore_errors=True)
        raise
    _started[job.job_id] = local


def _plugin_env(job: SparkJob) -> None:
    """Executors run exactly the driver's plugins: one missing here is an error naming it
    (install it on every node); one only this node has is blocked, as the driver's
    ``SCRUBBER_BLOCK_PLUGINS`` would block it."""
    from scrubber import _cli as cli

    for name in PLUGIN_ENV:
        os.environ.pop(name, None)
    os.environ.update(dict(job.env))
    here = {info.name: info.version for info in cli._load_plugins().infos}
    wanted = dict(job.plugins)
    missing = sorted(f"{n} {v}" for n, v in wanted.items() if here.get(n) != v)
    if missing:
        raise ScrubberError(
            "a Spark executor does not have the driver's plugins: "
            f"{', '.join(missing)} (install the same packages on every node)"
        )
    extra = sorted(set(here) - set(wanted))
    if extra:
        blocked = [b for b in os.environ.get("SCRUBBER_BLOCK_PLUGINS", "").split(",") if b]
        os.environ["SCRUBBER_BLOCK_PLUGINS"] = ",".join([*blocked, *extra])


def _failure(exc: BaseException) -> Failure:
    pickled: bytes | None
    try:
        pickled = pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(pickled)  # an exception that does not come back whole is sent as text
    except Exception:
        pickled = None
    return Failure(pickled, type(exc).__name__, str(exc))


def run_tasks(job: SparkJob, batches: Iterator[Any]) -> Iterator[Any]:
    """The ``mapInArrow`` function: each row's ``id`` names a task of *job*; one row out per
    task, ``(id, pickled TaskResult)``."""
    import pyarrow as pa

    schema = pa.schema([("id", pa.int64()), ("result", pa.binary())])
    for batch in batches:
        ids = batch.column("id").to_pylist()
        out: list[bytes] = []
        for task_id in ids:
            result: TaskResult
            try:
                _start(job)
                task = job.tasks[task_id]
                result = scrub_inputs(list(task.items), job.stage, task.tag, dict(task.feed))
            except Exception as exc:  # any exception reaches the driver, which raises it
                result = _failure(exc)
            out.append(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        yield pa.RecordBatch.from_arrays([pa.array(ids, pa.int64()), pa.array(out)], schema=schema)
