"""The bench scripts import each other as top-level modules (bench/ is their sys.path entry)."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent
for entry in (str(BENCH_DIR.parent), str(BENCH_DIR)):
    if entry not in sys.path:
        sys.path.insert(0, entry)
