"""The inventory through a platform's REST API (what ``threatmesh inventory`` and the
host agent do): threatmesh's ``/inventory`` endpoints, and the MISP inventory event the
risk engine and the controller read on any MISP-compatible server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from threatmesh.client.http import ClientError, ThreatmeshClient
from threatmesh.honeypots.inventory import Host, inventory_event
from threatmesh.honeypots.risk.facts import INVENTORY_TAG, inventory_of

__all__ = [
    "import_file",
    "import_inventory",
    "list_hosts",
    "list_inventory",
    "publish_inventory",
]


def import_file(url: str, key: str, hosts: Sequence[Host], *, publish: bool) -> dict[str, Any]:
    """Import ``hosts`` into the inventory of the server at ``url``; with ``publish``,
    also write each host's MISP inventory event."""
    with ThreatmeshClient(url, key, timeout=60) as client:
        answer = import_inventory(client, hosts)
        for host in hosts if publish else []:
            publish_inventory(client, host)
    return answer


def list_hosts(url: str, key: str) -> list[dict[str, Any]]:
    """The hosts of the inventory of the server at ``url``."""
    with ThreatmeshClient(url, key, timeout=60) as client:
        return list_inventory(client)


def import_inventory(client: ThreatmeshClient, hosts: Sequence[Host]) -> dict[str, Any]:
    """``POST /inventory/import`` of ``hosts`` (all or nothing)."""
    answer: dict[str, Any] = client.request(
        "POST", "/inventory/import", json={"hosts": [h.as_dict() for h in hosts]}
    )
    return answer


def list_inventory(client: ThreatmeshClient) -> list[dict[str, Any]]:
    """The organisation's hosts (``GET /inventory/hosts``)."""
    answer = client.request("GET", "/inventory/hosts") or []
    return [h["Host"] for h in answer if isinstance(h, Mapping) and "Host" in h]


def _events(client: ThreatmeshClient, filters: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    body = {"returnFormat": "json", **filters}
    answer = client.request("POST", "/events/restSearch", json=body)
    found = answer.get("response", []) if isinstance(answer, Mapping) else answer or []
    return [e for e in found if isinstance(e, Mapping)]


def publish_inventory(client: ThreatmeshClient, host: Host) -> str:
    """Write ``host``'s inventory as its MISP inventory event, replacing the caller's
    earlier ones for that host; the new event's UUID. Works on any MISP server."""
    for event in _events(client, {"tags": [INVENTORY_TAG], "value": host.name}):
        inventory = inventory_of(event)
        inner = event.get("Event", event)
        if inventory is not None and inventory.host == host.name:
            try:
                client.request("POST", f"/events/delete/{inner['uuid']}")
            except ClientError as exc:
                if exc.status not in {403, 404}:  # not ours: leave it
                    raise
    return str(client.add_event(inventory_event(host))["uuid"])
