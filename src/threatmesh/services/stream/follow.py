"""Following the platform's event stream as a client: the events it announces.

The workers that act on events (the second detector's review, the enrichment runner)
can poll ``events/restSearch`` by timestamp, which any MISP answers, or, against
threatmesh, subscribe to its live stream (``GET /stream/events``, Server-Sent Events
fed by the outbox) and act as soon as an event is written. :func:`follow_events` is
that subscription: it subscribes first, then runs the caller's catch-up (the polling
pass for what changed before), so nothing written in between is missed, and then
hands over each announced event's UUID, once per burst of notifications.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence

from threatmesh.client.stream import StreamFrame, Subscription
from threatmesh.model.errors import ThreatmeshError

__all__ = ["follow_events"]

Inbox = queue.Queue[StreamFrame | None]


def _listen(subscription: Subscription, inbox: Inbox) -> None:
    try:
        for frame in subscription:
            inbox.put(frame)
    finally:
        inbox.put(None)


def _next_events(inbox: Inbox, wait: float) -> list[str] | None:
    """The UUIDs of the events announced since the last call (each once, in order: the
    notifications of one write come in bursts), waiting up to ``wait`` seconds for the
    first; None once the stream is closed."""
    try:
        frames = [inbox.get(timeout=wait)]
    except queue.Empty:
        return []
    while not inbox.empty():
        frames.append(inbox.get_nowait())
    uuids: dict[str, None] = {}
    for frame in frames:
        if frame is None:
            return None
        event = frame.data.get("Event") if isinstance(frame.data, dict) else None
        if isinstance(event, dict) and event.get("uuid"):
            uuids[str(event["uuid"])] = None
    return list(uuids)


def follow_events(
    url: str,
    key: str,
    *,
    topics: Sequence[str],
    handle: Callable[[str], None],
    stop: threading.Event,
    catch_up: Callable[[], None] = lambda: None,
    on_open: Callable[[], None] = lambda: None,
    open_timeout: float = 30.0,
) -> None:
    """Call ``handle(uuid)`` for each event that notifications on ``topics`` of the
    server at ``url`` are about, until ``stop`` is set (or the caller is interrupted).
    Once subscribed: ``on_open()``, then ``catch_up()``; a :class:`ThreatmeshError` when
    the stream does not open within ``open_timeout`` seconds."""
    subscription = Subscription(url, key, topics=tuple(topics), stop=stop)
    inbox: Inbox = queue.Queue()
    listener = threading.Thread(
        target=_listen, args=(subscription, inbox), daemon=True, name="stream-follower"
    )
    listener.start()
    try:
        if not subscription.opened.wait(open_timeout):
            raise ThreatmeshError(f"{url}: the event stream (GET /stream/events) did not open")
        on_open()
        catch_up()
        # The wait is how often ``stop`` is looked at while nothing happens.
        while not stop.is_set() and (uuids := _next_events(inbox, 0.5)) is not None:
            for uuid in uuids:
                handle(uuid)
    finally:
        subscription.close()
        listener.join(timeout=10)
