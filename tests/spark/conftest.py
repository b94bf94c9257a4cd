"""One Spark session for every Spark test: started once, in local mode, quietly.

Without pyspark or Java the Spark tests skip, saying which is missing; CI sets
``SCRUBBER_REQUIRE_SPARK=1`` (``.ci/run``), which turns that skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

import pytest


def _unavailable(reason: str) -> None:
    if os.environ.get("SCRUBBER_REQUIRE_SPARK") == "1":
        pytest.fail(f"{reason}; SCRUBBER_REQUIRE_SPARK=1 requires Spark")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        _unavailable("pyspark is not installed (pip install 'claim-scrubber[spark]')")
    java_home = os.environ.get("JAVA_HOME")
    if shutil.which("java") is None and not (java_home and os.path.isdir(java_home)):
        _unavailable("no Java runtime (java on PATH or JAVA_HOME) for Spark")
    # the executors' Python is this one (with the project installed), not 'python3' on PATH
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("claim-scrubber-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "512m")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
