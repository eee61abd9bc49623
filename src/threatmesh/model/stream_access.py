"""Who may receive a notification, and what of it: MISP's access rules applied to the
MISP JSON a notification carries.

A notification holds the change as the instance sees it. The facts that decide
visibility travel inside it (the event's ``org_id``, ``distribution``,
``sharing_group_id``, ``published``; the attribute's and object's own distribution),
as they were when the change was committed, so a deleted event is judged too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from threatmesh.model import access
from threatmesh.model.access import ElementFacts, EventFacts, Viewer


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def event_facts(event: Mapping[str, Any]) -> EventFacts:
    """The access facts of an ``Event`` dict in MISP JSON."""
    return EventFacts(
        org_id=_int(event.get("org_id")),
        orgc_id=_int(event.get("orgc_id")),
        user_id=_int(event.get("user_id")),
        distribution=_int(event.get("distribution")),
        sharing_group_id=_int(event.get("sharing_group_id")),
        published=bool(event.get("published")),
    )


def element_facts(element: Mapping[str, Any]) -> ElementFacts:
    """The access facts of an ``Attribute`` or ``Object`` dict."""
    return ElementFacts(
        distribution=_int(element.get("distribution"), 5),
        sharing_group_id=_int(element.get("sharing_group_id")),
        deleted=element.get("deleted") is True,
    )


def _owner(viewer: Viewer, ev: EventFacts) -> bool:
    return viewer.site_admin or ev.org_id == viewer.org_id


def _visible_attributes(
    viewer: Viewer, ev: EventFacts, items: Any, obj: ElementFacts | None = None
) -> list[Any]:
    if not isinstance(items, list):
        return []
    return [
        a
        for a in items
        if isinstance(a, Mapping) and access.can_see_attribute(viewer, ev, element_facts(a), obj)
    ]


def _redact_object(viewer: Viewer, ev: EventFacts, obj: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(obj)
    if "Attribute" in out:
        out["Attribute"] = _visible_attributes(viewer, ev, out["Attribute"], element_facts(obj))
    return out


def _redact_event(viewer: Viewer, ev: EventFacts, event: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(event)
    if "Attribute" in out:
        out["Attribute"] = _visible_attributes(viewer, ev, out["Attribute"])
    if isinstance(out.get("Object"), list):
        out["Object"] = [
            _redact_object(viewer, ev, o)
            for o in out["Object"]
            if isinstance(o, Mapping) and access.can_see_object(viewer, ev, element_facts(o))
        ]
    return out


def visible_part(
    viewer: Viewer, payload: Mapping[str, Any], *, unpublished_private: bool = False
) -> dict[str, Any] | None:
    """``payload`` as ``viewer`` may receive it, or None when they may not at all.

    Notifications without an event (organisations, users, audit) go to site admins
    only. Content the viewer may not see (attributes, objects, other organisations'
    sightings) is dropped or makes the whole notification invisible.
    """
    event = payload.get("Event")
    if not isinstance(event, Mapping):
        return dict(payload) if viewer.site_admin else None
    ev = event_facts(event)
    if not access.can_see_event(viewer, ev, unpublished_private=unpublished_private):
        return None
    if _owner(viewer, ev):
        return dict(payload)
    obj = payload.get("Object")
    obj_facts = element_facts(obj) if isinstance(obj, Mapping) else None
    attr = payload.get("Attribute")
    if isinstance(attr, Mapping) and not access.can_see_attribute(
        viewer, ev, element_facts(attr), obj_facts
    ):
        return None
    if obj_facts is not None and not access.can_see_object(viewer, ev, obj_facts):
        return None
    sighting = payload.get("Sighting")
    if isinstance(sighting, Mapping) and not access.sighting_visible(
        viewer, ev.org_id, _int(sighting.get("org_id"))
    ):
        return None
    out = dict(payload)
    out["Event"] = _redact_event(viewer, ev, event)
    if isinstance(obj, Mapping) and "Attribute" in obj:
        out["Object"] = _redact_object(viewer, ev, obj)
    return out
