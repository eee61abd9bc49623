"""Reporting anomalies to a MISP-compatible platform through its REST API: the host's
report event of the day, one attribute per anomaly subject, and a sighting (source
``hids@<host>``) on whatever the platform already holds with an attacker's address."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from threatmesh.client.http import ClientError, ThreatmeshClient
from threatmesh.honeypots.hids.baseline import Anomaly
from threatmesh.honeypots.hids.misp import (
    anomaly_attributes,
    hids_source,
    report_event,
    report_uuid,
)

__all__ = ["Reported", "report"]


@dataclass(frozen=True, slots=True)
class Reported:
    """What a report wrote: the event, the attributes added, the attributes sighted."""

    event_uuid: str
    attributes: int
    sighted: int


def _ensure_event(client: ThreatmeshClient, host: str, at: int) -> str:
    uuid = report_uuid(host, at)
    try:
        client.get_event(uuid)
    except ClientError as exc:
        if exc.status != 404:
            raise
        client.add_event(report_event(host, at))
    return uuid


def _sight(client: ThreatmeshClient, value: str, source: str, at: int) -> int:
    """Sight every attribute with ``value`` the platform shows us (0 when none does)."""
    body = {"value": value, "source": source, "type": "0", "timestamp": str(at)}
    try:
        answer = client.request("POST", "/sightings/add", json=body)
    except ClientError as exc:
        if exc.status in {403, 404}:  # nothing holds the value, or we may not sight it
            return 0
        raise
    return len(answer) if isinstance(answer, list) else 1


def report(url: str, key: str, host: str, anomalies: Sequence[Anomaly]) -> Reported | None:
    """Write ``anomalies`` of ``host`` to the platform at ``url`` (None if there are none).

    Sightings come first, so they land on what others reported (a CERT's indicator), not
    on this report's own attributes."""
    if not anomalies:
        return None
    at = max(a.at for a in anomalies)
    with ThreatmeshClient(url, key, timeout=60) as client:
        sighted = sum(
            _sight(client, a.source, hids_source(host), a.at) for a in anomalies if a.source
        )
        uuid = _ensure_event(client, host, at)
        added = client.add_attributes(uuid, anomaly_attributes(anomalies))
    return Reported(uuid, len(added), sighted)
