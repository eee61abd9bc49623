"""``attributes/restSearch``: matching attributes streamed as JSON, a database page at
a time (the pages, and the fast path of a plain value lookup, are
:mod:`threatmesh.storage.search`)."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

import orjson

from threatmesh.formats import misp_out
from threatmesh.formats.misp_types import AttributeView, TagView
from threatmesh.model.query import Query
from threatmesh.services.events.attachments import decorate_attributes
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.search import decay
from threatmesh.storage.core.database import Connection
from threatmesh.storage.correlation.related_attributes import related_attributes
from threatmesh.storage.events import reads
from threatmesh.storage.events.attachments import AttachmentStore
from threatmesh.storage.search import export_context
from threatmesh.storage.search import queries as search

Row = Mapping[Any, Any]  # a page row: SQLAlchemy's RowMapping or the fast path's dict

#: restSearch output is buffered up to about this size (a page at most) before it is sent.
_FLUSH_BYTES = 64 * 1024


def rest_search(
    platform: Platform, who: Identity, q: Query, *, attachments: AttachmentStore | None = None
) -> Iterator[bytes]:
    """``attributes/restSearch`` as a stream of JSON chunks, one page at a time; with
    ``attachments`` (``withAttachments``), attachment data from that store as ``data``.

    The first page is read before the stream starts, so a bad filter (or a value the
    database rejects) is still a 4xx rather than a broken stream."""
    # Sightings and correlations are read on the page's connection with statements
    # not written for generic plans: only a bare lookup may use the lookup pool.
    bare = not (
        q.include_sightings
        or q.include_correlations
        or q.include_context
        or q.include_event_tags
        or q.include_decay_score
    )
    pages = search.iter_attributes(
        platform.read,
        q,
        who.viewer,
        functools.partial(_decorate, platform, who, q, attachments),
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


def _decorate(
    platform: Platform,
    who: Identity,
    q: Query,
    store: AttachmentStore | None,
    conn: Connection,
    rows: Sequence[Row],
) -> bytes:
    """One page of attributes as comma-separated JSON, decorated on the page's own
    connection (a second pool checkout per page costs more than the whole query)."""
    attrs = _decorated(platform, who, q, conn, rows)
    if store is not None:
        attrs = _with_data(store, attrs)
    return b",".join(orjson.dumps(a) for a in attrs)


def _with_data(store: AttachmentStore, attrs: Iterator[AttributeView]) -> Iterator[AttributeView]:
    for a in attrs:
        decorate_attributes(store, [a])
        yield a


def _decorated(
    platform: Platform, who: Identity, q: Query, conn: Connection, rows: Sequence[Row]
) -> Iterator[AttributeView]:
    ids = [r["id"] for r in rows]
    tags = reads.tags_from_refs(conn, rows, platform.tag_cache)
    seen = (
        reads.sightings_of(conn, who.viewer, ids, {r["event_id"]: r["event_org_id"] for r in rows})
        if q.include_sightings or q.include_decay_score
        else {}
    )
    related: dict[int, list[dict[str, Any]]] = {}
    if q.include_correlations:
        related = related_attributes(
            conn,
            who.viewer,
            rows,
            cap=platform.correlation_cap,
            unpublished_private=platform.unpublished_private,
        )
    context = export_context.events_of(conn, rows) if q.include_context else {}
    event_tags = _event_tags(conn, rows) if q.include_event_tags else {}
    scorer = (
        decay.scorer(conn, who, q, platform.now(), rows=True) if q.include_decay_score else None
    )
    for r in rows:
        a = misp_out.attribute(r)
        a["Tag"] = tags.get(r["id"], []) + event_tags.get(r["event_id"], [])
        a["Event"] = context.get(r["event_id"]) or misp_out.attribute_event(r)
        if q.include_event_uuid:
            a["event_uuid"] = r["event_uuid"]
        if q.include_sightings:
            a["Sighting"] = seen.get(r["id"], [])
        if q.include_correlations:
            a["RelatedAttribute"] = related.get(r["id"], [])
        if scorer is not None:
            scores = scorer.scores(r, tags.get(r["id"], []), seen.get(r["id"], []))
            if q.exclude_decayed and decay.all_decayed(scores):
                continue
            a["decay_score"] = scores
        yield a


def _event_tags(conn: Connection, rows: Sequence[Row]) -> dict[int, list[TagView]]:
    """``includeEventTags``: each event's tags, which MISP adds to its attributes' ``Tag``
    (marked as inherited)."""
    out = {}
    for event_id in sorted({r["event_id"] for r in rows}):
        out[event_id] = [
            cast(TagView, {**t, "inherited": 1}) for t in reads.tags_of_event(conn, event_id)
        ]
    return out
