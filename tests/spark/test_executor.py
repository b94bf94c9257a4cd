"""The executor's side, without Spark: the table snapshot and the plugins an executor runs."""

from __future__ import annotations

import argparse
import os
import sqlite3
from pathlib import Path

import pytest

from scrubber import ScrubberError
from scrubber._api import Plugins
from scrubber._store import TableStore
from scrubber.spark._job import SparkJob, _plugin_env, sqlite_bytes


def _job(plugins: tuple[tuple[str, str], ...], env: tuple[tuple[str, str], ...] = ()) -> SparkJob:
    return SparkJob("j", argparse.Namespace(), b"", None, None, 10, plugins, env, "/stage")


def _restored_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """The executor's start replaces the plugin settings of its process; a test's are put
    back as they were."""
    for name in ("SCRUBBER_BLOCK_PLUGINS", "SCRUBBER_DISABLE_PLUGIN_AUTOLOAD"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
        if not os.environ[name]:
            monkeypatch.delenv(name)


def _installed() -> tuple[tuple[str, str], ...]:
    return tuple((i.name, i.version) for i in Plugins.load().infos)


def test_the_table_snapshot_is_the_store(sample_tables_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    copy.write_bytes(sqlite_bytes(str(sample_tables_db)))
    assert TableStore.open(copy).list_tables() == TableStore.open(sample_tables_db).list_tables()
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM table_rows").fetchone()[0] > 30


def test_an_executor_without_a_driver_plugin_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    _restored_after(monkeypatch)
    with pytest.raises(ScrubberError, match=r"scrubber-payer-x 1\.2"):
        _plugin_env(_job((*_installed(), ("scrubber-payer-x", "1.2"))))


def test_an_executor_blocks_a_plugin_the_driver_does_not_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _restored_after(monkeypatch)
    driver = tuple(p for p in _installed() if p[0] != "scrubber_fhir")
    _plugin_env(_job(driver, env=(("SCRUBBER_BLOCK_PLUGINS", "someone_else"),)))
    assert os.environ["SCRUBBER_BLOCK_PLUGINS"].split(",") == ["someone_else", "scrubber_fhir"]


def test_an_executor_that_cannot_reach_the_staging_directory_says_so(tmp_path: Path) -> None:
    from scrubber.spark._job import _start

    job = SparkJob("k", argparse.Namespace(), b"", None, None, 10, (), (), str(tmp_path / "x"))
    with pytest.raises(ScrubberError, match="staging directory") as raised:
        _start(job)
    assert raised.value.source == str(tmp_path / "x")
