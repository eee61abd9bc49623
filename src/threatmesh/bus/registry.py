"""Bus backends by name: ``memory`` (in-process, the default) and ``nats`` (JetStream)."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from threatmesh.bus.base import Bus
from threatmesh.model.registry import Registry

#: A backend factory takes the bus URL and backend options (stream name, prefix...).
BusFactory = Callable[..., Bus]


def _memory(url: str = "", **_options: Any) -> Bus:
    from threatmesh.bus.memory import MemoryBus

    return MemoryBus()


def _nats(url: str = "", **options: Any) -> Bus:
    from threatmesh.bus.nats import NatsBus

    return NatsBus(url or "nats://127.0.0.1:4222", **options)


BACKENDS: Registry[BusFactory] = Registry("bus backend")
BACKENDS.register("memory", _memory)
BACKENDS.register("nats", _nats)


#: Entry-point group of out-of-tree backends (a factory ``(url, **options) -> Bus``).
ENTRY_POINT_GROUP = "threatmesh.bus"


def load_plugins() -> None:
    """Register the backends installed packages declare in ``threatmesh.bus``."""
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name not in BACKENDS:
            BACKENDS.register(entry.name, entry.load())


def create_bus(name: str, url: str = "", **options: Any) -> Bus:
    """The bus backend ``name`` (connected to ``url`` if the backend has one)."""
    if name not in BACKENDS:
        load_plugins()
    return BACKENDS[name](url, **options)
