"""The ``events/restSearch`` filters that gather what a platform holds about a host: its
inventory first, then the reports naming its products, its own events (decoy hits,
anomalies) and the events naming CVEs the caller's knowledge covers. The same filters
serve the server's own search and any MISP server's REST API."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from threatmesh.honeypots.risk.facts import INVENTORY_TAG, host_tag

__all__ = ["evidence_queries", "inventory_query"]


def inventory_query(host: str) -> dict[str, Any]:
    """The ``events/restSearch`` filters that find the inventories naming ``host`` (then
    read to keep those whose ``device`` is the host)."""
    return {"tags": [INVENTORY_TAG], "value": host}


def _product_prefixes(name: str) -> list[str]:
    """restSearch value patterns for CPE names of the same product, any version."""
    parts = (name.split(":") + ["*"] * 6)[:6]
    if name.startswith("cpe:2.3:"):
        part, vendor, product = parts[2], parts[3], parts[4]
    elif name.startswith("cpe:/"):
        part, vendor, product = parts[1].removeprefix("/"), parts[2], parts[3]
    else:
        return []
    return [f"cpe:2.3:{part}:{vendor}:{product}:%", f"cpe:/{part}:{vendor}:{product}%"]


def evidence_queries(
    host: str, cpes: Sequence[str], known_cves: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """The ``events/restSearch`` filters that find everything else about ``host``: the
    events naming its products (CVE reports), its own events (hits, anomalies), and the
    events naming the CVEs the caller's knowledge covers."""
    prefixes = sorted({p for c in cpes for p in _product_prefixes(c)})
    queries: list[dict[str, Any]] = [{"tags": [host_tag(host)]}]
    if prefixes:
        queries.append({"type": "cpe", "value": prefixes})
    cves = sorted(set(known_cves))
    if cves:
        queries.append({"type": "vulnerability", "value": cves})
    return queries
