"""Running enrichment modules over the platform's events.

Every attribute of an event (objects' too) is given to each module that handles its
type; what the modules add goes to the event in one ``attributes/add``, tags to the
attribute with ``tags/attachTagToObject``. Nothing is added twice: an attribute whose
type and value the event already holds is left out, a tag already on the attribute too,
and attributes a module made are not expanded again. Following, the events changed
since the last round (``events/restSearch`` by ``timestamp``) are enriched every
``interval`` seconds; the time reached is kept in ``state`` across restarts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import threatmesh.sensors.enrichment  # noqa: F401  (registers reverse-dns and asn)
from threatmesh.client.http import ThreatmeshClient
from threatmesh.model.enrichment import modules as _pure  # noqa: F401  (registers)
from threatmesh.model.enrichment.base import ENRICHERS, Enricher
from threatmesh.services.enrich.honeypot import HoneypotMatches, honeypot_module

__all__ = [
    "EnrichJob",
    "EnrichReport",
    "build_modules",
    "enrich_event",
    "module_names",
    "run_enrichment",
]

Json = dict[str, Any]


@dataclass(slots=True)
class EnrichReport:
    """Events looked at, attributes added, tags attached."""

    events: int = 0
    attributes: int = 0
    tags: int = 0


@dataclass(frozen=True)
class EnrichJob:
    """Which modules (name -> options), on which events, how often."""

    url: str
    key: str
    modules: Mapping[str, Mapping[str, str]]
    event: str | None = None
    since: int | None = None
    follow: bool = False
    interval: float = 10.0
    state: Path | None = None


def module_names() -> list[str]:
    """Every module that can be named."""
    return sorted([*ENRICHERS, "honeypot"])


def build_modules(
    client: ThreatmeshClient, wanted: Mapping[str, Mapping[str, str]]
) -> list[Enricher]:
    """The modules named in ``wanted``, built with their options (``KeyError`` names the
    known ones when a name is unknown; a module's own errors say what it needs)."""
    built: list[Enricher] = []
    for name, options in wanted.items():
        if name == "honeypot":
            built.append(honeypot_module(client, options))
        else:
            built.append(ENRICHERS[name](options))
    return built


def _attributes(event: Json) -> Iterator[Json]:
    yield from event.get("Attribute", [])
    for obj in event.get("Object", []):
        yield from obj.get("Attribute", [])


def _ours(attribute: Json) -> bool:
    return any(
        str(t.get("name", "")).startswith("threatmesh:enrichment=")
        for t in attribute.get("Tag", [])
    )


def enrich_event(
    client: ThreatmeshClient, event: Json, modules: Sequence[Enricher]
) -> EnrichReport:
    """Run ``modules`` over one event (as ``events/view`` answers it)."""
    held = {(a["type"], a["value"]) for a in _attributes(event)}
    new: list[Json] = []
    report = EnrichReport(events=1)
    for module in modules:
        if isinstance(module, HoneypotMatches):
            module.exclude = {event["uuid"]}
    for attribute in [a for a in _attributes(event) if not _ours(a) and not a.get("deleted")]:
        kind, value = attribute["type"], attribute["value"]
        present = {t.get("name") for t in attribute.get("Tag", [])}
        for module in (m for m in modules if kind in m.handles):
            expansion = module.expand(kind, value)
            for tag in (t for t in expansion.tags if t not in present):
                client.request(
                    "POST", "/tags/attachTagToObject", json={"uuid": attribute["uuid"], "tag": tag}
                )
                present.add(tag)
                report.tags += 1
            for added in expansion.attributes(module.name, kind, value):
                if (added["type"], added["value"]) not in held:
                    held.add((added["type"], added["value"]))
                    new.append(added)
    if new:
        report.attributes = len(client.add_attributes(event["uuid"], new))
    return report


def _changed_since(client: ThreatmeshClient, since: int | None) -> list[Json]:
    body: Json = {"returnFormat": "json", "includeEventTags": 1}
    if since is not None:
        body["timestamp"] = str(since)
    answer = client.request("POST", "/events/restSearch", json=body)
    events = answer.get("response", []) if isinstance(answer, dict) else answer or []
    return [e.get("Event", e) for e in events if isinstance(e, dict)]


def _load_since(job: EnrichJob) -> int | None:
    if job.state is not None and job.state.exists():
        return int(json.loads(job.state.read_text())["since"])
    return job.since


def run_enrichment(
    job: EnrichJob,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    progress: Callable[[EnrichReport], None] = lambda _: None,
) -> EnrichReport:
    """Enrich one event (``job.event``), or every event changed since ``job.since``."""
    total = EnrichReport()
    with ThreatmeshClient(job.url, job.key, timeout=120) as client:
        modules = build_modules(client, job.modules)
        if job.event is not None:
            return enrich_event(client, client.get_event(job.event), modules)
        since = _load_since(job)
        while True:
            started = int(time.time())
            for event in _changed_since(client, since):
                done = enrich_event(client, event, modules)
                total.events, total.attributes, total.tags = (
                    total.events + 1,
                    total.attributes + done.attributes,
                    total.tags + done.tags,
                )
                progress(done)
            since = started
            if job.state is not None:
                job.state.write_text(json.dumps({"since": since}))
            if not job.follow or should_stop():
                return total
            time.sleep(job.interval)
