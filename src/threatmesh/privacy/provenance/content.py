"""What an event version record pins: an event's content as plain lists, from its draft.

One function, :func:`pinned_content`, for every version record: ``events/add`` passes
the draft it has just inserted, every other change passes the event as stored, read
back into the same draft shape (``storage.events.drafts.stored_event``). Pinned is what
the event says, not what only this instance knows (numeric ids, local sharing group
ids) or what changes without the producer doing anything (sightings, correlations);
soft-deleted content is included. Each list is sorted (by UUID or name), so the
digest does not depend on the order rows come in. The shape is the one recorded since
the chain began: changing it would make every recorded digest fail verification.
"""

from __future__ import annotations

from typing import Any

from threatmesh.model.drafts import AttributeDraft, EventDraft, ObjectDraft

#: The names of the columns of each entry of ``content["attributes"]`` (then its
#: object's UUID and its tag names).
ATTRIBUTE_FIELDS = (
    "uuid", "type", "category", "value1", "value2", "to_ids", "distribution", "comment",
    "deleted", "disable_correlation", "timestamp", "first_seen", "last_seen", "object_relation",
)  # fmt: skip


def pinned_content(draft: EventDraft, orgc_uuid: str) -> dict[str, Any]:
    """The pinned content of ``draft``, an event whose creator organisation has UUID
    ``orgc_uuid``: ``event``, ``orgc``, ``tags``, ``attributes``, ``objects`` and
    ``references``, JSON-ready (dates as ISO text, flags as booleans)."""
    d = draft
    event = [d.uuid, d.info, d.date.isoformat(), int(d.threat_level_id), int(d.analysis),
             int(d.distribution), bool(d.published), int(d.timestamp),
             int(d.publish_timestamp), bool(d.disable_correlation), d.extends_uuid]  # fmt: skip
    attrs = [_attribute(a, None) for a in d.attributes]
    objs: list[list[Any]] = []
    refs: list[list[Any]] = []
    for o in d.objects:
        attrs.extend(_attribute(a, o.uuid) for a in o.attributes)
        objs.append(_object(o))
        # An object is the source of its references: ``source_uuid`` is its UUID.
        refs.extend([r.uuid, o.uuid, o.uuid, r.referenced_uuid, r.relationship_type,
                     r.comment, bool(r.deleted)] for r in o.references)  # fmt: skip
    return {
        "event": event,
        "orgc": orgc_uuid,
        "tags": sorted({t.name for t in d.tags}),
        "attributes": sorted(attrs),
        "objects": sorted(objs),
        "references": sorted(refs),
    }


def live_values(content: dict[str, Any]) -> set[str]:
    """The first values of the live (not deleted) attributes in pinned ``content``."""
    value, deleted = ATTRIBUTE_FIELDS.index("value1"), ATTRIBUTE_FIELDS.index("deleted")
    return {str(a[value]) for a in content["attributes"] if not a[deleted]}


def _opt_int(value: int | None) -> int | None:
    return None if value is None else int(value)


def _object(o: ObjectDraft) -> list[Any]:
    return [o.uuid, o.name, o.meta_category, o.template_uuid, o.template_version,
            int(o.distribution), o.comment, bool(o.deleted), int(o.timestamp),
            _opt_int(o.first_seen), _opt_int(o.last_seen)]  # fmt: skip


def _attribute(a: AttributeDraft, object_uuid: str | None) -> list[Any]:
    return [a.uuid, a.type, a.category, a.value1, a.value2, bool(a.to_ids),
            int(a.distribution), a.comment, bool(a.deleted), bool(a.disable_correlation),
            int(a.timestamp), _opt_int(a.first_seen), _opt_int(a.last_seen),
            a.object_relation, object_uuid, _tag_names(a)]  # fmt: skip


def _tag_names(a: AttributeDraft) -> list[str]:
    return sorted({t.name for t in a.tags}) if a.tags else []
