"""MISP's access-control rules, as pure functions.

These are the rules MISP applies in ``Event::createEventConditions``,
``Event::fetchEvent``, ``MispAttribute::buildConditions``, ``SharingGroup::authorizedIds``,
``ACLComponent::canModifyEvent``/``canPublishEvent``/``canModifyTag`` and
``Sighting::createConditions`` (default sightings policy 0, "event owner").
Soft-deleted attributes and objects follow ``Event::fetchEvent``'s ``deleted`` option:
only the event's owner organisation sees them (and site admins, and sync users, so
that deletions propagate). The storage layer translates the same rules into SQL; the
test suite checks the two against each other on random data, so this module is the
reference.

Ownership follows MISP: ``org_id`` is the *owner* (local) organisation of an event and
sees everything in it; ``orgc_id`` is the *creator* organisation and governs who may
edit and publish.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from threatmesh.model.enums import Distribution

_OPEN_EVENT = frozenset({Distribution.COMMUNITY, Distribution.CONNECTED, Distribution.ALL})
_OPEN_ELEMENT = _OPEN_EVENT | {Distribution.INHERIT}


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking: the facts about a user that access decisions depend on."""

    user_id: int
    org_id: int
    role_id: int
    site_admin: bool
    #: Sharing groups this user's organisation may read (see :func:`authorized_sharing_groups`).
    sharing_group_ids: frozenset[int]
    #: The role's permission flags that are set (``perm_add``, ``perm_publish``...).
    perms: frozenset[str]

    def can(self, perm: str) -> bool:
        """Whether the user's role has the permission flag ``perm``."""
        return self.site_admin or perm in self.perms


@dataclass(frozen=True, slots=True)
class EventFacts:
    """The columns of an event that decide who may see and change it."""

    org_id: int
    orgc_id: int
    user_id: int
    distribution: int
    sharing_group_id: int | None
    published: bool = False
    #: received through sync: only sync users (and site admins) may change it
    locked: bool = False


@dataclass(frozen=True, slots=True)
class ElementFacts:
    """Distribution of an attribute or an object inside an event, and whether it is
    soft-deleted."""

    distribution: int
    sharing_group_id: int | None
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class SharingGroupFacts:
    """Membership of a sharing group, as far as access on this instance is concerned."""

    id: int
    org_ids: frozenset[int]
    #: True when the group lists this instance (server id 0) with ``all_orgs`` set.
    local_all_orgs: bool = False


def authorized_sharing_groups(
    org_id: int, groups: Iterable[SharingGroupFacts], *, site_admin: bool = False
) -> frozenset[int]:
    """The sharing groups whose data users of ``org_id`` may read.

    A group is readable when it lists the organisation, or lists this instance with
    "all organisations"; site admins read every group.
    """
    return frozenset(g.id for g in groups if site_admin or org_id in g.org_ids or g.local_all_orgs)


def can_see_event(viewer: Viewer, event: EventFacts, *, unpublished_private: bool = False) -> bool:
    """Whether ``viewer`` may see that the event exists (its metadata)."""
    if viewer.site_admin or event.org_id == viewer.org_id:
        return True
    if unpublished_private and not event.published:
        return False
    if event.distribution in _OPEN_EVENT:
        return True
    return (
        event.distribution == Distribution.SHARING_GROUP
        and event.sharing_group_id in viewer.sharing_group_ids
    )


def element_distribution_allows(viewer: Viewer, element: ElementFacts) -> bool:
    """Whether an attribute's or object's own distribution lets a non-owner see it."""
    if element.distribution in _OPEN_ELEMENT:
        return True
    return (
        element.distribution == Distribution.SHARING_GROUP
        and element.sharing_group_id in viewer.sharing_group_ids
    )


def shown_sharing_groups(viewer: Viewer, ids: Iterable[int]) -> frozenset[int]:
    """Which of the sharing groups ``ids`` (used by what ``viewer`` sees) an answer may
    describe in full: those the viewer may read. MISP's ``Event::fetchEvent`` attaches
    a ``SharingGroup`` only from the user's authorised groups; an element the viewer
    sees for another reason (its organisation owns the event) keeps only its
    ``sharing_group_id``, so a group's name and members do not leak."""
    return viewer.sharing_group_ids.intersection(ids)


def sees_deleted(viewer: Viewer) -> bool:
    """Whether ``viewer`` sees soft-deleted content of events it does not own.

    MISP's ``Event::fetchEvent`` shows deleted attributes, objects and reports only
    in the events of the user's own organisation, unless the role has ``perm_sync``
    (a remote instance pulling, which must learn of deletions); site admins' role has
    every permission. Deleted content is the owner's trash, not shared intelligence.
    """
    return viewer.site_admin or "perm_sync" in viewer.perms


def element_allows(viewer: Viewer, element: ElementFacts) -> bool:
    """Whether an attribute or object lets a viewer that does not own its event see it:
    its own distribution allows it, and it is not deleted (unless :func:`sees_deleted`)."""
    if element.deleted and not sees_deleted(viewer):
        return False
    return element_distribution_allows(viewer, element)


def can_see_attribute(
    viewer: Viewer,
    event: EventFacts,
    attribute: ElementFacts,
    obj: ElementFacts | None = None,
    *,
    unpublished_private: bool = False,
) -> bool:
    """Whether ``viewer`` may see an attribute (inside object ``obj``, if any)."""
    if not can_see_event(viewer, event, unpublished_private=unpublished_private):
        return False
    if viewer.site_admin or event.org_id == viewer.org_id:
        return True
    if not element_allows(viewer, attribute):
        return False
    return obj is None or element_allows(viewer, obj)


def can_see_object(
    viewer: Viewer, event: EventFacts, obj: ElementFacts, *, unpublished_private: bool = False
) -> bool:
    """Whether ``viewer`` may see an object of the event."""
    if not can_see_event(viewer, event, unpublished_private=unpublished_private):
        return False
    if viewer.site_admin or event.org_id == viewer.org_id:
        return True
    return element_allows(viewer, obj)


def can_modify_event(viewer: Viewer, event: EventFacts) -> bool:
    """MISP's ``canModifyEvent``: site admin; creator org with ``perm_modify_org``;
    or the event's own user with ``perm_modify``. A locked event (received through
    sync) is changed only by sync users, so local edits cannot fork it from its
    creator's copy."""
    if viewer.site_admin:
        return True
    if event.locked and "perm_sync" not in viewer.perms:
        return False
    if "perm_modify_org" in viewer.perms and event.orgc_id == viewer.org_id:
        return True
    return "perm_modify" in viewer.perms and event.user_id == viewer.user_id


def can_publish_event(viewer: Viewer, event: EventFacts) -> bool:
    """MISP's ``canPublishEvent``: site admin, or ``perm_publish`` in the creator org."""
    if viewer.site_admin:
        return True
    return "perm_publish" in viewer.perms and event.orgc_id == viewer.org_id


def can_tag_event(viewer: Viewer, event: EventFacts) -> bool:
    """MISP's ``canModifyTag`` for a global tag: tagger or sync role that can modify."""
    if viewer.site_admin:
        return True
    if not ({"perm_tagger", "perm_sync"} & viewer.perms):
        return False
    return can_modify_event(viewer, event)


def can_see_sighting(viewer: Viewer, event: EventFacts, sighting_org_id: int) -> bool:
    """Sightings policy 0 (MISP's default): the event's owner org sees every sighting of
    it, other organisations only their own."""
    return sighting_visible(viewer, event.org_id, sighting_org_id)


def sighting_visible(viewer: Viewer, event_org_id: int | None, sighting_org_id: int) -> bool:
    """:func:`can_see_sighting` given only the owner org of the sighted event."""
    return viewer.site_admin or viewer.org_id in (event_org_id, sighting_org_id)


def proposal_visible(viewer: Viewer, event: EventFacts, proposer_org_id: int) -> bool:
    """Who sees an attribute proposal (MISP's ``ShadowAttribute``) on an event they
    see: site admins, the event's organisations (owner and creator: who may accept it)
    and the proposer's. MISP shows proposals to everyone who sees the event; here a
    proposal is between the two organisations until it is accepted, so others see
    nothing of it (and a proposal about an attribute also needs that attribute to be
    visible: :func:`can_see_attribute`)."""
    return viewer.site_admin or viewer.org_id in (event.org_id, event.orgc_id, proposer_org_id)


def effective_distribution(element: int, event: int) -> int:
    """The distribution that applies to an element: its own, or the event's if it inherits."""
    return event if element == Distribution.INHERIT else element


def viewer_from_role(
    *,
    user_id: int,
    org_id: int,
    role_id: int,
    role_perms: Mapping[str, bool],
    sharing_group_ids: Iterable[int],
) -> Viewer:
    """Build a :class:`Viewer` from a role's flag mapping."""
    perms = frozenset(k for k, v in role_perms.items() if v)
    return Viewer(
        user_id=user_id,
        org_id=org_id,
        role_id=role_id,
        site_admin="perm_site_admin" in perms,
        sharing_group_ids=frozenset(sharing_group_ids),
        perms=perms,
    )
