"""The live event stream as Server-Sent Events: notifications from the outbox, after
a position, filtered to what the subscriber may see.

The stream reads the outbox table rather than the bus: it is the one ordered log
every worker process shares, so a subscriber on any worker sees the changes made
through all of them, resumes from any id, and keeps streaming while the bus is down.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import orjson

from threatmesh.bus import topics as catalogue
from threatmesh.bus.topics import MISP_JSON
from threatmesh.model.access import Viewer
from threatmesh.model.errors import InvalidInput
from threatmesh.model.stream_access import visible_part
from threatmesh.services.platform import Platform
from threatmesh.services.stream.notify import whole_event
from threatmesh.storage.stream import outbox

#: Largest id accepted in Last-Event-ID (ids are BIGINT).
_MAX_ID = 2**63 - 1
#: The topics a subscriber may name, in MISP's order (``bus.topics``).
TOPICS: tuple[str, ...] = catalogue.TOPICS


@dataclass(frozen=True, slots=True)
class Frame:
    """One notification as an SSE frame."""

    id: int
    topic: str
    data: bytes

    def encode(self) -> bytes:
        """The frame in the ``text/event-stream`` format."""
        return b"id: %d\nevent: %s\ndata: %s\n\n" % (self.id, self.topic.encode(), self.data)


def parse_topics(raw: str | None) -> frozenset[str]:
    """The topics named in a comma-separated list (all when empty or None); 400
    naming the first unknown topic."""
    return catalogue.parse_topics(raw)


def parse_position(raw: str | None, where: str) -> int | None:
    """A ``Last-Event-ID`` (or ``last_event_id`` parameter): a notification id, or None."""
    if raw is None:
        return None
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > _MAX_ID:
        raise InvalidInput(f"{where}: {raw[:40]!r} is not a notification id (a whole number >= 0)")
    return int(text)


def start_position(platform: Platform, requested: int | None, where: str) -> int:
    """Where a new stream starts: after ``requested``, or after the newest notification.

    An id past the newest one cannot come from this instance, so it is refused rather
    than silently waited on.
    """
    with platform.read() as conn:
        newest = outbox.last_id(conn)
    if requested is None:
        return newest
    if requested > newest:
        raise InvalidInput(f"{where}: {requested} is past the newest notification ({newest})")
    return requested


def next_frames(
    platform: Platform,
    viewer: Viewer,
    after: int,
    topics: Collection[str],
    *,
    limit: int = 500,
) -> tuple[int, list[Frame], bool]:
    """Frames after position ``after`` that ``viewer`` may see: (the position read up
    to, the frames, whether more rows are waiting)."""
    upp = platform.unpublished_private
    frames = []
    with platform.read() as conn:
        rows = outbox.after(conn, after, topics, limit=limit)
        for row in rows:
            part = visible_part(viewer, orjson.loads(row["payload"]), unpublished_private=upp)
            if part is not None and row["topic"] == MISP_JSON:
                # The whole event, read now, as this subscriber may see it.
                part = whole_event(conn, row["event_uuid"], viewer, unpublished_private=upp)
            if part is not None:
                frames.append(Frame(row["id"], row["topic"], orjson.dumps(part)))
    position = rows[-1]["id"] if rows else after
    return position, frames, len(rows) == limit
