"""What a user should get back from the access-controlled reads, computed from the
pure rules of :mod:`threatmesh.model.access` (the reference), never from SQL.

A :class:`World` holds the facts of every event the test created; an :class:`Oracle`
answers for one viewer: which events, objects and attributes it may see, and which
correlations it may be shown. Content is identified by UUID (the test chooses them),
so the expectations never depend on the ids the database hands out.

Reads that list deleted content take a mode, as the ``deleted`` filter does: "no"
(live content only, the default), "only" (deleted content only) or "both". Which
deleted content a viewer may see at all is for the pure rules to say.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from threatmesh.model import access
from threatmesh.model.validation import describe_types
from threatmesh.model.validation.values import ip_range

Span = tuple[bytes, bytes]


def listed(deleted: bool, mode: str) -> bool:
    """Whether content that is ``deleted`` (or not) is listed under a ``deleted`` mode."""
    return mode == "both" or deleted == (mode == "only")


@dataclass(frozen=True, slots=True)
class AttributeFacts:
    """An attribute as stored: where it lives, its values and its distribution (its
    ``element`` carries ``deleted`` too)."""

    uuid: str
    event_uuid: str
    object_uuid: str | None
    type: str
    value1: str
    value2: str
    element: access.ElementFacts
    deleted: bool = False
    disable_correlation: bool = False


@dataclass(frozen=True, slots=True)
class ObjectFacts:
    """An object's own distribution and deletion (its attributes are in the event's list)."""

    uuid: str
    element: access.ElementFacts


@dataclass(frozen=True, slots=True)
class EventWorld:
    """One event with all its content, deleted attributes included."""

    uuid: str
    facts: access.EventFacts
    attributes: tuple[AttributeFacts, ...]
    objects: tuple[ObjectFacts, ...] = ()
    disable_correlation: bool = False

    def object(self, uuid: str) -> ObjectFacts:
        """The object with ``uuid``."""
        return next(o for o in self.objects if o.uuid == uuid)


@dataclass(frozen=True, slots=True)
class World:
    """Every event on the server, and the server's ``unpublished_private`` setting."""

    events: tuple[EventWorld, ...]
    unpublished_private: bool = False

    def attributes(self) -> Iterator[tuple[EventWorld, AttributeFacts]]:
        """Every attribute with its event."""
        for e in self.events:
            for a in e.attributes:
                yield e, a


@dataclass(frozen=True, slots=True)
class EventView:
    """The access-relevant content of one event as a viewer gets it."""

    attributes: frozenset[str]  # top-level attribute UUIDs
    objects: dict[str, frozenset[str]]  # object UUID -> UUIDs of its attributes
    related_events: frozenset[str]  # UUIDs of the RelatedEvent entries


# --- correlation rules (storage/correlation.py restated without SQL) -------------------


def correlating_values(a: AttributeFacts) -> frozenset[str]:
    """The values of ``a`` that take part in exact-value correlation."""
    if a.type in describe_types.NON_CORRELATING_TYPES:
        return frozenset()
    if a.value2 and a.type not in describe_types.PRIMARY_ONLY_CORRELATING_TYPES:
        return frozenset({a.value1, a.value2})
    return frozenset({a.value1})


def ip_span(a: AttributeFacts) -> Span | None:
    """The address range of an IP-typed attribute (a single address has lo == hi)."""
    if a.type in describe_types.IP_TYPES:
        return ip_range(a.value1)
    if a.type in describe_types.IP_VALUE2_TYPES:
        return ip_range(a.value2)
    return None


def ip_contains(src: Span, tgt: Span) -> bool:
    """MISP's CIDR correlation: an address matches the networks that contain it, and a
    network matches what lies inside it (equal addresses are exact matches instead)."""
    (slo, shi), (tlo, thi) = src, tgt
    if slo == shi:
        return tlo != thi and tlo <= slo and thi >= shi
    return slo <= tlo and thi <= shi


def may_correlate(e: EventWorld, a: AttributeFacts) -> bool:
    """Whether ``a`` takes part in correlation at all."""
    return not (
        a.deleted
        or a.disable_correlation
        or e.disable_correlation
        or a.type in describe_types.NON_CORRELATING_TYPES
    )


def correlates(
    src_event: EventWorld, src: AttributeFacts, tgt_event: EventWorld, tgt: AttributeFacts
) -> bool:
    """Whether ``src`` correlates with ``tgt`` (ignoring who may see them)."""
    if src_event.uuid == tgt_event.uuid:
        return False
    if not (may_correlate(src_event, src) and may_correlate(tgt_event, tgt)):
        return False
    if correlating_values(src) & correlating_values(tgt):
        return True
    s, t = ip_span(src), ip_span(tgt)
    return s is not None and t is not None and ip_contains(s, t)


# --- what one viewer may see ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Oracle:
    """The expected answers for ``viewer`` in ``world``."""

    world: World
    viewer: access.Viewer

    def sees_event(self, e: EventWorld) -> bool:
        """``can_see_event`` under the world's setting."""
        return access.can_see_event(
            self.viewer, e.facts, unpublished_private=self.world.unpublished_private
        )

    def sees_object(self, e: EventWorld, o: ObjectFacts) -> bool:
        """``can_see_object`` under the world's setting."""
        return access.can_see_object(
            self.viewer, e.facts, o.element, unpublished_private=self.world.unpublished_private
        )

    def sees_attribute(self, e: EventWorld, a: AttributeFacts, deleted: str = "no") -> bool:
        """``can_see_attribute`` (with its object's facts), listed under ``deleted``."""
        obj = None if a.object_uuid is None else e.object(a.object_uuid).element
        return listed(a.deleted, deleted) and access.can_see_attribute(
            self.viewer, e.facts, a.element, obj, unpublished_private=self.world.unpublished_private
        )

    def visible_events(self) -> frozenset[str]:
        """UUIDs of the events ``events/index`` and ``events/restSearch`` return."""
        return frozenset(e.uuid for e in self.world.events if self.sees_event(e))

    def visible_attributes(self, deleted: str = "no") -> frozenset[str]:
        """UUIDs of the attributes ``attributes/restSearch`` returns."""
        return frozenset(
            a.uuid for e, a in self.world.attributes() if self.sees_attribute(e, a, deleted)
        )

    def events_with_deleted(self) -> frozenset[str]:
        """Events ``events/restSearch {"deleted": 1}`` returns: those with a deleted
        attribute the viewer may see (another organisation's never count)."""
        return frozenset(
            e.uuid
            for e in self.world.events
            if any(self.sees_attribute(e, a, "only") for a in e.attributes)
        )

    def related_attributes(self, e: EventWorld, src: AttributeFacts) -> frozenset[str]:
        """``RelatedAttribute`` of ``src``: visible correlating attributes of other events."""
        if not self.sees_attribute(e, src):
            return frozenset()
        return frozenset(
            t.uuid
            for te, t in self.world.attributes()
            if self.sees_attribute(te, t) and correlates(e, src, te, t)
        )

    def related_events(self, e: EventWorld) -> frozenset[str]:
        """``RelatedEvent`` of ``e``: events of the correlations of its visible attributes."""
        by_uuid = {a.uuid: te.uuid for te, a in self.world.attributes()}
        return frozenset(by_uuid[t] for a in e.attributes for t in self.related_attributes(e, a))

    def event_view(self, e: EventWorld, deleted: str = "no") -> EventView:
        """What ``events/view`` shows of ``e`` (which must be visible) under ``deleted``:
        objects and attributes are filtered alike, so an attribute whose object is not
        listed is not shown."""
        objects = {
            o.uuid: frozenset(
                a.uuid
                for a in e.attributes
                if a.object_uuid == o.uuid and self.sees_attribute(e, a, deleted)
            )
            for o in e.objects
            if self.sees_object(e, o) and listed(o.element.deleted, deleted)
        }
        top = frozenset(
            a.uuid
            for a in e.attributes
            if a.object_uuid is None and self.sees_attribute(e, a, deleted)
        )
        # Deleted attributes never correlate: with only those shown, nothing relates.
        related = frozenset() if deleted == "only" else self.related_events(e)
        return EventView(top, objects, related)

    def attributes_with_value(self, value: str) -> frozenset[str]:
        """Visible attributes an ``attributes/restSearch`` on ``value`` returns."""
        return frozenset(
            a.uuid
            for e, a in self.world.attributes()
            if value in (a.value1, a.value2) and self.sees_attribute(e, a)
        )

    def events_with_value(self, value: str) -> frozenset[str]:
        """Events an ``events/restSearch`` on ``value`` returns: those with a visible
        attribute carrying it (an invisible one must not give the event away)."""
        hits = self.attributes_with_value(value)
        return frozenset(
            e.uuid for e in self.world.events if any(a.uuid in hits for a in e.attributes)
        )
