"""``events/index`` and the event ids of an ``events/restSearch`` (whose events are
then read one at a time, as ``events/view`` reads them)."""

from __future__ import annotations

from threatmesh.formats.misp_types import EventView
from threatmesh.model.query import Query
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.events import events as stored
from threatmesh.storage.events import reads
from threatmesh.storage.search import queries as search


def index(platform: Platform, who: Identity, q: Query, *, minimal: bool = False) -> list[EventView]:
    """``events/index``: event metadata with organisations and tags (``minimal``:
    without tags, as MISP's ``minimal: 1`` that sync uses)."""
    with platform.read() as conn:
        ids = search.event_ids(
            conn,
            q,
            who.viewer,
            attribute_level=False,
            unpublished_private=platform.unpublished_private,
        )
        if not ids:
            return []
        rows = stored.events_by_id(conn, ids)
        out = []
        for i in ids:
            meta = reads.event_with_orgs(rows[i])
            if not minimal:
                meta["EventTag"] = [{"Tag": t} for t in reads.tags_of_event(conn, i)]
            out.append(meta)
        return out


def search_event_ids(platform: Platform, who: Identity, q: Query) -> list[int]:
    """Ids of the events an ``events/restSearch`` returns (attribute filters select
    events that contain a matching attribute)."""
    with platform.read() as conn:
        return search.event_ids(
            conn,
            q,
            who.viewer,
            attribute_level=True,
            unpublished_private=platform.unpublished_private,
        )
