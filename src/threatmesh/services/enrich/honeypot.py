"""The ``honeypot`` module: an attribute whose value the platform's honeypot sessions
also hold (an address that attacked a sensor, a file a session fetched) gets the tag
``threatmesh:honeypot="seen"``. It asks the platform (``events/restSearch`` for events
tagged ``cowrie:session`` holding the value), so it works with any MISP fed by Cowrie."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from threatmesh.client.http import ThreatmeshClient
from threatmesh.model.enrichment.base import Enricher, Expansion

__all__ = ["SEEN_TAG", "HoneypotMatches", "honeypot_module"]

SEEN_TAG = 'threatmesh:honeypot="seen"'
SESSION_TAG = "cowrie:session"
HANDLES = frozenset({
    "ip-src", "ip-dst", "ip-src|port", "ip-dst|port", "sha256", "md5", "url", "filename",
    "malware-sample",
})  # fmt: skip


@dataclass
class HoneypotMatches:
    """Tags values the honeypot sessions hold; ``exclude``: the event being enriched
    (a session's own event must not count as a match of itself)."""

    client: ThreatmeshClient
    name: str = "honeypot"
    handles: frozenset[str] = HANDLES
    exclude: set[str] = field(default_factory=set)

    def expand(self, attribute_type: str, value: str) -> Expansion:
        """The seen tag when another event of a honeypot session holds the value."""
        needle = value.split("|", 1)[0] if "|" in attribute_type else value
        body = {"returnFormat": "json", "value": needle, "tags": [SESSION_TAG], "metadata": 1}
        answer = self.client.request("POST", "/events/restSearch", json=body)
        events = answer.get("response", []) if isinstance(answer, dict) else answer or []
        uuids = {e.get("Event", e).get("uuid") for e in events if isinstance(e, dict)}
        return Expansion(tags=[SEEN_TAG]) if uuids - self.exclude - {None} else Expansion()


def honeypot_module(client: ThreatmeshClient, options: Mapping[str, str]) -> Enricher:
    """The module, asking the platform ``client`` talks to (no options)."""
    del options
    return HoneypotMatches(client)
