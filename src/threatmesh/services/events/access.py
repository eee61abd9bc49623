"""What every event use case checks first: is the event or attribute visible, what
are its access facts, may the user name those sharing groups.

The use cases of events, attributes, objects, tags, sightings (and sync) share these,
so that none of them imports another use case's module for them.
"""

from __future__ import annotations

from collections.abc import Iterable

from threatmesh.model import access
from threatmesh.model.drafts import AttributeDraft, EventDraft, ObjectDraft
from threatmesh.model.enums import Distribution
from threatmesh.model.errors import InvalidInput, NotFound
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.events import attributes as stored_attributes
from threatmesh.storage.events import events as stored_events
from threatmesh.storage.events import reads


def facts(row: Row) -> access.EventFacts:
    """The access-relevant facts of an event row."""
    return access.EventFacts(
        org_id=row["org_id"],
        orgc_id=row["orgc_id"],
        user_id=row["user_id"],
        distribution=row["distribution"],
        sharing_group_id=row["sharing_group_id"],
        published=bool(row["published"]),
        locked=bool(row["locked"]),
    )


def _well_formed(ref: str, kind: str) -> None:
    if not ((ref.isascii() and ref.isdigit()) or len(ref) == 36):
        raise InvalidInput(f"{ref!r} is not an {kind} id or UUID")


def get_visible(platform: Platform, conn: Connection, who: Identity, ref: str) -> Row:
    """The event ``ref`` (id or UUID) if visible, else :class:`NotFound`."""
    _well_formed(ref, "event")
    row = reads.find_event_row(
        conn, who.viewer, ref, unpublished_private=platform.unpublished_private
    )
    if row is None:
        raise NotFound("Invalid event.")
    return row


def find_attribute(platform: Platform, conn: Connection, who: Identity, ref: str) -> Row:
    """The attribute ``ref`` (id or UUID) if ``who`` may see it, else :class:`NotFound`."""
    _well_formed(ref, "attribute")
    row = stored_attributes.find_visible(
        conn, who.viewer, ref, unpublished_private=platform.unpublished_private
    )
    if row is None:
        raise NotFound("Invalid attribute.")
    return row


def check_sharing_groups(
    conn: Connection, who: Identity, elements: Iterable[EventDraft | AttributeDraft | ObjectDraft]
) -> None:
    """Every sharing group the elements use must exist and be the user's to use (an event
    draft counts with everything it contains): a site admin, a member organisation, or
    the group's owner organisation, which need not be a member (MISP's
    ``SharingGroup::checkIfAuthorised``)."""
    used = set()
    for element in elements:
        parts: list[EventDraft | AttributeDraft | ObjectDraft] = [element]
        if isinstance(element, EventDraft):
            parts += [*element.all_attributes(), *element.objects]
        elif isinstance(element, ObjectDraft):
            parts += element.attributes
        used |= {p.sharing_group_id for p in parts if p.distribution == Distribution.SHARING_GROUP}
    check_sharing_group_ids(conn, who, used)


def check_sharing_group_ids(conn: Connection, who: Identity, used: set[int]) -> None:
    """Each sharing group of ``used`` must exist and be ``who``'s to use (see
    :func:`check_sharing_groups`)."""
    if not used:
        return
    existing = stored_events.existing_sharing_groups(conn, used)
    for sg in sorted(used):
        usable = who.viewer.site_admin or sg in who.viewer.sharing_group_ids
        if sg not in existing or not (usable or existing[sg] == who.viewer.org_id):
            raise InvalidInput(
                f"sharing_group_id: sharing group {sg} does not exist or is not yours to use"
            )
