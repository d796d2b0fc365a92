from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SAMPLES = SHARED / "data" / "samples"
REAL = SHARED / "data" / "real"


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.fail(f"../shared/data/samples is missing (looked in {SAMPLES})")
    return SAMPLES


@pytest.fixture
def real() -> Path:
    if not REAL.is_dir():
        pytest.fail(f"../shared/data/real is missing (looked in {REAL})")
    return REAL
