"""The relay: copies outbox notifications to the bus, in order, at least once.

One relay runs in each server process (started by the app's lifespan). It claims a
batch of undelivered rows, publishes them (each event's rows in id order, each publish
acknowledged by the bus before the event's next one; different events may overlap),
and marks the published ones delivered. When the bus fails, no later row of that
event is sent, and the relay retries with exponential backoff; rows stay
undelivered until the bus has them, so nothing is lost, and a crash between publish
and mark only means the bus sees a row twice (subscribers deduplicate on the id).
"""

from __future__ import annotations

import logging
import threading

import orjson

from threatmesh.bus import topics
from threatmesh.bus.base import Bus, BusUnavailable, Message
from threatmesh.services.platform import Platform
from threatmesh.services.stream import notify
from threatmesh.storage.core import database
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.stream import outbox

log = logging.getLogger("threatmesh.relay")


def message_of(row: Row, conn: Connection | None = None) -> Message:
    """The bus message of an outbox row; with ``conn``, a ``misp_json`` row carries the
    whole event, read now (the row holds only the event's own fields)."""
    payload = row["payload"].encode()
    if conn is not None and row["topic"] == topics.MISP_JSON:
        whole = notify.whole_event(conn, row["event_uuid"])
        if whole is not None:  # (deleted since: its delete notification follows)
            payload = orjson.dumps(whole)
    return Message(row["id"], row["topic"], row["event_uuid"], payload)


class Relay:
    """Drains the outbox of ``platform`` to ``bus``."""

    def __init__(
        self,
        platform: Platform,
        bus: Bus,
        *,
        batch: int = 500,
        idle_seconds: float = 1.0,
        linger_seconds: float = 0.0,
        max_backoff: float = 5.0,
    ) -> None:
        self.platform = platform
        self.bus = bus
        self.batch = batch
        self.idle_seconds = idle_seconds
        self.linger_seconds = linger_seconds
        self.max_backoff = max_backoff
        self.published = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _publish(self, messages: list[Message]) -> tuple[list[int], BusUnavailable | None]:
        # After a failure the bus sends no later row of the same event: those wait for
        # the next round, so each event's notifications stay in order.
        return self.bus.publish_ordered(messages)

    def run_once(self) -> int:
        """Publish one batch; returns how many were published.

        Raises :class:`BusUnavailable` (after marking what did get through) when the bus
        failed part-way.
        """
        engine = self.platform.engine
        if outbox.claims_hold_locks(engine):
            # The claimed rows stay locked while they are published, so relays in other
            # processes skip them (FOR UPDATE SKIP LOCKED).
            with database.begin(engine) as conn:
                rows = outbox.claim(conn, limit=self.batch)
                done, failure = self._publish([message_of(r, conn) for r in rows])
                outbox.mark_delivered(conn, done, self.platform.now())
        else:
            # SQLite: a read transaction cannot later write once another commit happened
            # (WAL snapshots), so claim, publish and mark in separate steps.
            with self.platform.read() as conn:
                messages = [message_of(r, conn) for r in outbox.claim(conn, limit=self.batch)]
            done, failure = self._publish(messages)
            with database.begin(engine) as conn:
                outbox.mark_delivered(conn, done, self.platform.now())
        self.published += len(done)
        if failure is not None:
            raise failure
        return len(done)

    def drain(self) -> int:
        """Publish until nothing is left (for the CLI and tests); returns how many."""
        total = 0
        while True:
            n = self.run_once()
            total += n
            if n < self.batch:
                return total

    def _loop(self) -> None:
        backoff = 0.05
        seen = self.platform.doorbell.rings
        while not self._stop.is_set():
            try:
                n = self.run_once()
            except Exception as exc:  # bus or database down: wait, then retry
                log.warning("relay: %s; retrying in %.2f s", exc, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            backoff = 0.05
            if n < self.batch:
                seen = self.platform.doorbell.wait(seen, self.idle_seconds)
                # A ring during a burst of writes: let the burst's next commits land
                # so that one batch (one claim, one mark) carries them all.
                self._stop.wait(self.linger_seconds)

    def start(self) -> Relay:
        """Run in a background thread until :meth:`stop`."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="threatmesh-relay", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the background thread (the current batch finishes first)."""
        self._stop.set()
        self.platform.doorbell.ring()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
