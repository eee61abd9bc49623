"""One object at a time: find it as a viewer may see it, read it back, delete it
(editing one is :mod:`threatmesh.storage.events.object_edits`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats import misp_out
from threatmesh.formats.fields import as_id
from threatmesh.formats.misp_types import ObjectView
from threatmesh.model.access import Viewer
from threatmesh.storage.core import acl
from threatmesh.storage.core.tables import attributes, events, objects
from threatmesh.storage.events.events import attachment_uuids
from threatmesh.storage.events.reads import tags_of_attributes

#: The event's columns an object's view shows (MISP's ``fetchObjects`` contains them).
_EVENT_COLUMNS = (events.c.id, events.c.info, events.c.org_id, events.c.orgc_id, events.c.uuid)


def find_visible(
    conn: Connection, viewer: Viewer, ref: str, *, unpublished_private: bool
) -> RowMapping | None:
    """The ``id`` and ``event_id`` of the object with id or UUID ``ref`` if ``viewer``
    may see it, else None."""
    oid = as_id(ref)
    cond = objects.c.id == oid if oid is not None else objects.c.uuid == ref.lower()
    visible = acl.event_visible(viewer, unpublished_private=unpublished_private)
    q = (
        sa.select(objects.c.id, objects.c.event_id)
        .join(events, events.c.id == objects.c.event_id)
        .where(cond, visible, acl.object_visible_in_event(viewer))
    )
    return conn.execute(q).mappings().first()


def visible_views(
    conn: Connection, viewer: Viewer, object_ids: Sequence[int], *, include_deleted: bool = False
) -> list[dict[str, Any]]:
    """The objects ``object_ids`` (found visible), in that order, as MISP's
    ``MispObject::fetchObjects`` shows them: their fields, their ``Event`` (``id``,
    ``info``, ``org_id``, ``orgc_id``, ``uuid``) and the attributes ``viewer`` may see,
    with their tags; deleted attributes only with ``include_deleted``. Read 500 objects
    a statement."""
    out = []
    for i in range(0, len(object_ids), 500):
        out += _views(conn, viewer, object_ids[i : i + 500], include_deleted)
    return out


def visible_view(
    conn: Connection, viewer: Viewer, object_id: int, *, include_deleted: bool = False
) -> dict[str, Any]:
    """One object as :func:`visible_views` shows it."""
    return _views(conn, viewer, [object_id], include_deleted)[0]


def _views(
    conn: Connection, viewer: Viewer, ids: Sequence[int], include_deleted: bool
) -> list[dict[str, Any]]:
    q = (
        sa.select(objects, *(c.label(f"ev_{c.name}") for c in _EVENT_COLUMNS))
        .join(events, events.c.id == objects.c.event_id)
        .where(objects.c.id.in_(ids))
    )
    rows = {r["id"]: r for r in conn.execute(q).mappings()}
    conds = [
        attributes.c.object_id.in_(ids),
        acl.attribute_visible_in_event(viewer, attributes, events),
    ]
    if not include_deleted:
        conds.append(attributes.c.deleted.is_(False))
    aq = (
        sa.select(attributes)
        .select_from(attributes.join(events, events.c.id == attributes.c.event_id))
        .where(*conds)
        .order_by(attributes.c.id)
    )
    attrs = list(conn.execute(aq).mappings())
    tags = tags_of_attributes(conn, [a["id"] for a in attrs])
    by_object: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for a in attrs:
        attribute = dict(misp_out.attribute(a)) | {"Tag": tags.get(a["id"], [])}
        by_object[a["object_id"]].append(attribute)
    out = []
    for oid in ids:
        row = rows[oid]
        # objects/view's shape is the object view plus its Event: plain JSON here.
        view: dict[str, Any] = dict(misp_out.misp_object(row))
        view["Event"] = {
            "id": str(row["ev_id"]),
            "info": row["ev_info"],
            "org_id": str(row["ev_org_id"]),
            "orgc_id": str(row["ev_orgc_id"]),
            "uuid": row["ev_uuid"],
        }
        view["Attribute"] = by_object[oid]
        out.append(view)
    return out


def object_view(conn: Connection, object_id: int) -> ObjectView:
    """The object ``object_id`` with all its attributes, in MISP JSON (no access
    control: for the writer of a new object)."""
    row = conn.execute(sa.select(objects).where(objects.c.id == object_id)).mappings().one()
    out = misp_out.misp_object(row)
    attrs = conn.execute(
        sa.select(attributes).where(attributes.c.object_id == object_id).order_by(attributes.c.id)
    ).mappings()
    out["Attribute"] = [misp_out.attribute(a) for a in attrs]
    return out


def delete_object(conn: Connection, object_id: int) -> list[str]:
    """Delete the object and its attributes for good; the UUIDs of those that are
    attachments (their files are for the caller to remove after the commit)."""
    files = attachment_uuids(conn, attributes.c.object_id == object_id)
    conn.execute(attributes.delete().where(attributes.c.object_id == object_id))
    conn.execute(objects.delete().where(objects.c.id == object_id))
    return files


def soft_delete_object(conn: Connection, object_id: int, now: int) -> None:
    """Mark the object and its attributes ``deleted`` (at ``now``)."""
    conn.execute(
        attributes.update()
        .where(attributes.c.object_id == object_id)
        .values(deleted=True, timestamp=now)
    )
    conn.execute(
        objects.update().where(objects.c.id == object_id).values(deleted=True, timestamp=now)
    )
