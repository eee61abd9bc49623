"""Attribute use cases: add, view, edit, delete, and the streaming restSearch."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats import misp_out
from threatmesh.formats.fields import as_id, as_list
from threatmesh.formats.misp_json import parse_attribute
from threatmesh.model import access
from threatmesh.model.errors import Forbidden, InvalidInput, NotFound
from threatmesh.model.query import Query
from threatmesh.services.events import attachments, collisions
from threatmesh.services.events.events import check_sharing_groups, facts, get_visible
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import log as provenance
from threatmesh.services.stream import notify
from threatmesh.storage.core import acl
from threatmesh.storage.core.tables import attributes, events, ip_index
from threatmesh.storage.correlation.matches import Source, correlate
from threatmesh.storage.events import reads, writes
from threatmesh.storage.events.attachments import AttachmentStore
from threatmesh.storage.search import queries as search

Row = Mapping[Any, Any]  # a page row: SQLAlchemy's RowMapping or the fast path's dict


def find_attribute(platform: Platform, conn: Connection, who: Identity, ref: str) -> RowMapping:
    """The attribute ``ref`` (id or UUID) if ``who`` may see it, else :class:`NotFound`."""
    if not ((ref.isascii() and ref.isdigit()) or len(ref) == 36):
        raise InvalidInput(f"{ref!r} is not an attribute id or UUID")
    num = as_id(ref)
    cond = attributes.c.id == num if num is not None else attributes.c.uuid == ref.lower()
    q = (
        sa.select(attributes)
        .select_from(attributes.join(events, events.c.id == attributes.c.event_id))
        .where(
            cond,
            acl.attribute_visible(
                who.viewer, attributes, events, unpublished_private=platform.unpublished_private
            ),
        )
    )
    row = conn.execute(q).mappings().first()
    if row is None:
        raise NotFound("Invalid attribute.")
    return row


def view_attribute(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``attributes/view``."""
    with platform.read() as conn:
        row = find_attribute(platform, conn, who, ref)
        out = misp_out.attribute(row)
        out["Tag"] = reads.tags_of_attributes(conn, [row["id"]]).get(row["id"], [])
        return out


def add_attributes(
    platform: Platform,
    who: Identity,
    event_ref: str,
    payload: Any,
    *,
    store: AttachmentStore | None = None,
) -> list[dict[str, Any]]:
    """``attributes/add/{event}``: one attribute or a list, all or nothing (attachment
    data into ``store``)."""
    items = as_list(
        payload.get("Attribute", payload) if isinstance(payload, dict) else payload, "Attribute"
    )
    if not items:
        raise InvalidInput("Attribute: nothing to add")
    now = platform.now()
    paths = [f"Attribute[{i}]" if len(items) > 1 else "Attribute" for i in range(len(items))]
    drafts = [parse_attribute(a, at, now=now) for a, at in zip(items, paths, strict=True)]
    claims = [("attribute", d.uuid, at) for d, at in zip(drafts, paths, strict=True)]
    with (
        collisions.reported(platform, claims),
        attachments.saving(store) as files,
        platform.write() as conn,
    ):
        ev = get_visible(platform, conn, who, event_ref)
        if not access.can_modify_event(who.viewer, facts(ev)):
            raise Forbidden("You do not have permission to add attributes to this event.")
        check_sharing_groups(conn, who, drafts)
        tag_ids = writes.ensure_tags(conn, [t for d in drafts for t in d.tags])
        ids = writes.insert_attributes(conn, ev["id"], drafts, tag_ids=tag_ids)
        files.save(drafts)
        touch_event(conn, ev["id"], now)
        provenance.record_event_version(platform, conn, ev["id"], "content", who)
        notify.attributes_changed(conn, ids, "add")
        rows = conn.execute(
            sa.select(attributes).where(attributes.c.id.in_(ids)).order_by(attributes.c.id)
        ).mappings()
        return [misp_out.attribute(r) for r in rows]


def touch_event(conn: Connection, event_id: int, now: int) -> None:
    """An event changed: bump its timestamp, unpublish it, recount its attributes."""
    conn.execute(
        events.update().where(events.c.id == event_id).values(timestamp=now, published=False)
    )
    writes.recount_attributes(conn, event_id)


def _modifiable(platform: Platform, conn: Connection, who: Identity, ref: str) -> RowMapping:
    row = find_attribute(platform, conn, who, ref)
    ev = get_visible(platform, conn, who, str(row["event_id"]))
    if not access.can_modify_event(who.viewer, facts(ev)):
        raise Forbidden("You do not have permission to modify this attribute.")
    return row


def edit_attribute(
    platform: Platform,
    who: Identity,
    ref: str,
    payload: Any,
    *,
    store: AttachmentStore | None = None,
) -> dict[str, Any]:
    """``attributes/edit``: fields not sent keep their value; attachment data sent is
    stored if the attribute has none yet (stored content is never replaced)."""
    data = payload.get("Attribute", payload) if isinstance(payload, dict) else payload
    if not isinstance(data, dict):
        raise InvalidInput("Attribute: expected a JSON object")
    now = platform.now()
    with attachments.saving(store) as files, platform.write() as conn:
        old = _modifiable(platform, conn, who, ref)
        merged = misp_out.attribute(old) | {
            k: v for k, v in data.items() if k not in ("id", "event_id", "uuid")
        }
        merged["timestamp"] = now
        draft = parse_attribute(merged, "Attribute", now=now)
        draft.uuid = old["uuid"]
        check_sharing_groups(conn, who, [draft])
        row = writes.attribute_row(old["event_id"], draft, old["object_id"])
        for fixed in ("uuid", "event_id", "object_id"):
            del row[fixed]
        conn.execute(attributes.update().where(attributes.c.id == old["id"]).values(**row))
        conn.execute(ip_index.delete().where(ip_index.c.attribute_id == old["id"]))
        writes.index_ips(conn, [(old["id"], draft)])
        files.save([draft])
        touch_event(conn, old["event_id"], now)
        provenance.record_event_version(platform, conn, old["event_id"], "content", who)
        notify.attributes_changed(conn, [old["id"]], "edit")
    return view_attribute(platform, who, str(old["id"]))


def delete_attribute(
    platform: Platform,
    who: Identity,
    ref: str,
    *,
    hard: bool,
    store: AttachmentStore | None = None,
) -> None:
    """``attributes/delete``: soft (``deleted``) by default, hard on request (its
    attachment file goes too)."""
    now = platform.now()
    gone: list[str] = []
    with platform.write() as conn:
        row = _modifiable(platform, conn, who, ref)
        notify.attributes_changed(conn, [row["id"]], "delete")  # before a hard delete
        if hard:
            gone = attachments.uuids_of(conn, attributes.c.id == row["id"])
            conn.execute(attributes.delete().where(attributes.c.id == row["id"]))
        else:
            conn.execute(
                attributes.update()
                .where(attributes.c.id == row["id"])
                .values(deleted=True, timestamp=now)
            )
        touch_event(conn, row["event_id"], now)
        provenance.record_event_version(platform, conn, row["event_id"], "content", who)
    attachments.forget(store, gone)


def _decorate(
    platform: Platform, who: Identity, q: Query, conn: Connection, rows: Sequence[Row]
) -> bytes:
    """One page of attributes as comma-separated JSON, decorated on the page's own
    connection (a second pool checkout per page costs more than the whole query)."""
    return b",".join(orjson.dumps(a) for a in _decorated(platform, who, q, conn, rows))


def _decorated(
    platform: Platform, who: Identity, q: Query, conn: Connection, rows: Sequence[Row]
) -> Iterator[dict[str, Any]]:
    ids = [r["id"] for r in rows]
    tags = reads.tags_from_refs(conn, rows, platform.tag_cache)
    seen = (
        reads.sightings_of(conn, who.viewer, ids, {r["event_id"]: r["event_org_id"] for r in rows})
        if q.include_sightings
        else {}
    )
    related: dict[int, list[dict[str, Any]]] = {}
    if q.include_correlations:
        related = _related(platform, conn, who, rows)
    for r in rows:
        a = misp_out.attribute(r)
        a["Tag"] = tags.get(r["id"], [])
        a["Event"] = {"id": str(r["event_id"]), "uuid": r["event_uuid"]}
        if q.include_event_uuid:
            a["event_uuid"] = r["event_uuid"]
        if q.include_sightings:
            a["Sighting"] = seen.get(r["id"], [])
        if q.include_correlations:
            a["RelatedAttribute"] = related.get(r["id"], [])
        yield a


def _related(
    platform: Platform, conn: Connection, who: Identity, rows: Sequence[Row]
) -> dict[int, list[dict[str, Any]]]:
    # An event with disable_correlation correlates with nothing, as its source too.
    uncorrelated = set(
        conn.execute(
            sa.select(events.c.id).where(
                events.c.id.in_(sorted({r["event_id"] for r in rows})),
                events.c.disable_correlation.is_(True),
            )
        ).scalars()
    )
    sources = [
        Source(r["id"], r["event_id"], r["type"], r["value1"], r["value2"])
        for r in rows
        if not r["disable_correlation"] and not r["deleted"] and r["event_id"] not in uncorrelated
    ]
    matches = correlate(
        conn,
        who.viewer,
        sources,
        cap=platform.correlation_cap,
        unpublished_private=platform.unpublished_private,
    )
    if not matches:
        return {}
    q = (
        sa.select(attributes, events.c.info, events.c.org_id.label("event_org"))
        .join(events, events.c.id == attributes.c.event_id)
        .where(attributes.c.id.in_(sorted({m.id for m in matches})))
    )
    found = {r["id"]: r for r in conn.execute(q).mappings()}
    out: dict[int, list[dict[str, Any]]] = {}
    for m in matches:
        r = found[m.id]
        out.setdefault(m.source_id, []).append(
            {
                "id": str(r["id"]),
                "event_id": str(r["event_id"]),
                "org_id": str(r["event_org"]),
                "info": r["info"],
                "value": misp_out.attribute(r)["value"],
                "type": r["type"],
                "category": r["category"],
                "uuid": r["uuid"],
            }
        )
    return out


#: restSearch output is buffered up to about this size (a page at most) before it is sent.
_FLUSH_BYTES = 64 * 1024


def rest_search(platform: Platform, who: Identity, q: Query) -> Iterator[bytes]:
    """``attributes/restSearch`` as a stream of JSON chunks, one page at a time.

    The first page is read before the stream starts, so a bad filter (or a value the
    database rejects) is still a 4xx rather than a broken stream."""
    # Sightings and correlations are read on the page's connection with statements
    # not written for generic plans: only a bare lookup may use the lookup pool.
    bare = not (q.include_sightings or q.include_correlations)
    pages = search.iter_attributes(
        platform.read,
        q,
        who.viewer,
        functools.partial(_decorate, platform, who, q),
        unpublished_private=platform.unpublished_private,
        lookup=platform.lookup if bare else None,
    )
    first_page = next(pages, None)
    return _stream([first_page] if first_page else [], pages)


def _stream(head: list[bytes], pages: Iterator[bytes]) -> Iterator[bytes]:
    # One chunk per page or more, not per attribute: the server hands each chunk over
    # from a worker thread, which costs more than encoding a small attribute.
    out = bytearray(b'{"response": {"Attribute": [')
    sep = b""
    for page in itertools.chain(head, pages):
        out += sep
        out += page
        sep = b","
        if len(out) >= _FLUSH_BYTES:
            yield bytes(out)
            out.clear()
    out += b"]}}"
    yield bytes(out)
