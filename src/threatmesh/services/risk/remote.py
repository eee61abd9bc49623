"""A host's probability of compromise computed here from what a MISP-compatible server
answers through its REST API (``events/restSearch``), so it works against threatmesh and
against MISP alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from threatmesh.client.http import ThreatmeshClient
from threatmesh.honeypots.risk.facts import CveKnowledge
from threatmesh.services.risk.common import check_host, gather, score


def host_risk(
    url: str,
    key: str,
    host: str,
    *,
    clock: Callable[[], float],
    knowledge: CveKnowledge | None = None,
) -> dict[str, Any]:
    """The explained probability of compromise of ``host`` as the user of API ``key`` on
    the server at ``url`` sees it."""
    check_host(host)
    with ThreatmeshClient(url, key, timeout=60) as client:
        return _host_risk(client, host, clock=clock, knowledge=knowledge)


def _host_risk(
    client: ThreatmeshClient,
    host: str,
    *,
    clock: Callable[[], float],
    knowledge: CveKnowledge | None,
) -> dict[str, Any]:

    def search(filters: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        body = {"returnFormat": "json", "includeSightings": 1, **filters}
        answer = client.request("POST", "/events/restSearch", json=body)
        found = answer.get("response", []) if isinstance(answer, dict) else answer or []
        return [e for e in found if isinstance(e, Mapping)]

    events = gather(search, host, knowledge)
    return score(host, events, now=int(clock()), knowledge=knowledge)
