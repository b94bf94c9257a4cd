"""Shared fixtures: where the real corpus and the project's samples live."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from runner_parity import install_crash_plugin

# Timing is not behaviour: a loaded 2-core CI machine must not fail a property test on a
# deadline (benchmarks live in bench/).
settings.register_profile(
    "scrubber", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60
)
settings.load_profile("scrubber")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
SAMPLES = ROOT / "samples"


@pytest.fixture
def corpus_dir() -> Path:
    """``../shared/corpus`` beside the checkout (read-only; never copied into the repo).

    A fresh clone has no corpus: its tests skip with the reason. CI sets
    ``SCRUBBER_REQUIRE_CORPUS=1`` (``.ci/run``), which turns that skip into a failure so
    nothing is skipped where it matters.
    """
    if not CORPUS.is_dir():
        reason = f"the shared corpus is not beside this checkout (expected {CORPUS})"
        if os.environ.get("SCRUBBER_REQUIRE_CORPUS") == "1":
            pytest.fail(f"{reason}; SCRUBBER_REQUIRE_CORPUS=1 requires it")
        pytest.skip(reason)
    return CORPUS


@pytest.fixture
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def sample_tables_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A table store holding every bundled sample table, imported through the CLI."""
    import scrubber._cli as cli

    db = tmp_path_factory.mktemp("sample-tables") / "tables.db"
    files = sorted(
        [*SAMPLES.joinpath("tables").glob("*.csv"), *SAMPLES.joinpath("tables").glob("*.txt")]
    )
    assert cli.main(["tables", "import", *map(str, files), "--tables", str(db)]) == 0
    return db


ScrubSample = Callable[..., tuple[int, bytes, dict[str, Any]]]


@pytest.fixture
def scrub_sample(sample_tables_db: Path, tmp_path: Path) -> ScrubSample:
    """Run ``scrubber scrub SAMPLE -o OUT --report R`` on a bundled sample with the sample
    tables; returns the exit code, the output bytes and the parsed report."""
    import scrubber._cli as cli

    def run(sample: str, *extra: str) -> tuple[int, bytes, dict[str, Any]]:
        out, report = tmp_path / "out", tmp_path / "report.json"
        code = cli.main(
            [
                "scrub",
                str(SAMPLES / sample),
                "--tables",
                str(sample_tables_db),
                "-o",
                str(out),
                "--report",
                str(report),
                "-q",
                "--no-history",  # each sample on its own: no day totals from other tests
                *extra,
            ]
        )
        data = out.read_bytes() if out.exists() else b""
        return code, data, json.loads(report.read_text(encoding="utf-8"))

    return run


@pytest.fixture
def crash_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The crash plugin of tests/runner_parity.py installed as users install one, so that
    worker processes, which load plugins themselves, load it too."""
    site = install_crash_plugin(tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", str(site))
    yield
    sys.modules.pop("scrubber_crash_test", None)
