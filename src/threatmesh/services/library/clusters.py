"""User-made galaxy clusters: MISP's ``GalaxyClustersController`` (view, add, edit,
publish, delete) and ``GalaxyClusterRelationsController::delete``.

A cluster made here belongs to the user's organisation, is tagged
``misp-galaxy:<type>="<uuid>"`` as MISP tags its custom clusters, and is seen by its
organisation, site admins, and everyone when its distribution is 1-3 (a sharing group's
cluster, distribution 4, only by its organisation here). Default clusters (loaded by
``galaxies/update``) are seen by all and cannot be changed.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Mapping
from typing import Any

import orjson

from threatmesh.formats import misp_out
from threatmesh.formats.fields import as_int, as_list, as_str
from threatmesh.formats.misp_json import unwrap
from threatmesh.model.drafts import TagRef
from threatmesh.model.errors import Forbidden, InvalidInput, NotFound
from threatmesh.model.library.galaxies import cluster_tag_name
from threatmesh.services.library.galaxies import cluster_json, visible
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import records as directory
from threatmesh.storage.events import tags as stored_tags
from threatmesh.storage.events import writes
from threatmesh.storage.library import clusters as stored
from threatmesh.storage.library import galaxies as stored_galaxies
from threatmesh.storage.library import records

_INVALID = "Invalid galaxy cluster."
_GENERIC_ORG = {"id": "0", "name": "MISP", "uuid": "0", "local": True}


def _find(conn: Connection, who: Identity, ref: str) -> Row:
    row = stored_galaxies.find_cluster(conn, ref.strip())
    if row is None or not visible(who, row):
        raise NotFound(_INVALID)
    return row


def _editable(conn: Connection, who: Identity, ref: str) -> Row:
    row = _find(conn, who, ref)
    if row["default"]:
        raise Forbidden("Default galaxy clusters cannot be changed.")
    mine = row["org_id"] == who.viewer.org_id and who.viewer.can("perm_galaxy_editor")
    if not (who.viewer.site_admin or mine):
        raise Forbidden("You do not have permission to change this galaxy cluster.")
    return row


def _org(conn: Connection, org_id: int) -> dict[str, Any]:
    found = directory.find_org(conn, org_id) if org_id else None
    return _GENERIC_ORG if found is None else dict(misp_out.org(found))


def _relation_json(conn: Connection, row: Row, cluster_uuid: str) -> dict[str, Any]:
    tags = []
    for name in orjson.loads(row["tags"]):
        tag = stored_tags.tag_by_name(conn, name)
        if tag is not None:
            tags.append(misp_out.tag({**tag, "tag_id": tag["id"], "local": False}))
    return {
        "id": str(row["id"]),
        "galaxy_cluster_id": str(row["galaxy_cluster_id"]),
        "galaxy_cluster_uuid": cluster_uuid,
        "referenced_galaxy_cluster_uuid": row["referenced_galaxy_cluster_uuid"],
        "referenced_galaxy_cluster_type": row["referenced_galaxy_cluster_type"],
        "distribution": str(row["distribution"]),
        "sharing_group_id": None
        if row["sharing_group_id"] is None
        else str(row["sharing_group_id"]),
        "default": False,
        "Tag": tags,
    }


def _full(conn: Connection, row: Row) -> dict[str, Any]:
    out = cluster_json(row)
    out["GalaxyClusterRelation"] = [
        _relation_json(conn, r, row["uuid"]) for r in stored.relations_of(conn, int(row["id"]))
    ]
    out["Org"] = _org(conn, int(row["org_id"]))
    out["Orgc"] = _org(conn, int(row["orgc_id"]))
    out["TargetingClusterRelation"] = []
    return {"GalaxyCluster": out}


def view(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``galaxy_clusters/view/{id or uuid}``: the cluster with its elements, relations
    and organisations (a soft-deleted one too)."""
    with platform.read() as conn:
        return _full(conn, _find(conn, who, ref))


def _elements(data: Mapping[str, Any]) -> list[list[str]]:
    out = []
    for i, item in enumerate(as_list(data.get("GalaxyElement") or [], "GalaxyElement")):
        path = f"GalaxyCluster.GalaxyElement[{i}]"
        if not isinstance(item, Mapping):
            raise InvalidInput(f"{path}: expected an object with key and value")
        out.append(
            [as_str(item.get("key"), f"{path}.key"), as_str(item.get("value"), f"{path}.value")]
        )
    return out


def _relations(conn: Connection, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    raw = as_list(data.get("GalaxyClusterRelation") or [], "GalaxyClusterRelation")
    for i, item in enumerate(raw):
        path = f"GalaxyCluster.GalaxyClusterRelation[{i}]"
        if not isinstance(item, Mapping):
            raise InvalidInput(f"{path}: expected an object")
        names = []
        for t in as_list(item.get("Tag") or [], f"{path}.Tag"):
            name = t.get("name") if isinstance(t, Mapping) else t
            names.append(as_str(name, f"{path}.Tag.name", max_len=255))
        writes.ensure_tags(conn, [TagRef(n) for n in names])
        out.append(
            {
                "referenced_galaxy_cluster_uuid": as_str(
                    item.get("referenced_galaxy_cluster_uuid"),
                    f"{path}.referenced_galaxy_cluster_uuid",
                    max_len=255,
                ),
                "referenced_galaxy_cluster_type": as_str(
                    item.get("referenced_galaxy_cluster_type"),
                    f"{path}.referenced_galaxy_cluster_type",
                ),
                "distribution": as_int(
                    item.get("distribution", 0), f"{path}.distribution", allowed=_LEVELS
                ),
                "tags": orjson.dumps(names).decode(),
            }
        )
    return out


_LEVELS = frozenset({0, 1, 2, 3, 4, 5})


def _fields(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """The cluster columns the body sets (``value`` required when creating)."""
    out: dict[str, Any] = {}
    if creating or "value" in data:
        value = as_str(data.get("value"), "GalaxyCluster.value").strip()
        if not value:
            raise InvalidInput("GalaxyCluster.value: a cluster needs a value")
        out["value"] = value
    if creating or "description" in data:
        out["description"] = as_str(data.get("description") or "", "GalaxyCluster.description")
    if creating or "authors" in data:
        authors = [
            as_str(a, "GalaxyCluster.authors")
            for a in as_list(data.get("authors") or [], "GalaxyCluster.authors")
        ]
        out["authors"] = orjson.dumps(authors).decode()
    if creating or "distribution" in data:
        out["distribution"] = as_int(
            data.get("distribution", 0), "GalaxyCluster.distribution", allowed=frozenset(range(5))
        )
    return out


def add(platform: Platform, who: Identity, galaxy_ref: str, payload: Any) -> dict[str, Any]:
    """``galaxy_clusters/add/{galaxy}``: a new cluster of the caller's organisation."""
    if not (who.viewer.site_admin or who.viewer.can("perm_galaxy_editor")):
        raise Forbidden("You need the galaxy editor permission to add galaxy clusters.")
    data = unwrap(payload, "GalaxyCluster")
    fields = _fields(data, creating=True)
    elements = _elements(data)
    new_uuid = str(uuidlib.uuid4())
    with platform.write() as conn:
        galaxy = stored_galaxies.find_galaxy(conn, galaxy_ref.strip())
        if galaxy is None:
            raise NotFound("Invalid galaxy.")
        relations = _relations(conn, data)
        cluster_id = stored.insert_cluster(
            conn,
            {
                **fields,
                "uuid": new_uuid,
                "collection_uuid": "",
                "type": galaxy["type"],
                "tag_name": cluster_tag_name(galaxy["type"], new_uuid),
                "galaxy_id": galaxy["id"],
                "source": "",
                "version": platform.now(),
                "org_id": who.viewer.org_id,
                "orgc_id": who.viewer.org_id,
                "default": False,
                "data": records.pack({"elements": elements, "relations": []}),
            },
        )
        stored.replace_relations(conn, cluster_id, relations)
        return _full(conn, _find(conn, who, str(cluster_id)))


def edit(platform: Platform, who: Identity, ref: str, payload: Any) -> dict[str, Any]:
    """``galaxy_clusters/edit/{id or uuid}``: new values; the elements and relations sent
    replace the cluster's."""
    data = unwrap(payload, "GalaxyCluster")
    fields = _fields(data, creating=False)
    with platform.write() as conn:
        row = _editable(conn, who, ref)
        if "GalaxyElement" in data:
            fields["data"] = records.pack({"elements": _elements(data), "relations": []})
        if "GalaxyClusterRelation" in data:
            stored.replace_relations(conn, int(row["id"]), _relations(conn, data))
        stored.update_cluster(conn, int(row["id"]), {**fields, "version": platform.now()})
        return _full(conn, _find(conn, who, str(row["id"])))


def publish(platform: Platform, who: Identity, ref: str) -> int:
    """``galaxy_clusters/publish/{id or uuid}``."""
    with platform.write() as conn:
        row = _editable(conn, who, ref)
        stored.update_cluster(conn, int(row["id"]), {"published": True})
    return int(row["id"])


def delete(platform: Platform, who: Identity, ref: str, *, hard: bool) -> int:
    """``galaxy_clusters/delete/{id or uuid}``: soft (``deleted``), or ``hard``."""
    with platform.write() as conn:
        row = _editable(conn, who, ref)
        if hard:
            stored.delete_cluster(conn, int(row["id"]))
        else:
            stored.update_cluster(conn, int(row["id"]), {"deleted": True})
    return int(row["id"])


def delete_relation(platform: Platform, who: Identity, ref: str) -> int:
    """``galaxy_cluster_relations/delete/{id}``: the relation of a cluster one may edit."""
    with platform.write() as conn:
        relation = stored.find_relation(conn, ref.strip())
        if relation is None:
            raise NotFound("Invalid galaxy cluster relation.")
        try:
            _editable(conn, who, str(relation["galaxy_cluster_id"]))
        except NotFound:
            raise NotFound("Invalid galaxy cluster relation.") from None
        stored.delete_relation(conn, int(relation["id"]))
    return int(relation["id"])
