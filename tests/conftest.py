"""Shared fixtures: where the real corpus and the project's samples live."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

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
    """``../shared/corpus`` beside the checkout (read-only; never copied into the repo)."""
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is missing: expected it at {CORPUS}")
    return CORPUS


@pytest.fixture
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def sample_tables_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A table store holding every bundled sample table, imported through the CLI."""
    import scrubber.cli as cli

    db = tmp_path_factory.mktemp("sample-tables") / "tables.db"
    files = sorted(
        [*SAMPLES.joinpath("tables").glob("*.csv"), *SAMPLES.joinpath("tables").glob("*.txt")]
    )
    assert cli.main(["tables", "import", *map(str, files), "--tables", str(db)]) == 0
    return db
