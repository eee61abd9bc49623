"""The application factory's process-wide tuning."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from threatmesh.api.app import tune_gc
from threatmesh.api.settings import Settings


@pytest.fixture
def gc_state() -> Iterator[None]:
    """Put the collector back as it was (the setting is process-wide)."""
    threshold = gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    gc.unfreeze()


def test_the_server_collects_garbage_less_often(gc_state: None) -> None:
    assert Settings().gc_threshold == 10_000
    older = gc.get_threshold()[1:]
    tune_gc(12_345)
    assert gc.get_threshold() == (12_345, *older)
    assert gc.get_freeze_count() > 0  # what was loaded at start is out of its sight


def test_zero_leaves_the_collector_alone(gc_state: None) -> None:
    gc.unfreeze()
    before = gc.get_threshold()
    tune_gc(0)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
