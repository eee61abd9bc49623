"""Galaxies: MISP's ``GalaxiesController`` (update, index and search, view) and the
galaxies an event or attribute shows for its galaxy tags."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from threatmesh.model.errors import InvalidInput, NotFound
from threatmesh.model.library import galaxies as lib
from threatmesh.services.events import tags
from threatmesh.services.events.access import get_visible
from threatmesh.services.library.outcome import admin_only
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.library import galaxies as stored
from threatmesh.storage.library import records
from threatmesh.storage.library.tables import galaxies

UPDATED = "Galaxies updated."


def update(platform: Platform, who: Identity) -> str:
    """``galaxies/update``: MISP's ``Galaxy::update`` over the installed
    ``pymispgalaxies``: new and newer galaxies, then each package's new and newer
    default clusters (matched by value), in one transaction."""
    admin_only(who)
    return load(platform)


def _galaxy_row(galaxy: lib.Galaxy) -> dict[str, Any]:
    order = galaxy.kill_chain_order
    return {
        "uuid": galaxy.uuid,
        "name": galaxy.name,
        "type": galaxy.type,
        "description": galaxy.description,
        "version": galaxy.version,
        "icon": galaxy.icon,
        "namespace": galaxy.namespace,
        "kill_chain_order": None if order is None else orjson.dumps(order).decode(),
        "local_only": galaxy.local_only,
        "enabled": galaxy.enabled,
    }


def _cluster_row(cluster: lib.GalaxyCluster, galaxy_id: int) -> dict[str, Any]:
    document = {
        "elements": [[e.key, e.value] for e in cluster.elements],
        "relations": [
            [r.referenced_galaxy_cluster_uuid, r.referenced_galaxy_cluster_type, list(r.tags)]
            for r in cluster.relations
        ],
    }
    return {
        "uuid": cluster.uuid,
        "collection_uuid": cluster.collection_uuid,
        "type": cluster.type,
        "value": cluster.value,
        "tag_name": cluster.tag_name,
        "description": cluster.description,
        "galaxy_id": galaxy_id,
        "source": cluster.source,
        "authors": orjson.dumps(list(cluster.authors)).decode(),
        "version": cluster.version,
        "default": True,
        "data": records.pack(document),
    }


def load(platform: Platform) -> str:
    """What ``update`` does, for the operator's ``threatmesh library update``."""
    loaded = lib.load_galaxies()
    with platform.write() as conn:
        have = {u: (v, icon) for u, (_, v, icon) in stored.installed_galaxies(conn).items()}
        todo = lib.galaxies_to_update(loaded.items, have)
        records.write_rows(conn, galaxies, "uuid", [_galaxy_row(g) for g in todo])
        ids = stored.galaxy_ids_by_type(conn)
        for package in lib.load_cluster_packages():
            galaxy_id = ids.get(package.type)
            if galaxy_id is None:
                continue  # MISP skips a package whose galaxy is not installed
            present = stored.default_cluster_versions(conn, galaxy_id)
            fresh = lib.clusters_to_update(package, {v: n for v, (_, n) in present.items()})
            stored.delete_clusters(conn, [present[c.value][0] for c in fresh if c.value in present])
            stored.insert_clusters(conn, [_cluster_row(c, galaxy_id) for c in fresh])
    return UPDATED


def visible(who: Identity, row: Row) -> bool:
    """Whether ``who`` may see cluster ``row``: default clusters, and user-made ones of
    the user's organisation or with distribution 1-3 (site admins see all)."""
    if row["default"] or who.viewer.site_admin or row["org_id"] == who.viewer.org_id:
        return True
    return int(row["distribution"]) in (1, 2, 3)


def galaxy_json(row: Row) -> dict[str, Any]:
    """A ``galaxies`` row as MISP answers it."""
    order = row["kill_chain_order"]
    return {
        "id": str(row["id"]),
        "uuid": row["uuid"],
        "name": row["name"],
        "type": row["type"],
        "description": row["description"],
        "version": str(row["version"]),
        "icon": row["icon"],
        "namespace": row["namespace"],
        "enabled": bool(row["enabled"]),
        "local_only": bool(row["local_only"]),
        "kill_chain_order": None if order is None else orjson.loads(order),
        "default": bool(row["default"]),
        "org_id": "0",
        "orgc_id": "0",
        "distribution": "3",
    }


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def cluster_json(row: Row, *, elements: bool = True) -> dict[str, Any]:
    """A ``galaxy_clusters`` row as MISP answers it (with ``GalaxyElement``)."""
    out: dict[str, Any] = {
        "id": str(row["id"]),
        "uuid": row["uuid"],
        "collection_uuid": row["collection_uuid"],
        "type": row["type"],
        "value": row["value"],
        "tag_name": row["tag_name"],
        "description": row["description"],
        "galaxy_id": str(row["galaxy_id"]),
        "source": row["source"],
        "authors": orjson.loads(row["authors"]),
        "version": str(row["version"]),
        "distribution": str(row["distribution"]),
        "sharing_group_id": None
        if row["sharing_group_id"] is None
        else str(row["sharing_group_id"]),
        "org_id": str(row["org_id"]),
        "orgc_id": str(row["orgc_id"]),
        "default": bool(row["default"]),
        "locked": bool(row["locked"]),
        "extends_uuid": row["extends_uuid"] or "",
        "extends_version": str(row["extends_version"] or 0),
        "published": bool(row["published"]),
        "deleted": bool(row["deleted"]),
    }
    if elements:
        doc = records.unpack(row["data"])
        cluster_id = out["id"]
        out["GalaxyElement"] = [
            {"id": str(i), "galaxy_cluster_id": cluster_id, "key": k, "value": v}
            for i, (k, v) in enumerate(doc["elements"], 1)
        ]
    return out


def _matches(row: Row, needle: str) -> bool:
    fields = ("name", "namespace", "description", "kill_chain_order", "uuid")
    return any(needle in str(row[f] or "").lower() for f in fields)


def index(platform: Platform, who: Identity, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``galaxies/index`` (and ``POST galaxies`` with ``{"value"}``): every galaxy, or
    those whose name, namespace, description, kill chain or uuid holds ``value``;
    ``enabled`` filters."""
    with platform.read() as conn:
        rows = stored.galaxy_rows(conn)
    needle = str(filters.get("value") or "").lower()
    if needle:
        rows = [r for r in rows if _matches(r, needle)]
    if filters.get("enabled") not in (None, ""):
        on = str(filters["enabled"]).lower() not in ("0", "false")
        rows = [r for r in rows if bool(r["enabled"]) == on]
    return [{"Galaxy": galaxy_json(r)} for r in rows]


def view(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``galaxies/view/{id or uuid}``: the galaxy and its clusters with their elements."""
    with platform.read() as conn:
        row = stored.find_galaxy(conn, ref.strip())
        if row is None:
            raise NotFound("Galaxy not found.")
        clusters = [c for c in stored.clusters_of_galaxy(conn, int(row["id"])) if visible(who, c)]
    return {"Galaxy": galaxy_json(row), "GalaxyCluster": [cluster_json(c) for c in clusters]}


def galaxies_for_tags(conn: Connection, tags: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The ``Galaxy`` list of an event or attribute: for each of its galaxy tags, the
    cluster with that tag, grouped by galaxy (MISP's ``attachClustersToEventIndex``)."""
    by_name = {t["name"]: t for t in tags if lib.is_galaxy_tag(str(t.get("name", "")))}
    if not by_name:
        return []
    clusters = stored.clusters_by_tag_name(conn, by_name)
    grouped: dict[int, list[dict[str, Any]]] = {}
    for c in clusters:
        tag = by_name[c["tag_name"]]
        item = {**cluster_json(c), "tag_id": tag.get("id"), "local": bool(tag.get("local"))}
        grouped.setdefault(int(c["galaxy_id"]), []).append(item)
    return [
        {**galaxy_json(g), "GalaxyCluster": grouped[int(g["id"])]}
        for g in stored.galaxy_rows(conn, grouped)
    ]


def attach_galaxies(conn: Connection, event: dict[str, Any]) -> None:
    """Fill the ``Galaxy`` lists of an event view (``{"Event"}``'s inner dict) and of its
    attributes (also those in objects) from their galaxy tags."""
    event["Galaxy"] = galaxies_for_tags(conn, event.get("Tag") or ())
    attributes = list(event.get("Attribute") or ())
    for obj in event.get("Object") or ():
        attributes.extend(obj.get("Attribute") or ())
    for attribute in attributes:
        found = galaxies_for_tags(conn, attribute.get("Tag") or ())
        if found:  # only then: the attribute shape stays what it was without galaxies
            attribute["Galaxy"] = found


def attach_cluster(
    platform: Platform, who: Identity, target: str, kind: str, payload: Any, *, local: bool
) -> str:
    """``galaxies/attachCluster/{target}/{event|attribute}``: tag the event or attribute
    with the cluster's tag (``{"Galaxy": {"target_id": cluster id or uuid}}``), with the
    rights and checks of tagging it; MISP's answer text."""
    data = payload.get("Galaxy", payload) if isinstance(payload, Mapping) else {}
    cluster_ref = str(data.get("target_id", "")).strip() if isinstance(data, Mapping) else ""
    if kind not in ("event", "attribute"):
        raise InvalidInput(f"attachCluster: unsupported target type {kind!r} (event, attribute)")
    with platform.read() as conn:
        cluster = stored.find_cluster(conn, cluster_ref) if cluster_ref else None
        if cluster is None or cluster["deleted"]:
            raise NotFound("Invalid Galaxy cluster.")
        if kind == "event":
            try:
                target = str(get_visible(platform, conn, who, target)["uuid"])
            except (NotFound, InvalidInput):
                raise NotFound("Invalid event.") from None
    try:
        tags.attach_tag(platform, who, target, cluster["tag_name"], local=local, attach=True)
    except NotFound:
        raise NotFound(f"Invalid {kind}.") from None
    return "Cluster attached."
