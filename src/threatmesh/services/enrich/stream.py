"""The enrichment runner subscribed to the platform's event stream (issue 17).

``threatmesh enrich run --follow`` polls ``events/restSearch`` by timestamp every few
seconds, which any MISP answers. Against threatmesh, :func:`stream_enrichment` instead
listens to the live stream (:func:`threatmesh.services.stream.follow.follow_events`) and
enriches each event as soon as an event, attribute or object write announces it.
Enrichment adds nothing twice, so hearing of its own additions writes nothing more.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from threatmesh.bus import topics
from threatmesh.client.http import ClientError, ThreatmeshClient
from threatmesh.services.enrich.run import EnrichJob, EnrichReport, build_modules, enrich_event
from threatmesh.services.enrich.run import run_enrichment as _poll
from threatmesh.services.stream.follow import follow_events

__all__ = ["STREAM_TOPICS", "stream_enrichment"]

#: What can bring something to enrich: an event, an attribute or an object written.
STREAM_TOPICS = (topics.EVENT, topics.ATTRIBUTE, topics.OBJECT)


def stream_enrichment(
    job: EnrichJob,
    *,
    stop: threading.Event,
    progress: Callable[[str, EnrichReport], None] = lambda _uuid, _done: None,
    on_open: Callable[[], None] = lambda: None,
) -> EnrichReport:
    """Enrich the events the stream announces until ``stop`` is set (or the caller is
    interrupted), after those changed since ``job.since`` if given; the totals."""
    total = EnrichReport()

    def count(uuid: str, done: EnrichReport) -> None:
        total.events += done.events
        total.attributes += done.attributes
        total.tags += done.tags
        progress(uuid, done)

    def catch_up() -> None:
        if job.since is not None:
            count("", _poll(replace(job, event=None, follow=False, state=None)))

    with ThreatmeshClient(job.url, job.key, timeout=120) as client:
        modules = build_modules(client, job.modules)

        def handle(uuid: str) -> None:
            try:
                event = client.get_event(uuid)
            except ClientError as exc:
                if exc.status == 404:
                    return  # deleted since, or no longer visible
                raise
            count(uuid, enrich_event(client, event, modules))

        follow_events(job.url, job.key, topics=STREAM_TOPICS, handle=handle, stop=stop,
                      catch_up=catch_up, on_open=on_open)  # fmt: skip
    return total
