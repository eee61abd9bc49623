"""Decoy interactions fed back to a MISP-compatible platform through its REST API (so
it works against any MISP): a sighting on the CVE's attributes, and the connection and
payload in the host's decoy event of the day (``honeypots.decoys.records`` says what
each holds). The risk engine reads the sightings back as decoy hits."""

from __future__ import annotations

from dataclasses import dataclass

from threatmesh.client.http import ClientError, ThreatmeshClient
from threatmesh.honeypots.decoys.catalogue import decoy_for
from threatmesh.honeypots.decoys.records import Interaction, hit_event, hit_event_uuid, hit_objects
from threatmesh.honeypots.risk.facts import decoy_source

__all__ = ["Fed", "feed_back"]


@dataclass(frozen=True, slots=True)
class Fed:
    """What one interaction wrote: the decoy event, and how many attributes it sighted."""

    event_uuid: str
    sighted: int


def _sight(client: ThreatmeshClient, hit: Interaction) -> int:
    """Sight every attribute with the CVE as value the caller may see (0 when none)."""
    body = {"value": hit.cve, "source": decoy_source(hit.host), "type": "0",
            "timestamp": str(hit.at)}  # fmt: skip
    try:
        answer = client.request("POST", "/sightings/add", json=body)
    except ClientError as exc:
        if exc.status in {403, 404}:  # nothing names the CVE, or we may not sight it
            return 0
        raise
    return len(answer) if isinstance(answer, list) else 1


def _ensure_event(client: ThreatmeshClient, hit: Interaction) -> str:
    uuid = hit_event_uuid(hit.host, hit.at)
    try:
        client.get_event(uuid)
    except ClientError as exc:
        if exc.status != 404:
            raise
        try:
            client.add_event(hit_event(hit.host, hit.at))
        except ClientError as again:
            if again.status != 409:  # another reporter created it meanwhile
                raise
    return uuid


def feed_back(client: ThreatmeshClient, hit: Interaction) -> Fed:
    """Write ``hit`` to the platform: the sighting first (so it lands on others'
    intelligence), then the connection and the payload."""
    sighted = _sight(client, hit)
    uuid = _ensure_event(client, hit)
    for obj in hit_objects(hit, decoy_for(hit.cve)):
        client.add_object(uuid, obj)
    return Fed(uuid, sighted)
