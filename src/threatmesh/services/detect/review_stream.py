"""The second detector subscribed to the platform's event stream (issue 17).

Instead of polling ``events/restSearch`` by timestamp, :func:`follow_detections` listens
to threatmesh's live stream (:func:`threatmesh.services.stream.follow.follow_events`)
for new and edited events and new objects, and reviews each detection event they
announce as soon as it is written. Polling (:func:`review.review_events` with
``since``) stays the mode that works against a plain MISP, which has no such stream.

A review is idempotent (an object that already has our entry is not scored again and
the credibility tag is only changed when it differs), so being told twice about an
event, or about our own edits, costs a read and writes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from threatmesh.bus import topics
from threatmesh.client.http import ClientError, ThreatmeshClient
from threatmesh.detection.anomaly import BenignProfile
from threatmesh.services.detect.review import DETECTION_TAG, Review, review_event, review_events
from threatmesh.services.stream.follow import follow_events

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
    the caller is interrupted); first those changed since ``job.since``, if given."""

    def catch_up() -> None:
        if job.since is not None:
            for review in review_events(job.url, job.key, job.profile, version=job.version,
                                        threshold=job.threshold, since=job.since):  # fmt: skip
                on_review("", review)

    with ThreatmeshClient(job.url, job.key, timeout=120) as client:

        def handle(uuid: str) -> None:
            review = _review_announced(client, job, uuid)
            if review is not None:
                on_review(uuid, review)

        follow_events(job.url, job.key, topics=STREAM_TOPICS, handle=handle, stop=stop,
                      catch_up=catch_up, on_open=on_open)  # fmt: skip
