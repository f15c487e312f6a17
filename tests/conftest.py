"""Shared fixtures: the real data folder, seeding, float64 inputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SHENDU_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` (real datasets); CI always has it, elsewhere the test skips."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} not found (CI always has it)")
    return SHARED_DATA


@pytest.fixture(autouse=True, scope="session")
def _torch_single_thread():
    """PyTorch (the reference in parity tests) on one thread: its thread pool fights the
    other test worker for 2 cores and turns milliseconds into seconds."""
    try:
        import torch
    except ImportError:
        yield
        return
    torch.set_num_threads(1)
    yield


@pytest.fixture(autouse=True)
def _seed_and_floatx():
    """Each test starts from the same seed and float32 default, and restores floatx after."""
    from shendu import backend
    from shendu.utils import set_random_seed

    set_random_seed(1234)
    previous = backend.floatx()
    yield
    backend.set_floatx(previous)

