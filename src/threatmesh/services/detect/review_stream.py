"""The second detector subscribed to the platform's event stream (issue 17).

Instead of polling ``events/restSearch`` by timestamp, :func:`follow_detections` listens
to threatmesh's live stream (``GET /stream/events``, Server-Sent Events fed by the
outbox) for new and edited events and new objects, and reviews each detection event
they announce as soon as it is written. Polling (:func:`review.review_events` with
``since``) stays the mode that works against a plain MISP, which has no such stream.

A review is idempotent (an object that already has our entry is not scored again and
the credibility tag is only changed when it differs), so being told twice about an
event, or about our own edits, costs a read and writes nothing.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from threatmesh.bus import topics
from threatmesh.client.http import ClientError, ThreatmeshClient
from threatmesh.client.stream import StreamFrame, Subscription
from threatmesh.detection.anomaly import BenignProfile
from threatmesh.model.errors import ThreatmeshError
from threatmesh.services.detect.review import DETECTION_TAG, Review, review_event, review_events

__all__ = ["STREAM_TOPICS", "StreamReview", "follow_detections"]

#: What can bring a detection: an event added or edited, an object added to one.
STREAM_TOPICS = (topics.EVENT, topics.OBJECT)


@dataclass(frozen=True, slots=True)
class StreamReview:
    """How the stream mode runs: the platform, the profile and the review's options."""

    url: str
    key: str
    profile: BenignProfile
    version: str
    threshold: float = 0.99
    #: Review the detection events changed since then first (epoch; None: none).
    since: int | None = None
    #: How long to wait for the stream to open before giving up.
    open_timeout: float = 30.0


def _listen(subscription: Subscription, inbox: queue.Queue[StreamFrame | None]) -> None:
    try:
        for frame in subscription:
            inbox.put(frame)
    finally:
        inbox.put(None)


def _next_events(inbox: queue.Queue[StreamFrame | None], wait: float) -> list[str] | None:
    """The UUIDs of the events announced since the last call (each once, in order: the
    frames of one write come in bursts), waiting up to ``wait`` seconds for the first;
    None once the stream is closed."""
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


def _review_announced(client: ThreatmeshClient, job: StreamReview, uuid: str) -> Review | None:
    """The review of event ``uuid`` if it is a detection event (None otherwise)."""
    try:
        event = client.get_event(uuid)  # events/view: with the attachments' data
    except ClientError as exc:
        if exc.status == 404:
            return None  # deleted since, or no longer visible
        raise
    if all(t.get("name") != DETECTION_TAG for t in event.get("Tag", [])):
        return None
    return review_event(client, event, job.profile, version=job.version, threshold=job.threshold)


def follow_detections(
    job: StreamReview,
    *,
    stop: threading.Event,
    on_review: Callable[[str, Review], None] = lambda _uuid, _review: None,
    on_open: Callable[[], None] = lambda: None,
) -> None:
    """Review detection events as the stream announces them, until ``stop`` is set (or
    the caller is interrupted). Subscribes first, then catches up from ``job.since``, so
    nothing written in between is missed; ``on_open`` is called once listening."""
    subscription = Subscription(job.url, job.key, topics=STREAM_TOPICS, stop=stop)
    inbox: queue.Queue[StreamFrame | None] = queue.Queue()
    listener = threading.Thread(
        target=_listen, args=(subscription, inbox), daemon=True, name="review-stream"
    )
    listener.start()
    try:
        if not subscription.opened.wait(job.open_timeout):
            raise ThreatmeshError(f"{job.url}: the event stream (GET /stream/events) did not open")
        on_open()
        if job.since is not None:
            for review in review_events(job.url, job.key, job.profile, version=job.version,
                                        threshold=job.threshold, since=job.since):  # fmt: skip
                on_review("", review)
        with ThreatmeshClient(job.url, job.key, timeout=120) as client:
            while not stop.is_set() and (uuids := _next_events(inbox, 0.5)) is not None:
                for uuid in uuids:
                    announced = _review_announced(client, job, uuid)
                    if announced is not None:
                        on_review(uuid, announced)
    finally:
        subscription.close()
        listener.join(timeout=10)
