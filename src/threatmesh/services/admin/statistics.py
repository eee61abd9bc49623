"""MISP's statistics: ``attributes/attributeStatistics/{type|category}[/true]`` and
``users/statistics/{data|orgs|users|tags|attributehistogram|sightings}``, in MISP's
shapes. Event and attribute figures count what the caller may see."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from threatmesh.model.errors import InvalidInput
from threatmesh.services.admin.tags import percent
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection
from threatmesh.storage.directory import records as directory
from threatmesh.storage.directory import statistics as counts
from threatmesh.storage.directory import tags as tag_rows

_MONTH = 30 * 86400
_SIGHTING_TYPES = ("sighting", "false-positive", "expiration")
CONTEXTS = ("data", "orgs", "users", "tags", "attributehistogram", "sightings")


def attribute_statistics(
    platform: Platform, who: Identity, context: str, percentage: bool
) -> dict[str, str]:
    """Attributes per type or category (counts, or shares of the total), by key."""
    if context not in ("type", "category"):
        raise InvalidInput(f"Invalid type requested: {context!r} (type or category).")
    with platform.read() as conn:
        found = dict(tag_rows.attribute_counts(conn, who.viewer, context))
    total = sum(found.values())
    return {k: percent(n, total) if percentage else str(n) for k, n in sorted(found.items())}


def user_statistics(platform: Platform, who: Identity, context: str) -> Any:
    """``users/statistics/{context}``."""
    page = _PAGES.get(context)
    if page is None:
        raise InvalidInput(f"context: expected one of {', '.join(CONTEXTS)}, got {context!r}")
    with platform.read() as conn:
        return page(conn, who, platform.now() - _MONTH)


def _data(conn: Connection, who: Identity, since: int) -> Any:
    stats: dict[str, Any] = counts.content_counts(conn, who.viewer, since)
    people = counts.directory_counts(conn, since)
    stats |= {
        "user_count": people["user"]["total"],
        "user_count_pgp": counts.pgp_users(conn),
        "org_count": people["org_local"]["total"] + people["org_external"]["total"],
        "local_org_count": people["org_local"]["total"],
    }
    return {"stats": stats}


def _orgs(conn: Connection, who: Identity, since: int) -> Any:
    return {
        name: {"name": name, "local": local, "user_count": str(n)}
        for name, local, n in counts.users_per_org(conn)
    }


def _users(conn: Connection, who: Identity, since: int) -> Any:
    people = counts.directory_counts(conn, since)
    return {scope: {"data": data} for scope, data in people.items()}


def _tags(conn: Connection, who: Identity, since: int) -> Any:
    flat = [{"name": n, "size": c} for n, c in tag_rows.event_tag_counts(conn, who.viewer)]
    return {"flatData": flat, "treemap": {"name": "", "children": flat}}


def _histogram(conn: Connection, who: Identity, since: int) -> Any:
    org = directory.find_org(conn, who.viewer.org_id)
    data = counts.attribute_types_of_org(conn, who.viewer.org_id)
    return [{"org_name": org["name"] if org else "", "data": data}]


def _sightings_page(conn: Connection, who: Identity, since: int) -> Any:
    return _sightings(counts.org_sightings(conn, who.viewer.org_id, since))


_PAGES: dict[str, Callable[[Connection, Identity, int], Any]] = {
    "data": _data,
    "orgs": _orgs,
    "users": _users,
    "tags": _tags,
    "attributehistogram": _histogram,
    "sightings": _sightings_page,
}


def _sightings(rows: list[tuple[str, int, int]]) -> dict[str, Any]:
    by_source: dict[str, Counter[str]] = {}
    for source, kind, _event in rows:
        name = _SIGHTING_TYPES[kind] if 0 <= kind < len(_SIGHTING_TYPES) else str(kind)
        by_source.setdefault(source, Counter())[name] += 1
    toplist = {
        s: dict(c) for s, c in sorted(by_source.items(), key=lambda sc: -sum(sc[1].values()))
    }
    return {"toplist": toplist, "eventids": sorted({e for _s, _k, e in rows})}
