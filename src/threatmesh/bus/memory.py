"""The in-process bus: a list and a condition variable (the default backend).

It keeps every message of the process's lifetime; subscribers in the same process
(tests, in-process consumers) read it from any position.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection

from threatmesh.bus.base import Bus, BusUnavailable, Delivery, Message, Subscription


class MemoryBus(Bus):
    """Messages held in memory; positions are 1, 2, 3..."""

    def __init__(self) -> None:
        self._log: list[Message] = []
        self._changed = threading.Condition()
        self._closed = False

    def publish(self, message: Message) -> int:
        with self._changed:
            if self._closed:
                raise BusUnavailable("the memory bus is closed")
            self._log.append(message)
            self._changed.notify_all()
            return len(self._log)

    def subscribe(self, *, after: int = 0, topics: Collection[str] | None = None) -> Subscription:
        if self._closed:
            raise BusUnavailable("the memory bus is closed")
        return _MemorySubscription(self, after, None if topics is None else frozenset(topics))

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def _read(
        self, after: int, topics: frozenset[str] | None, limit: int, timeout: float
    ) -> tuple[int, list[Delivery]]:
        """Matching messages after ``after``, and the position scanned up to."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                if self._closed:
                    raise BusUnavailable("the memory bus is closed")
                found = [
                    Delivery(pos, msg)
                    for pos, msg in enumerate(self._log[after:], start=after + 1)
                    if topics is None or msg.topic in topics
                ][:limit]
                scanned = found[-1].position if len(found) == limit else len(self._log)
                left = deadline - time.monotonic()
                if found or left <= 0:
                    return scanned, found
                self._changed.wait(left)


class _MemorySubscription(Subscription):
    def __init__(self, bus: MemoryBus, after: int, topics: frozenset[str] | None) -> None:
        self._bus = bus
        self._after = after
        self._topics = topics
        self._closed = False

    def fetch(self, *, limit: int = 100, timeout: float = 1.0) -> list[Delivery]:
        if self._closed:
            raise BusUnavailable("the subscription is closed")
        self._after, found = self._bus._read(self._after, self._topics, limit, timeout)
        return found

    def close(self) -> None:
        self._closed = True
