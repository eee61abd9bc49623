"""What both ways of computing a host's risk share: the host name's check, the scoring
and the answer's shape."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from threatmesh.honeypots.risk import campaigns
from threatmesh.honeypots.risk.calibration import CALIBRATED
from threatmesh.honeypots.risk.facts import (
    CveKnowledge,
    host_facts,
    inventory_of,
)
from threatmesh.honeypots.risk.model import assess
from threatmesh.honeypots.risk.queries import evidence_queries, inventory_query
from threatmesh.model.errors import InvalidInput, NotFound

#: A host name as inventories name hosts (the API documents it as the path's pattern).
HOST_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$"
_HOST = re.compile(HOST_PATTERN)
#: The answer's description of the model (its calibration and data sources).
MODEL = "additive log-odds, calibrated to Di Tizio, Armellini and Massacci (IEEE TSE 2022)"

Search = Callable[[Mapping[str, Any]], list[Mapping[str, Any]]]


def check_host(host: str) -> str:
    """``host`` if it is a host name, else InvalidInput."""
    if not _HOST.fullmatch(host):
        raise InvalidInput(f"host: {host[:80]!r} is not a host name")
    return host


def gather(
    search: Search,
    host: str,
    knowledge: CveKnowledge | None,
    known: Sequence[Mapping[str, Any]] = (),
) -> list[Mapping[str, Any]]:
    """Every event about ``host``, found with ``search`` (restSearch filters -> events);
    ``known``: inventory events the caller has already (the platform's own inventory).

    NotFound when no visible inventory names the host: a host one may not see answers as
    one that does not exist."""
    inventories: list[Mapping[str, Any]] = list(known)
    cpes: list[str] = [c for e in known if (inv := inventory_of(e)) for c in inv.cpes]
    for event in search(inventory_query(host)):
        inv = inventory_of(event)
        if inv is not None and inv.host == host:
            inventories.append(event)
            cpes.extend(inv.cpes)
    if not inventories:
        raise NotFound("Invalid host.")
    cves = knowledge.cves() if knowledge is not None else ()
    found = {_uuid(e): e for e in inventories}
    for filters in evidence_queries(host, cpes, cves):
        for event in search(filters):
            found.setdefault(_uuid(event), event)
    return list(found.values())


def _uuid(event: Mapping[str, Any]) -> str:
    inner = event.get("Event", event)
    return str(inner.get("uuid") if isinstance(inner, Mapping) else id(event))


def score(
    host: str,
    events: Iterable[Mapping[str, Any]],
    *,
    now: int,
    knowledge: CveKnowledge | None = None,
) -> dict[str, Any]:
    """The explained risk of ``host`` from ``events``, as the API and CLI answer it."""
    index = campaigns.load_index()
    facts = host_facts(host, events, index=index, knowledge=knowledge)
    result = assess(facts, CALIBRATED, now=now)
    return {
        "Risk": {
            **result.as_dict(),
            "computed_at": now,
            "model": MODEL,
            "apt_data": dict(index.sources),
        }
    }
