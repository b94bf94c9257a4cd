"""The CI slice of the fuzz harness: the targets and oracles live in ``fuzz/`` (long runs:
``fuzz/run.py``), imported here from that folder."""

from __future__ import annotations

import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parents[2] / "fuzz"
if str(FUZZ) not in sys.path:
    sys.path.insert(0, str(FUZZ))
