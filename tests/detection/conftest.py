"""The repo's lab sample, loaded once per session, and one thread for torch."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from threatmesh.detection.batch import FlowBatch
from threatmesh.services.detect.training import load_chunk

DATA = Path(__file__).parent / "data"
CHUNKS = ("day1", "day2", "day3", "day4")


@pytest.fixture(autouse=True, scope="session")
def _one_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def chunks() -> list[FlowBatch]:
    """The four lab days of the sample, one chunk each."""
    return [load_chunk(DATA / f"{name}.flows.csv") for name in CHUNKS]


@pytest.fixture(scope="session")
def holdout() -> FlowBatch:
    """The held-out lab capture's sample."""
    return load_chunk(DATA / "holdout.flows.csv")
