"""``scrubber scrub INPUT... --spark MASTER``: the ``--jobs`` run with Spark doing the passes.

Everything but the scrubbing is ``--jobs``'s own code (``scrubber._cli_jobs.run_scrub_jobs``):
the inputs' formats and refusals, the all-or-none outputs in input order, ``--validate``,
``--ack``, the report and the persisted history written by this process after every output
is in place. Only the two passes run on Spark (``scrubber.spark._passes``), so outputs,
report and exit codes are those of ``--jobs 1``.

A ``local`` master stages the executors' files in the run's own work directory. Any other
master stages them in a directory inside ``--out-dir``, which must then be storage the driver
and every executor reach under the same name (see docs/spark.md); the files are moved to the
work directory once both passes are done, and the staging directory is removed whatever
happens.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scrubber._api import Plugins
from scrubber._cli_jobs import run_scrub_jobs
from scrubber._cli_outputs import InputOutputs
from scrubber._errors import ScrubberError
from scrubber._history import ClaimHistory
from scrubber._history_store import SqliteHistory
from scrubber._jobs_worker import Input, Scrubbed
from scrubber._profiles import Profile
from scrubber.spark._job import new_job
from scrubber.spark._passes import scrub_all

__all__ = ["run_scrub_spark", "spark_session"]


@contextmanager
def spark_session(master: str) -> Iterator[Any]:
    """The active Spark session if there is one (a notebook's, a test's), else a new one on
    *master*, stopped at the end."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ScrubberError(
            f"--spark needs the 'spark' extra: pip install 'claim-scrubber[spark]' ({exc})"
        ) from None
    active = SparkSession.getActiveSession()
    if active is not None:
        yield active
        return
    if is_local(master):  # executors are children of this process: this Python, not PATH's
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master(master)
        .appName("claim-scrubber")
        .config("spark.ui.showConsoleProgress", "false")  # the summary is the CLI's to print
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


def is_local(master: str) -> bool:
    return master == "local" or master.startswith("local[")


def run_scrub_spark(
    args: argparse.Namespace,
    plugins: Plugins,
    profile: Profile,
    history: ClaimHistory | None,
    plan: Sequence[InputOutputs],
) -> int:
    """``run_scrub`` with both passes on the Spark master ``args.spark``."""
    master: str = args.spark
    if getattr(args, "jobs", 1) != 1:
        raise ScrubberError("--spark and --jobs both ask for workers; give one of them")
    if history is not None and not isinstance(history, SqliteHistory):
        raise ScrubberError("--spark takes a persisted history (SqliteHistory) or none")
    if not is_local(master):
        if not args.out_dir:
            raise ScrubberError(
                f"--spark {master}: executors write to --out-dir DIR (storage every node"
                " reaches under the same name); give one"
            )
        if "-" in args.inputs:
            raise ScrubberError(f"--spark {master}: executors cannot read stdin; name files")
    from scrubber import _cli as cli

    store = cli._store_path(args)
    profile_text = None
    if getattr(args, "profile", None):
        profile_text = Path(args.profile).read_bytes().decode("utf-8")  # read by _profile
    with spark_session(master) as spark:

        def runner(items: list[Input], workdir: str) -> list[Scrubbed]:
            stage = workdir if is_local(master) else _stage_in(args.out_dir)
            job = new_job(
                args,
                plugins,
                tables=str(store) if store.exists() else None,
                profile=profile_text,
                history=history if isinstance(history, SqliteHistory) else None,
                stage=stage,
            )
            absolute = [dataclasses.replace(i, source=os.path.abspath(i.source)) for i in items]
            if stage == workdir:
                return scrub_all(spark, job, absolute)
            try:
                return [_moved(result, workdir) for result in scrub_all(spark, job, absolute)]
            finally:
                shutil.rmtree(stage, ignore_errors=True)

        return run_scrub_jobs(args, plugins, profile, history, 1, plan, runner=runner)


def _stage_in(directory: str) -> str:
    os.makedirs(directory, exist_ok=True)
    return os.path.abspath(tempfile.mkdtemp(prefix=".scrubber-spark-", dir=directory))


def _moved(result: Scrubbed, workdir: str) -> Scrubbed:
    """*result* with its files moved from the staging directory into *workdir*."""

    def move(path: str | None) -> str | None:
        if path is None:
            return None
        return str(shutil.move(path, os.path.join(workdir, os.path.basename(path))))

    return dataclasses.replace(
        result,
        output=move(result.output),
        entries=str(move(result.entries)),
        listing=move(result.listing),
        responses=move(result.responses),
        events=move(result.events),
    )
