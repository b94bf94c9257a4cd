"""``scrub_files``: scrub claim files on Spark from a Spark job or a notebook."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from scrubber._api import Plugins
from scrubber._cli_io import PendingOutputs, read_chunks
from scrubber._cli_jobs import record_events
from scrubber._cli_outputs import plan_outputs
from scrubber._cli_scrub import _pick_format
from scrubber._errors import ScrubberError
from scrubber._history_store import DEFAULT_RETAIN_DAYS, SqliteHistory
from scrubber._jobs_worker import Input, Scrubbed
from scrubber._store import TableStore
from scrubber.spark._job import new_job
from scrubber.spark._passes import scrub_all

__all__ = ["RESULT_COLUMNS", "scrub_files"]

# The columns of the DataFrame ``scrub_files`` returns, one row per claim, in input order.
RESULT_COLUMNS = (
    ("input", "string"),  # the input's path, as given
    ("claim_id", "string"),  # CLM01 / Claim.identifier
    ("source", "string"),  # where the claim is in its input (segment, line or JSON pointer)
    ("changed", "boolean"),  # a fix changed the claim as written
    ("findings", "string"),  # JSON array, as in the report
    ("fixes", "string"),  # JSON array, as in the report
    ("failures", "string"),  # JSON array: edits that raised on this claim
)


def scrub_files(
    spark: Any,
    paths: Iterable[str | os.PathLike[str]],
    *,
    out_dir: str | os.PathLike[str] | None = None,
    tables: str | os.PathLike[str] | TableStore | None = None,
    profile: str | os.PathLike[str] | None = None,
    as_of: date | None = None,
    check: bool = False,
    strict: bool = False,
    input_format: str = "auto",
    format_options: Mapping[str, str] | None = None,
    stage_dir: str | os.PathLike[str] | None = None,
    history: str | os.PathLike[str] | None = None,
    history_days: int = DEFAULT_RETAIN_DAYS,
) -> Any:
    """Scrub the claim files at *paths* on the Spark session *spark*, as one run.

    Day totals run across all the files, as in one process. The corrected files are written
    to *out_dir* under their inputs' names, all or none, once every file is scrubbed
    (nothing is written when *out_dir* is None or *check* is true). *tables* is the path of a
    table store made by ``scrubber tables import`` (or an open ``TableStore``, read from its
    path; None: no tables, every table edit says so), *profile* the path of a payer profile
    (TOML). *history* is the path of a claim history kept between runs (the CLI's
    ``--history``; None: day totals count this call's claims only): executors read a snapshot
    of it, and this call adds the run's claims to it after the files are written (not with
    *check*), keeping *history_days* days of dates of service. Returns a DataFrame with
    ``RESULT_COLUMNS``: one row per claim, in input order.

    Paths are opened by the driver and by the executors: on a cluster they, *out_dir* and
    *stage_dir* (where executors leave their files until the driver commits them; default a
    directory inside *out_dir*, else a local temporary one) must be storage every node
    reaches under the same name (docs/spark.md). Raises ``ScrubberError`` (a bad input,
    naming the file) or ``PluginError`` as the CLI does; nothing is written then.
    """
    from scrubber import _cli as cli
    from scrubber._cli_parser import cli_parser

    if isinstance(tables, TableStore):
        tables = tables.path
    names = [os.fspath(path) for path in paths]
    if not names:
        raise ScrubberError("scrub_files needs at least one path")
    argv = ["scrub", *names, "--no-history", "--report-level", "all", "--format", input_format]
    if out_dir is not None and not check:
        argv += ["--out-dir", os.fspath(out_dir)]
    if tables is not None:
        argv += ["--tables", os.fspath(tables)]
    if profile is not None:
        argv += ["--profile", os.fspath(profile)]
    if as_of is not None:
        argv += ["--as-of", as_of.isoformat()]
    argv += ["--check"] * check + ["--strict"] * strict
    for key, value in (format_options or {}).items():
        argv += ["--format-option", f"{key}={value}"]
    args = cli_parser().parse_args(argv)
    plugins = Plugins.load(cli._plugin_manager())
    cli._profile(args, plugins)  # a bad profile is refused here, before any work
    if tables is not None and not Path(tables).is_file():
        raise ScrubberError("no table store here", source=os.fspath(tables))
    # where each corrected file goes (the CLI's refusals: two inputs on one name, an output
    # replacing an input); no out_dir: none is written (never stdout, the CLI's default)
    plan = [
        targets.claims if args.out_dir else None
        for targets in plan_outputs(
            names,
            output=None,
            out_dir=args.out_dir,
            report=None,
            ack=None,
            response=None,
            check=check,
            force=False,
        )
    ]
    items = [
        Input(
            index=index,
            path=path,
            source=os.path.abspath(path),
            fmt=_pick_format(args, plugins, path, path).name,
            respond=False,
        )
        for index, path in enumerate(names)
    ]
    kept = None if history is None else SqliteHistory(os.fspath(history), retain_days=history_days)
    stage = _stage(stage_dir, args.out_dir)
    outputs = PendingOutputs()
    try:
        job = new_job(
            args,
            plugins,
            tables=None if tables is None else os.fspath(tables),
            profile=None if profile is None else Path(profile).read_text(encoding="utf-8"),
            history=kept,
            stage=stage,
        )
        results = scrub_all(spark, job, items)
        rows = [
            row for item, result in zip(items, results, strict=True) for row in _rows(item, result)
        ]
        for result, target in zip(results, plan, strict=True):
            if target is not None and result.output is not None:
                outputs.write_all(target, read_chunks(result.output))
        outputs.commit()
        if kept is not None and not check:  # as the CLI: after the files are in place
            record_events(kept, results)
            kept.commit()
    except BaseException:
        outputs.discard()
        if kept is not None:
            kept.rollback()
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if kept is not None:
            kept.close()
    schema = ", ".join(f"{name} {kind}" for name, kind in RESULT_COLUMNS)
    return spark.createDataFrame(rows, schema)


def _stage(stage_dir: str | os.PathLike[str] | None, out_dir: str | None) -> str:
    """The staging directory, absolute: executors do not share the driver's working
    directory."""
    parent = os.fspath(stage_dir) if stage_dir is not None else out_dir
    if parent is None:
        return os.path.abspath(tempfile.mkdtemp(prefix="scrubber-spark-"))
    os.makedirs(parent, exist_ok=True)
    return os.path.abspath(tempfile.mkdtemp(prefix=".scrubber-spark-", dir=parent))


def _rows(item: Input, result: Scrubbed) -> Iterable[tuple[Any, ...]]:
    """One row per claim of *item*, from the worker's listing (every claim's report entry)."""
    if result.listing is None:
        return
    with open(result.listing, encoding="utf-8") as listed:
        for line in listed:
            entry = json.loads(line)
            yield (
                item.path,
                entry.get("claim_id"),
                entry.get("source"),
                bool(entry.get("changed", False)),
                json.dumps(entry.get("findings", []), ensure_ascii=False),
                json.dumps(entry.get("fixes", []), ensure_ascii=False),
                json.dumps(entry.get("failures", []), ensure_ascii=False),
            )
