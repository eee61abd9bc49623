"""The catalogue of topics: MISP's ZeroMQ topic names, the only ones ever published.

A test scans the source tree and fails when code publishes a topic missing here, in
the way Cowrie keeps its catalogue of event ids in step with its code.
"""

from __future__ import annotations

from threatmesh.model.errors import InvalidInput

#: A full event, as MISP publishes it when an event is published.
MISP_JSON = "misp_json"
#: An event's own fields (without attributes and objects): added, edited, deleted...
EVENT = "misp_json_event"
ATTRIBUTE = "misp_json_attribute"
OBJECT = "misp_json_object"
OBJECT_REFERENCE = "misp_json_object_reference"
SIGHTING = "misp_json_sighting"
TAG = "misp_json_tag"
ORGANISATION = "misp_json_organisation"
USER = "misp_json_user"
AUDIT = "misp_json_audit"

#: Every topic, in MISP's order.
TOPICS: tuple[str, ...] = (
    MISP_JSON,
    EVENT,
    ATTRIBUTE,
    OBJECT,
    OBJECT_REFERENCE,
    SIGHTING,
    TAG,
    ORGANISATION,
    USER,
    AUDIT,
)

#: What each topic carries (documentation, and the SSE endpoint's help text).
DESCRIPTIONS: dict[str, str] = {
    MISP_JSON: "a whole event when it is published",
    EVENT: "an event's own fields: add, edit, publish, unpublish, delete",
    ATTRIBUTE: "an attribute with its event: add, edit, delete",
    OBJECT: "an object with its attributes and its event: add, delete",
    OBJECT_REFERENCE: "an object reference with its event",
    SIGHTING: "a sighting with its attribute and event: add",
    TAG: "a tag attached to or detached from an event or an attribute",
    ORGANISATION: "an organisation: add, edit",
    USER: "a user (never its keys): add, edit",
    AUDIT: "an audit log entry",
}


def parse_topics(raw: str | None) -> frozenset[str]:
    """The topics named in a comma-separated list (all when empty or None).

    Raises :class:`InvalidInput` naming the first unknown topic.
    """
    if raw is None or not raw.strip():
        return frozenset(TOPICS)
    names = [part.strip() for part in raw.split(",") if part.strip()]
    for name in names:
        if name not in TOPICS:
            known = ", ".join(TOPICS)
            raise InvalidInput(f"topics: unknown topic {name!r} (known topics: {known})")
    return frozenset(names)
