"""The content of an event that its provenance records pin, and its digest.

The projection keeps what an event says (its fields, tags, attributes, objects and
references, soft-deleted ones included) and drops what only this instance knows or
what changes without the producer doing anything: numeric ids, local sharing group
ids, sightings, correlations. Lists are sorted by UUID (tags by name), so the digest
does not depend on the order rows come back in.
"""

from __future__ import annotations

from typing import Any

from threatmesh.privacy.provenance.canonical import sha256_hex

EVENT_FIELDS = (
    "uuid", "info", "date", "threat_level_id", "analysis", "distribution", "published",
    "timestamp", "publish_timestamp", "disable_correlation", "extends_uuid",
)  # fmt: skip
ATTRIBUTE_FIELDS = (
    "uuid", "type", "category", "value", "to_ids", "distribution", "comment", "deleted",
    "disable_correlation", "timestamp", "first_seen", "last_seen", "object_relation",
)  # fmt: skip
OBJECT_FIELDS = (
    "uuid", "name", "meta_category", "template_uuid", "template_version", "distribution",
    "comment", "deleted", "timestamp", "first_seen", "last_seen",
)  # fmt: skip
REFERENCE_FIELDS = ("uuid", "source_uuid", "referenced_uuid", "relationship_type", "comment")


def _pick(item: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    get = item.get
    return {n: get(n) for n in names}


def _tags(item: dict[str, Any]) -> list[str]:
    return sorted(str(t.get("name", "")) for t in item.get("Tag") or [])


def _attribute(a: dict[str, Any]) -> dict[str, Any]:
    return {**_pick(a, ATTRIBUTE_FIELDS), "Tag": _tags(a)}


def _object(o: dict[str, Any]) -> dict[str, Any]:
    attrs = sorted((_attribute(a) for a in o.get("Attribute") or []), key=lambda a: a["uuid"])
    refs = sorted(
        (_pick(r, REFERENCE_FIELDS) for r in o.get("ObjectReference") or []),
        key=lambda r: str(r["uuid"]),
    )
    return {**_pick(o, OBJECT_FIELDS), "Attribute": attrs, "ObjectReference": refs}


def event_content(event: dict[str, Any]) -> dict[str, Any]:
    """The pinned content of an event in MISP JSON (the inner dict of ``{"Event": ...}``)."""
    orgc = event.get("Orgc") or {}
    return {
        **_pick(event, EVENT_FIELDS),
        "Orgc": orgc.get("uuid"),
        "Tag": _tags(event),
        "Attribute": sorted(
            (_attribute(a) for a in event.get("Attribute") or []), key=lambda a: a["uuid"]
        ),
        "Object": sorted((_object(o) for o in event.get("Object") or []), key=lambda o: o["uuid"]),
    }


def event_digest(event: dict[str, Any]) -> str:
    """SHA-256 of the event's canonical content."""
    # MISP JSON as misp_out writes it holds strings, integers, booleans and nulls only.
    return sha256_hex(event_content(event), checked=False)
