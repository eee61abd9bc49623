"""Decaying models: MISP's ``DecayingModelController`` (update, index, view, enable,
disable) over the vendored default models. Scores on searches (``includeDecayScore``)
are attached by :mod:`threatmesh.services.search.decay`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from threatmesh.model.errors import NotFound
from threatmesh.model.library import decaying_models as lib
from threatmesh.services.library.outcome import admin_only, changed
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.library import records
from threatmesh.storage.library.tables import decaying_models

UPDATED = "Default decaying models updated"
_NOT_FOUND = "No Decaying Model with the provided ID exists"


def update(platform: Platform, who: Identity) -> str:
    """``decayingModel/update``: store each default model that is new or newer."""
    admin_only(who)
    return load(platform)


def load(platform: Platform) -> str:
    """What ``update`` does, for the operator's ``threatmesh library update``."""
    loaded = lib.load_decaying_models()
    with platform.write() as conn:
        todo = changed(loaded.items, "uuid", records.installed(conn, decaying_models, "uuid"))
        rows = [
            {
                "uuid": m.uuid,
                "name": m.name,
                "description": m.description,
                "version": m.version,
                "formula": m.formula,
                "data": records.pack(
                    {
                        "parameters": m.parameters,
                        "attribute_types": m.attribute_types,
                        "ref": m.ref,
                        "authors": m.authors,
                    }
                ),
            }
            for m in todo
        ]
        records.write_rows(conn, decaying_models, "uuid", rows)
    return UPDATED


def _public(row: Row) -> dict[str, Any]:
    doc = records.unpack(row["data"])
    return {
        "id": str(row["id"]),
        "uuid": row["uuid"],
        "name": row["name"],
        "description": row["description"],
        "parameters": doc["parameters"],
        "attribute_types": doc["attribute_types"],
        "org_id": str(row["org_id"]),
        "enabled": bool(row["enabled"]),
        "all_orgs": bool(row["all_orgs"]),
        "ref": doc["ref"],
        "formula": row["formula"],
        "version": str(row["version"]),
        "default": bool(row["default"]),
    }


def _seen_by(who: Identity, row: Row) -> bool:
    return who.viewer.site_admin or bool(row["all_orgs"]) or row["org_id"] == who.viewer.org_id


def index(platform: Platform, who: Identity) -> list[dict[str, Any]]:
    """``decayingModel/index``: the models the user may see (all for site admins)."""
    with platform.read() as conn:
        rows = records.rows(conn, decaying_models, with_data=True)
    return [{"DecayingModel": _public(r)} for r in rows if _seen_by(who, r)]


def _find(conn: Connection, who: Identity, ref: str) -> Row:
    row = records.find(conn, decaying_models, ref.strip(), "uuid")
    if row is None or not _seen_by(who, row):
        raise NotFound(_NOT_FOUND)
    return row


def scoring_models(
    conn: Connection,
    who: Identity,
    ids: Sequence[int] = (),
    overrides: Mapping[str, float] | None = None,
) -> list[tuple[int, lib.DecayingModel]]:
    """The models a search scores with, and their ids: the enabled models ``who`` may
    see (``fetchAllAllowedModels``), or with ``ids`` (``decayingModel``) those of them
    ``who`` may see, enabled or not; ``overrides`` (``modelOverrides``) applied."""
    where = {} if ids else {"enabled": True}
    out = []
    for row in records.rows(conn, decaying_models, with_data=True, **where):
        if (ids and row["id"] not in ids) or not _seen_by(who, row):
            continue
        doc = records.unpack(row["data"])
        model = lib.DecayingModel(
            uuid=row["uuid"],
            name=row["name"],
            description=row["description"],
            formula=row["formula"],
            version=int(row["version"]),
            parameters=doc["parameters"],
            attribute_types=tuple(doc["attribute_types"]),
            ref=tuple(doc["ref"]),
            enabled=bool(row["enabled"]),
            all_orgs=bool(row["all_orgs"]),
        )
        out.append((int(row["id"]), lib.with_overrides(model, overrides or {})))
    return out


def view(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``decayingModel/view/{id}``."""
    with platform.read() as conn:
        return {"DecayingModel": _public(_find(conn, who, ref))}


def set_enabled(platform: Platform, who: Identity, ref: str, *, enabled: bool) -> dict[str, Any]:
    """``decayingModel/enable`` and ``disable`` (site admins: the default models belong
    to the instance); the model as it is now."""
    admin_only(who)
    with platform.write() as conn:
        row = _find(conn, who, ref)
        records.set_values(conn, decaying_models, [int(row["id"])], enabled=enabled)
        return {"DecayingModel": _public(_find(conn, who, str(row["id"])))}
