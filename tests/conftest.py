"""Shared fixtures: where the real corpus and the project's samples live."""

from __future__ import annotations

from pathlib import Path

import pytest

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
