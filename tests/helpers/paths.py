"""Where the repository and the test data are, wherever a test module sits."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
# Captured hardware outputs, one directory per machine (and a few per tool).
FIXTURES = TESTS / "fixtures" / "hardware"
