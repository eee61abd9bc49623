"""An event as stored, read back into the shape it was written from (``model.drafts``).

Parsing builds an :class:`~threatmesh.model.drafts.EventDraft` from a request and
:mod:`threatmesh.storage.events.writes` writes it; :func:`stored_event` is the way
back, for what works on an event's content whichever way it arrived (the provenance
record of a change pins ``privacy.provenance.content.pinned_content`` of it). All of
the event's content is read, soft-deleted included, without access control.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from threatmesh.model.drafts import AttributeDraft, EventDraft, ObjectDraft, ReferenceDraft, TagRef
from threatmesh.storage.core.tables import (
    attribute_tags,
    attributes,
    event_tags,
    events,
    object_references,
    objects,
    organisations,
    tags,
)

_EVENT_FIELDS = (
    "uuid", "info", "date", "threat_level_id", "analysis", "distribution", "sharing_group_id",
    "published", "timestamp", "publish_timestamp", "disable_correlation", "extends_uuid",
)  # fmt: skip
#: The fields of :class:`AttributeDraft` in declaration order, up to ``tags`` (drafts
#: are built positionally: a keyword dict per attribute costs a tenth of the read).
_ATTRIBUTE_FIELDS = (
    "uuid", "type", "category", "value1", "value2", "to_ids", "distribution",
    "sharing_group_id", "comment", "disable_correlation", "timestamp", "first_seen",
    "last_seen", "deleted", "object_relation",
)  # fmt: skip
_OBJECT_FIELDS = (
    "uuid", "name", "meta_category", "description", "template_uuid", "template_version",
    "distribution", "sharing_group_id", "comment", "timestamp", "first_seen", "last_seen",
    "deleted",
)  # fmt: skip
_REFERENCE_FIELDS = (
    "uuid", "referenced_uuid", "relationship_type", "comment", "timestamp", "deleted",
)  # fmt: skip

#: Called with the row's values in field order (``_ATTRIBUTE_FIELDS``, tags, envelope).
_new_attribute: Callable[..., AttributeDraft] = AttributeDraft

# Built once: every change to an event runs them (its provenance record).
_ID: sa.BindParameter[int] = sa.bindparam("event_id")
_EVENT = (
    sa.select(*(events.c[n] for n in _EVENT_FIELDS), events.c.orgc_id, organisations.c.uuid)
    .join(organisations, organisations.c.id == events.c.orgc_id)
    .where(events.c.id == _ID)
)
_EVENT_TAGS = (
    sa.select(tags.c.name, event_tags.c.local)
    .join(event_tags, event_tags.c.tag_id == tags.c.id)
    .where(event_tags.c.event_id == _ID)
)
_ATTRIBUTES = sa.select(
    attributes.c.id,
    attributes.c.object_id,
    attributes.c.envelope,
    *(attributes.c[n] for n in _ATTRIBUTE_FIELDS),
).where(attributes.c.event_id == _ID)
_ATTRIBUTE_TAGS = (
    sa.select(attribute_tags.c.attribute_id, tags.c.name, attribute_tags.c.local)
    .join(tags, tags.c.id == attribute_tags.c.tag_id)
    .where(attribute_tags.c.event_id == _ID)
)
_OBJECTS = sa.select(objects.c.id, *(objects.c[n] for n in _OBJECT_FIELDS)).where(
    objects.c.event_id == _ID
)
_REFERENCES = sa.select(
    object_references.c.object_id, *(object_references.c[n] for n in _REFERENCE_FIELDS)
).where(object_references.c.event_id == _ID)


def stored_event(conn: Connection, event_id: int) -> tuple[EventDraft, str, int] | None:
    """Event ``event_id`` with all its content as a draft, its creator organisation's
    UUID and id; None if there is no such event. Attributes of an object are in its
    draft's ``attributes``; an attribute whose object is gone counts as top-level (a
    reference goes with its object: ``object_references.object_id`` cascades)."""
    params = {"event_id": event_id}
    ev = conn.execute(_EVENT, params).first()
    if ev is None:
        return None
    fields: dict[str, Any] = dict(zip(_EVENT_FIELDS, ev, strict=False))
    draft = EventDraft(
        **fields,
        tags=[TagRef(name, bool(local)) for name, local in conn.execute(_EVENT_TAGS, params)],
    )
    objs = {r[0]: ObjectDraft(*r[1:]) for r in conn.execute(_OBJECTS, params)}
    draft.objects = list(objs.values())
    for r in conn.execute(_REFERENCES, params):
        if r[0] in objs:
            objs[r[0]].references.append(ReferenceDraft(*r[1:]))
    attr_tags: defaultdict[int, list[TagRef]] = defaultdict(list)
    for attribute_id, name, local in conn.execute(_ATTRIBUTE_TAGS, params):
        attr_tags[attribute_id].append(TagRef(name, bool(local)))
    for r in conn.execute(_ATTRIBUTES, params):
        attr = _new_attribute(*r[3:], attr_tags.get(r[0], []), r[2])
        owner = objs.get(r[1])
        (draft.attributes if owner is None else owner.attributes).append(attr)
    return draft, str(ev[-1]), int(ev[-2])
