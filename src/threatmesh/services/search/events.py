"""``events/index`` and the event ids of an ``events/restSearch`` (whose events are
then read one at a time, as ``events/view`` reads them)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from threatmesh.formats.misp_types import EventView
from threatmesh.model.errors import NotFound
from threatmesh.model.query import Query
from threatmesh.services.events import events as event_svc
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.search import decay
from threatmesh.services.sync import serve as sync_serve
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


def _tag_matches(term: str, tag: Mapping[str, Any]) -> bool:
    """Whether a tag filter term names ``tag`` (as the SQL filter does: by name, ``%``
    a wildcard, or by id)."""
    if term.isascii() and term.isdigit():
        return str(tag.get("id")) == term or tag.get("name") == term
    if "%" in term:
        pattern = ".*".join(re.escape(part) for part in term.split("%"))
        return re.fullmatch(pattern, str(tag.get("name", "")), re.IGNORECASE) is not None
    return tag.get("name") == term


def trim_attributes(event: dict[str, Any], q: Query) -> dict[str, Any]:
    """``event`` without the attributes (its own and its objects') MISP's events scope
    leaves out of the answer: those that carry one of the query's NOT tags, and with
    ``to_ids`` those whose flag differs."""
    terms = q.tags.none_of
    if not terms and q.to_ids is None:
        return event

    def keep(attribute: Mapping[str, Any]) -> bool:
        if q.to_ids is not None and bool(attribute.get("to_ids")) is not q.to_ids:
            return False
        tags = attribute.get("Tag") or ()
        return not any(_tag_matches(t, tag) for t in terms for tag in tags)

    event["Attribute"] = [a for a in event.get("Attribute") or () if keep(a)]
    for obj in event.get("Object") or ():
        obj["Attribute"] = [a for a in obj.get("Attribute") or () if keep(a)]
    return event


def found_events(
    platform: Platform, who: Identity, ids: Sequence[int], q: Query, *, metadata: bool
) -> Iterator[dict[str, Any]]:
    """The events ``ids`` of an ``events/restSearch``, read one at a time as
    ``events/view`` reads them, with the query's options (sightings, correlations,
    deleted content) and MISP's trimming (:func:`trim_attributes`; ``metadata``: the
    events without their content)."""
    scorer = _scorer(platform, who, q) if q.include_decay_score else None
    # The scores count from the last sighting: read them, then drop them if not asked.
    unasked = scorer is not None and not q.include_sightings and not sync_serve.is_sync_user(who)
    for event_id in ids:
        try:
            event = sync_serve.serve_event(
                platform,
                who,
                str(event_id),
                include_sightings=q.include_sightings or scorer is not None,
                include_correlations=q.include_correlations,
                **event_svc.deleted_options(q.deleted),
            )
        except NotFound:  # deleted since the search ran
            continue
        event = trim_attributes(event, q)
        if scorer is not None:
            scorer.score_event(event, exclude_decayed=q.exclude_decayed)
            if unasked:
                _drop_sightings(event)
        if metadata:
            event.pop("Attribute", None)
            event.pop("Object", None)
        yield event


def _scorer(platform: Platform, who: Identity, q: Query) -> decay.Scorer:
    with platform.read() as conn:
        return decay.scorer(conn, who, q, platform.now(), rows=False)


def _drop_sightings(event: dict[str, Any]) -> None:
    for holder in (event, *(event.get("Object") or ())):
        for a in holder.get("Attribute") or ():
            a.pop("Sighting", None)
