"""Notifications of changes: what the write use cases call, inside their transaction.

Each function reads what it needs on the transaction's own connection and queues one
notification in the outbox (``storage.outbox``), shaped as MISP publishes it on
ZeroMQ (``{"Event": {...}, "action": "edit"}``, ``{"Attribute": {...}, "Event":
{...}, "action": "add"}``...). The transaction inserts the queued rows just before it
commits, so a change and its notification are committed, or rolled back, together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from threatmesh.bus import topics
from threatmesh.formats import misp_out
from threatmesh.formats.misp_types import EventView, ObjectView
from threatmesh.model.access import Viewer
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import records as directory
from threatmesh.storage.events import reads
from threatmesh.storage.stream import changes, outbox

#: Sees everything: a notification carries the whole change, and each subscriber gets
#: only what it may see (``model.stream_access``).
_EVERYTHING = Viewer(0, 0, 0, True, frozenset(), frozenset())


class Doorbell:
    """Rung after every commit that wrote notifications, so the relay and the streams
    of this process wake at once instead of at their next poll."""

    def __init__(self) -> None:
        self._rang = threading.Condition()
        self._listeners: list[Callable[[], None]] = []
        self.rings = 0

    def ring(self) -> None:
        """Wake everything waiting, and call the listeners."""
        with self._rang:
            self.rings += 1
            self._rang.notify_all()
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def wait(self, seen: int, timeout: float) -> int:
        """Wait until a ring after ``seen`` (or ``timeout`` seconds); the ring count."""
        with self._rang:
            self._rang.wait_for(lambda: self.rings != seen, timeout)
            return self.rings

    def listen(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` on every ring (from the ringing thread: keep it short);
        returns the function that stops it."""
        with self._rang:
            self._listeners.append(listener)

        def stop() -> None:
            with self._rang:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return stop


def record(
    conn: Connection,
    topic: str,
    payload: dict[str, Any],
    *,
    action: str,
    event_id: int | None = None,
    event_uuid: str = "",
) -> None:
    """Queue one notification on ``topic`` in the current transaction (``conn`` must be
    a ``Platform.write()`` connection: that is what inserts the queued rows)."""
    outbox.buffer(conn, topic, payload, action=action, event_id=event_id, event_uuid=event_uuid)


def _event_meta(conn: Connection, event_id: int) -> EventView:
    return reads.event_with_orgs(changes.event(conn, event_id))


def _about_event(
    conn: Connection,
    topic: str,
    payload: dict[str, Any],
    *,
    event_id: int,
    action: str,
    meta: EventView | None = None,
) -> None:
    """Record ``payload`` with the ``Event`` it is about (read unless given)."""
    meta = meta or _event_meta(conn, event_id)
    body = {**payload, "Event": payload.get("Event", meta)}
    record(conn, topic, body, action=action, event_id=event_id, event_uuid=meta["uuid"])


def _attribute_part(conn: Connection, attr: Row, **extra: Any) -> dict[str, Any]:
    """``Attribute`` (and the ``Object`` it is in: its distribution decides who sees it)."""
    part: dict[str, Any] = {"Attribute": misp_out.attribute(attr) | extra}
    if attr["object_id"]:
        part["Object"] = _object_facts(conn, attr["object_id"])
    return part


def event(conn: Connection, event_id: int, action: str, *, meta: EventView | None = None) -> None:
    """``misp_json_event``: the event's own fields and tags (add, edit, delete...);
    ``meta``: those (``reads.event_with_orgs`` with ``Tag``) when the caller has them."""
    if meta is None:
        meta = _event_meta(conn, event_id)
        meta["Tag"] = reads.tags_of_event(conn, event_id)
    _about_event(conn, topics.EVENT, {"Event": meta}, event_id=event_id, action=action, meta=meta)


def published(conn: Connection, event_id: int, *, meta: EventView | None = None) -> None:
    """``misp_json``: the event was published. The row holds the event's own fields
    (``meta``, as for :func:`event`); the whole event is read when the notification is
    delivered (:func:`whole_event`), outside the write, as MISP's own publishing job
    does: reading thousands of attributes inside every publishing transaction would
    slow every sync."""
    if meta is None:
        meta = _event_meta(conn, event_id)
        meta["Tag"] = reads.tags_of_event(conn, event_id)
    _about_event(
        conn, topics.MISP_JSON, {"Event": meta}, event_id=event_id, action="publish", meta=meta
    )


def whole_event(
    conn: Connection,
    event_uuid: str,
    viewer: Viewer = _EVERYTHING,
    *,
    unpublished_private: bool = False,
) -> dict[str, Any] | None:
    """The ``misp_json`` payload of an event as ``viewer`` may see it now (all of it
    by default), or None when it is gone or not visible."""
    row = reads.find_event_row(conn, viewer, event_uuid, unpublished_private=unpublished_private)
    if row is None:
        return None
    opts = reads.ReadOptions(
        include_sightings=False, include_correlations=False, unpublished_private=unpublished_private
    )
    return {"Event": reads.load_event(conn, viewer, row, opts), "action": "publish"}


def attributes_changed(conn: Connection, attribute_ids: Sequence[int], action: str) -> None:
    """``misp_json_attribute``: each attribute with its tags and its event."""
    rows = changes.attributes_by_id(conn, attribute_ids)
    attr_tags = reads.tags_of_attributes(conn, list(attribute_ids))
    metas: dict[int, EventView] = {}
    for r in rows:
        eid = r["event_id"]
        meta = metas.get(eid) or metas.setdefault(eid, _event_meta(conn, eid))
        part = _attribute_part(conn, r, Tag=attr_tags.get(r["id"], []))
        _about_event(conn, topics.ATTRIBUTE, part, event_id=eid, action=action, meta=meta)


def _object_facts(conn: Connection, object_id: int) -> ObjectView:
    return misp_out.misp_object(changes.object_row(conn, object_id))


def object_changed(conn: Connection, object_id: int, action: str) -> None:
    """``misp_json_object``: the object with its attributes, and its event."""
    obj = _object_facts(conn, object_id)
    attrs = changes.object_attributes(conn, object_id)
    obj["Attribute"] = [misp_out.attribute(a) for a in attrs]
    _about_event(conn, topics.OBJECT, {"Object": obj}, event_id=int(obj["event_id"]), action=action)


def sightings_added(conn: Connection, sighting_uuids: Sequence[str]) -> None:
    """``misp_json_sighting``: each sighting with its attribute and event."""
    for s in changes.sightings_by_uuid(conn, sighting_uuids):
        part = _attribute_part(conn, changes.attribute(conn, s["attribute_id"]))
        part["Sighting"] = misp_out.sighting(s)
        _about_event(conn, topics.SIGHTING, part, event_id=s["event_id"], action="add")


def tag_changed(
    conn: Connection, tag_id: int, *, event_id: int, attribute_id: int, local: bool, action: str
) -> None:
    """``misp_json_tag``: a tag attached to (or detached from) an event or attribute."""
    row = changes.tag(conn, tag_id)
    part = _attribute_part(conn, changes.attribute(conn, attribute_id)) if attribute_id else {}
    part["Tag"] = misp_out.tag({**row, "tag_id": tag_id, "local": local})
    _about_event(conn, topics.TAG, part, event_id=event_id, action=action)


def organisation(conn: Connection, org_id: int, action: str) -> None:
    """``misp_json_organisation``: an organisation added, edited or deleted."""
    row = directory.find_org(conn, org_id)
    if row is not None:
        summary = directory.org_summary(row)
        record(conn, topics.ORGANISATION, {"Organisation": summary}, action=action)


def user(conn: Connection, user_id: int, action: str) -> None:
    """``misp_json_user``: a user added or deleted (never its keys)."""
    row = directory.find_user(conn, user_id)
    if row is not None:
        record(conn, topics.USER, {"User": directory.user_summary(row)}, action=action)
