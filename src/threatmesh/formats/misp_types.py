"""MISP's JSON shapes of an event and what it holds, as MISP's API answers them and
PyMISP reads them (``MISPEvent.from_dict`` and friends), typed.

Ids, enums and timestamps are strings, flags are JSON booleans (a tag's ``local`` is
0 or 1), as MISP sends them. :mod:`threatmesh.formats.misp_out` builds every one of
these from database rows; nothing else does. Keys that only some answers carry are
``NotRequired``: what an attribute shows depends on where it is shown (an event view
adds ``Tag`` and ``Sighting``, ``attributes/restSearch`` adds ``Event`` and may add
``RelatedAttribute``, an attachment gets its ``data``).
"""

# No ``from __future__ import annotations``: ``NotRequired`` must be seen at runtime
# for ``__required_keys__`` to be right (tests/formats/test_misp_types.py reads it).
from typing import Any, NotRequired, TypedDict, cast


class OrgRef(TypedDict):
    """An organisation as named inside another element (a sighting's, a related event's)."""

    id: str
    name: str
    uuid: str


class OrgView(OrgRef):
    """``Org`` and ``Orgc`` of an event (``reputation``: this platform's addition)."""

    local: bool
    reputation: NotRequired[dict[str, Any]]


class TagView(TypedDict):
    """A tag as attached to an event or attribute."""

    id: str
    name: str
    colour: str
    exportable: bool
    user_id: str
    hide_tag: bool
    numerical_value: int | None
    is_galaxy: bool
    is_custom_galaxy: bool
    local_only: bool
    local: int


class SightingView(TypedDict):
    """A sighting with the organisation that reported it."""

    id: str
    uuid: str
    attribute_id: str
    event_id: str
    org_id: str
    date_sighting: str
    source: str
    type: str
    Organisation: OrgRef


class SharingGroupOrgView(TypedDict):
    """A member organisation of a sharing group."""

    sharing_group_id: str
    org_id: str
    extend: bool
    Organisation: OrgRef


class SharingGroupServerView(TypedDict):
    """A server listed in a sharing group (server 0: this instance)."""

    sharing_group_id: str
    server_id: str
    all_orgs: bool


class SharingGroupView(TypedDict):
    """The ``SharingGroup`` of an event, object or attribute with distribution 4, shown
    to a viewer who may read the group (``model.access.shown_sharing_groups``)."""

    id: str
    name: str
    uuid: str
    description: str
    releasability: str
    organisation_uuid: str
    org_id: str
    sync_user_id: str
    active: bool
    created: str
    modified: str
    local: bool
    roaming: bool
    Organisation: OrgRef
    SharingGroupOrg: list[SharingGroupOrgView]
    SharingGroupServer: list[SharingGroupServerView]


class AttributeView(TypedDict):
    """An attribute."""

    id: str
    type: str
    category: str
    to_ids: bool
    uuid: str
    event_id: str
    distribution: str
    timestamp: str
    comment: str
    sharing_group_id: str
    deleted: bool
    disable_correlation: bool
    object_id: str
    object_relation: str | None
    first_seen: str | None
    last_seen: str | None
    value: str
    #: The CP-ABE envelope of a protected value (parsed, or its text as an
    #: ``orjson.Fragment`` for an answer serialised unread).
    Protected: NotRequired[Any]
    Tag: NotRequired[list[TagView]]
    Sighting: NotRequired[list[SightingView]]
    #: An attachment's content, base64.
    data: NotRequired[str]
    #: ``attributes/restSearch``: the event the attribute belongs to.
    Event: NotRequired[dict[str, str]]
    event_uuid: NotRequired[str]
    RelatedAttribute: NotRequired[list[dict[str, Any]]]
    ShadowAttribute: NotRequired[list[dict[str, Any]]]
    SharingGroup: NotRequired[SharingGroupView]
    #: ``includeDecayScore``: one score per applicable decaying model
    decay_score: NotRequired[list[dict[str, Any]]]


class ReferenceView(TypedDict):
    """An object reference."""

    id: str
    uuid: str
    timestamp: str
    object_id: str
    event_id: str
    source_uuid: str
    referenced_uuid: str
    referenced_id: str
    referenced_type: str
    relationship_type: str
    comment: str
    deleted: bool


ObjectView = TypedDict(
    "ObjectView",
    {
        "id": str,
        "name": str,
        "meta-category": str,
        "description": str,
        "template_uuid": str,
        "template_version": str,
        "event_id": str,
        "uuid": str,
        "timestamp": str,
        "distribution": str,
        "sharing_group_id": str,
        "comment": str,
        "deleted": bool,
        "first_seen": str | None,
        "last_seen": str | None,
        "Attribute": NotRequired[list[AttributeView]],
        "ObjectReference": NotRequired[list[ReferenceView]],
        "SharingGroup": NotRequired[SharingGroupView],
    },
)
ObjectView.__doc__ = "An object (in an event view, with its attributes and references)."


class RelatedEventInner(TypedDict):
    """The event of a ``RelatedEvent`` entry."""

    id: str
    date: str
    threat_level_id: str
    info: str
    published: bool
    uuid: str
    analysis: str
    timestamp: str
    distribution: str
    org_id: str
    orgc_id: str
    Org: OrgRef
    Orgc: OrgRef


class RelatedEventView(TypedDict):
    """A ``RelatedEvent`` entry of an event view."""

    Event: RelatedEventInner


class EventMeta(TypedDict):
    """The event's own fields, without its organisations and content."""

    id: str
    orgc_id: str
    org_id: str
    date: str
    threat_level_id: str
    info: str
    published: bool
    uuid: str
    attribute_count: str
    analysis: str
    timestamp: str
    distribution: str
    proposal_email_lock: bool
    locked: bool
    publish_timestamp: str
    sharing_group_id: str
    disable_correlation: bool
    extends_uuid: str
    protected: None
    sighting_timestamp: str


class EventView(EventMeta):
    """An event (the inner dict of ``{"Event": ...}``): with ``metadata`` (MISP's
    ``metadata:1``) without ``Attribute``, ``ShadowAttribute``, ``Object`` and
    ``EventReport``; ``events/index`` shows ``EventTag`` instead of ``Tag``."""

    Org: OrgView
    Orgc: OrgView
    Attribute: NotRequired[list[AttributeView]]
    ShadowAttribute: NotRequired[list[Any]]
    Object: NotRequired[list[ObjectView]]
    EventReport: NotRequired[list[Any]]
    Tag: NotRequired[list[TagView]]
    EventTag: NotRequired[list[dict[str, TagView]]]
    Galaxy: NotRequired[list[Any]]
    CryptographicKey: NotRequired[list[Any]]
    RelatedEvent: NotRequired[list[RelatedEventView]]
    SharingGroup: NotRequired[SharingGroupView]


def as_json(view: EventView) -> dict[str, Any]:
    """``view`` itself (not a copy), for code that transforms MISP JSON whatever its keys
    (the anonymizer, sync's sharing rules) or hands it on as data."""
    return cast(dict[str, Any], view)
