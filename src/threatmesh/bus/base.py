"""What every bus backend implements: publish, subscribe from a position, close.

Backends are synchronous: the relay that feeds them runs in a thread, and a backend
built on an asynchronous client (NATS) runs that client on a private event loop.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from threatmesh.model.errors import ThreatmeshError


class BusUnavailable(ThreatmeshError):
    """The bus cannot take or give messages right now (down, unreachable, closed)."""

    status = 503
    name = "Bus unavailable"


@dataclass(frozen=True, slots=True)
class Message:
    """One notification: ``id`` is the outbox id, unique per instance and increasing;
    consumers deduplicate on it (delivery is at least once)."""

    id: int
    topic: str
    #: The UUID of the event the notification is about ("" for organisations, users).
    event_uuid: str
    #: MISP-shaped JSON (``{"Event": {...}, "action": "add"}``), as bytes.
    payload: bytes


@dataclass(frozen=True, slots=True)
class Delivery:
    """A message as a subscriber receives it, with its position on the bus."""

    position: int
    message: Message


class Subscription(ABC):
    """Messages after a position, oldest first."""

    @abstractmethod
    def fetch(self, *, limit: int = 100, timeout: float = 1.0) -> list[Delivery]:
        """Up to ``limit`` next messages, waiting up to ``timeout`` seconds for the
        first one; an empty list when nothing came."""

    @abstractmethod
    def close(self) -> None:
        """Stop receiving (idempotent)."""


class Bus(ABC):
    """A durable, ordered log of notifications."""

    @abstractmethod
    def publish(self, message: Message) -> int:
        """Append ``message``; returns its position once the bus has stored it.

        Raises :class:`BusUnavailable` when it could not be stored.
        """

    def publish_ordered(
        self, messages: Sequence[Message]
    ) -> tuple[list[int], BusUnavailable | None]:
        """Publish ``messages`` keeping the order within each event: after a failure,
        no later message of that event is sent. Returns the ids of the messages stored
        and the first failure (None when all were stored).

        This default publishes one at a time and stops at the first failure; a backend
        may publish different events' messages concurrently.
        """
        stored: list[int] = []
        for message in messages:
            try:
                self.publish(message)
            except BusUnavailable as exc:
                return stored, exc
            stored.append(message.id)
        return stored, None

    @abstractmethod
    def subscribe(self, *, after: int = 0, topics: Collection[str] | None = None) -> Subscription:
        """A subscription to messages at positions after ``after`` (0: from the start),
        on ``topics`` (all when None)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections (idempotent); later calls raise :class:`BusUnavailable`."""
