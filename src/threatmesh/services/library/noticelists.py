"""Noticelists: MISP's ``NoticelistsController`` (update, index, view, toggleEnable,
enableNoticelist)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from threatmesh.model.errors import NotFound
from threatmesh.model.library import noticelists as lib
from threatmesh.services.library.outcome import admin_only, changed, update_message
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.library import records
from threatmesh.storage.library.tables import noticelists

_NOT_FOUND = "Noticelist not found."


def update(platform: Platform, who: Identity) -> str:
    """``noticelists/update``: store each vendored noticelist that is new or has a
    higher version."""
    admin_only(who)
    return load(platform)


def load(platform: Platform) -> str:
    """What ``update`` does, for the operator's ``threatmesh library update``."""
    loaded = lib.load_noticelists()
    with platform.write() as conn:
        todo = changed(loaded.items, "name", records.installed(conn, noticelists, "name"))
        rows = [
            {
                "name": n.name,
                "expanded_name": n.expanded_name,
                "version": n.version,
                "data": records.pack(dataclasses.asdict(n)),
            }
            for n in todo
        ]
        records.write_rows(conn, noticelists, "name", rows)
    return update_message(
        len(todo),
        0,
        none="All noticelists are up to date already.",
        some="Successfully updated %s noticelists.",
        plural="notice lists",
    )


def _public(row: Row, doc: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "expanded_name": row["expanded_name"],
        "ref": doc["ref"],
        "geographical_area": doc["geographical_area"],
        "version": str(row["version"]),
        "enabled": bool(row["enabled"]),
    }


def index(platform: Platform, who: Identity) -> list[dict[str, Any]]:
    """``noticelists/index``: ``[{"Noticelist": {...}}]`` by id."""
    with platform.read() as conn:
        rows = records.rows(conn, noticelists, with_data=True)
    return [{"Noticelist": _public(r, records.unpack(r["data"]))} for r in rows]


def _find(conn: Connection, ref: str) -> Row:
    row = records.find(conn, noticelists, ref, "name")
    if row is None:
        raise NotFound(_NOT_FOUND)
    return row


def _view(row: Row) -> dict[str, Any]:
    doc = records.unpack(row["data"])
    list_id = str(row["id"])
    entries = [
        {"id": str(i), "noticelist_id": list_id, "data": data}
        for i, data in enumerate(doc["entries"], 1)
    ]
    return {"Noticelist": {**_public(row, doc), "NoticelistEntry": entries}}


def view(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``noticelists/view/{id or name}``: the list and its entries."""
    with platform.read() as conn:
        return _view(_find(conn, ref))


def set_enabled(platform: Platform, who: Identity, ref: str, enabled: bool | None) -> Row:
    """``noticelists/enableNoticelist/{id}[/{enable}]`` (``enabled``) and ``toggleEnable``
    (None: the other state); the row as it is now."""
    admin_only(who)
    with platform.write() as conn:
        row = _find(conn, ref)
        state = (not row["enabled"]) if enabled is None else enabled
        records.set_values(conn, noticelists, [row["id"]], enabled=state)
        return _find(conn, str(row["id"]))


def enable_and_view(
    platform: Platform, who: Identity, ref: str, flag: str | None
) -> dict[str, Any]:
    """``enableNoticelist``: MISP enables on any non-empty flag but ``0``/``false``, then
    answers with the list's view."""
    enabled = flag not in (None, "", "0", "false")
    return _view(set_enabled(platform, who, ref, enabled))
