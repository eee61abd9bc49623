"""The bus backend registry."""

from __future__ import annotations

import pytest

from threatmesh.bus.memory import MemoryBus
from threatmesh.bus.registry import BACKENDS, Registry, create_bus


def test_registry_refuses_duplicates_and_names_unknown_entries() -> None:
    reg: Registry[int] = Registry("widget")
    reg.register("a", 1)
    with pytest.raises(ValueError, match="widget 'a' is already registered"):
        reg.register("a", 2)
    with pytest.raises(KeyError, match="unknown widget 'b'"):
        reg["b"]
    assert dict(reg) == {"a": 1} and len(reg) == 1


def test_builtin_backends() -> None:
    assert set(BACKENDS) == {"memory", "nats"}
    bus = create_bus("memory")
    assert isinstance(bus, MemoryBus)
    bus.close()
    with pytest.raises(KeyError, match="unknown bus backend 'kafka'"):
        create_bus("kafka")
