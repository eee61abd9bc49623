"""``GET /risk/hosts/{host}``: a host's probability of compromise from what the platform
holds, as the user may see it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from threatmesh.honeypots.inventory import inventory_event
from threatmesh.honeypots.risk.facts import CveKnowledge
from threatmesh.model.errors import NotFound
from threatmesh.services.adaptive import inventory
from threatmesh.services.events.events import view_event
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.risk.common import Search, check_host, gather, score
from threatmesh.services.search.events import search_event_ids
from threatmesh.services.search.params import parse_query


def _searcher(platform: Platform, who: Identity) -> Search:
    def search(filters: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        ids = search_event_ids(platform, who, parse_query(filters, now=platform.now()))
        events: list[Mapping[str, Any]] = []
        for event_id in ids:
            try:
                events.append(view_event(platform, who, str(event_id)))
            except NotFound:  # deleted since the search
                continue
        return events

    return search


def host_risk(
    platform: Platform, who: Identity, host: str, *, knowledge: CveKnowledge | None = None
) -> dict[str, Any]:
    """The explained probability of compromise of ``host`` (its inventory must be
    visible to ``who``: an inventory event, or a host of the organisation's inventory)."""
    check_host(host)
    # The organisation's inventory (``/inventory``) counts as its inventory event would.
    record = inventory.host_record(platform, who, host)
    known = [{**inventory_event(record), "uuid": f"inventory:{host}"}] if record else []
    events = gather(_searcher(platform, who), host, knowledge, known)
    return score(host, events, now=platform.now(), knowledge=knowledge)
