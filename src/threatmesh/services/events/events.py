"""Event use cases: add, view, edit, delete, publish, index."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.formats.misp_json import parse_event, uuid_claims
from threatmesh.model import access
from threatmesh.model.drafts import AttributeDraft, EventDraft, ObjectDraft
from threatmesh.model.enums import Distribution
from threatmesh.model.errors import Conflict, Forbidden, InvalidInput, NotFound
from threatmesh.model.query import Query
from threatmesh.services.events import attachments, collisions
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import log as provenance
from threatmesh.services.provenance import reputation
from threatmesh.services.stream import notify
from threatmesh.storage.core.tables import attributes, events, sharing_groups
from threatmesh.storage.directory import records as directory
from threatmesh.storage.events import reads, writes
from threatmesh.storage.events.attachments import AttachmentStore
from threatmesh.storage.events.edits import apply_event_edit
from threatmesh.storage.search import queries as search


def facts(row: RowMapping) -> access.EventFacts:
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


def get_visible(platform: Platform, conn: Connection, who: Identity, ref: str) -> RowMapping:
    """The event ``ref`` (id or UUID) if visible, else :class:`NotFound`."""
    if not ((ref.isascii() and ref.isdigit()) or len(ref) == 36):
        raise InvalidInput(f"{ref!r} is not an event id or UUID")
    row = reads.find_event_row(
        conn, who.viewer, ref, unpublished_private=platform.unpublished_private
    )
    if row is None:
        raise NotFound("Invalid event.")
    return row


def check_sharing_groups(
    conn: Connection, who: Identity, elements: Iterable[EventDraft | AttributeDraft | ObjectDraft]
) -> None:
    """Every sharing group the elements use must exist and be readable by the user (an
    event draft counts with everything it contains)."""
    used = set()
    for element in elements:
        parts: list[EventDraft | AttributeDraft | ObjectDraft] = [element]
        if isinstance(element, EventDraft):
            parts += [*element.all_attributes(), *element.objects]
        elif isinstance(element, ObjectDraft):
            parts += element.attributes
        used |= {p.sharing_group_id for p in parts if p.distribution == Distribution.SHARING_GROUP}
    if not used:
        return
    existing = set(
        conn.execute(sa.select(sharing_groups.c.id).where(sharing_groups.c.id.in_(used))).scalars()
    )
    for sg in sorted(used):
        if sg not in existing or not (who.viewer.site_admin or sg in who.viewer.sharing_group_ids):
            raise InvalidInput(
                f"sharing_group_id: sharing group {sg} does not exist or is not yours to use"
            )


def _creator_org(conn: Connection, who: Identity, draft: EventDraft) -> int:
    """The creator org: the user's own, unless a sync user or site admin names another."""
    if draft.orgc is None or not (who.viewer.site_admin or who.viewer.can("perm_sync")):
        return who.viewer.org_id
    for ref in (draft.orgc.uuid, draft.orgc.name):
        if ref:
            row = directory.find_org(conn, ref)
            if row is not None:
                return int(row["id"])
    return who.viewer.org_id


# Built once: it runs in every events/add.
_EVENT_BY_ID = reads.event_query().where(events.c.id == sa.bindparam("id"))


def add_event(
    platform: Platform,
    who: Identity,
    payload: Any,
    *,
    metadata: bool = False,
    store: AttachmentStore | None = None,
) -> dict[str, Any]:
    """``events/add``: validate everything (attachment data included), then write the
    event in one transaction, its attachments into ``store``."""
    if not who.viewer.can("perm_add"):
        raise Forbidden("You do not have permission to add events.")
    draft = parse_event(payload, now=platform.now(), today=platform.today())
    if draft.published and not who.viewer.can("perm_publish"):
        draft.published = False
    if draft.published and not draft.publish_timestamp:
        draft.publish_timestamp = platform.now()
    with (
        collisions.reported(platform, uuid_claims(draft)),
        attachments.saving(store) as files,
        platform.write() as conn,
    ):
        resolve_extends(platform, conn, who, draft)
        added = _insert_new(platform, conn, who, draft)
        files.save(draft.all_attributes())
    return _view_added(platform, who, added, metadata=metadata)


def resolve_extends(platform: Platform, conn: Connection, who: Identity, draft: EventDraft) -> None:
    """An ``extends_uuid`` given as an event id becomes that event's UUID, as MISP's
    ``Event::beforeValidate`` does; an id the user cannot see is refused exactly like
    one that does not exist."""
    if not draft.extends_uuid.isdigit():
        return
    try:
        draft.extends_uuid = get_visible(platform, conn, who, draft.extends_uuid)["uuid"]
    except NotFound:
        raise InvalidInput(f"Event.extends_uuid: no event with id {draft.extends_uuid}") from None


def _insert_new(
    platform: Platform, conn: Connection, who: Identity, draft: EventDraft
) -> tuple[RowMapping, reads.Known]:
    """Write a new event with its provenance record and notifications; its row (with
    organisations) and what :func:`_view_added` needs of its content."""
    check_sharing_groups(conn, who, [draft])
    orgc_id = _creator_org(conn, who, draft)
    written = writes.Written()
    event_id = writes.insert_event(
        conn,
        draft,
        org_id=who.viewer.org_id,
        orgc_id=orgc_id,
        user_id=who.viewer.user_id,
        locked=orgc_id != who.viewer.org_id,
        written=written,
    )
    if event_id is None:
        raise Conflict("Event already exists, if you would like to edit it, use events/edit.")
    # Read once, for the provenance record, the notifications and the answer.
    row = conn.execute(_EVENT_BY_ID, {"id": event_id}).mappings().one()
    provenance.record_added_event(platform, conn, row, draft, who)
    event_tags = reads.tags_of_event(conn, event_id)
    notify.event(conn, event_id, "add", meta=reads.event_with_orgs(row) | {"Tag": event_tags})
    if draft.published:
        notify.published(conn, event_id, meta=reads.event_with_orgs(row) | {"Tag": event_tags})
    return row, reads.Known(written.attributes, written.objects, event_tags)


def _view_added(
    platform: Platform, who: Identity, added: tuple[RowMapping, reads.Known], **opts: bool
) -> dict[str, Any]:
    """What :func:`view_event` answers for an event just added, without reading back
    what :func:`_insert_new` has: the adder's organisation owns the event, so it sees
    all of it (deleted content aside)."""
    row, known = added
    if not (who.viewer.site_admin or row["org_id"] == who.viewer.org_id):
        return view_event(platform, who, str(row["id"]), **opts)  # not reached: see above
    options = platform.read_options(**opts)
    if not options.include_deleted:
        live = [a for a in known.attributes if not a["deleted"]]
        objs = [o for o in known.objects if not o["deleted"]]
        known = reads.Known(live, objs, known.tags)
    with platform.read() as conn:
        event = reads.load_event(conn, who.viewer, row, options, known=known)
        reputation.decorate_event(platform, conn, event)
        return event


def deleted_options(mode: str) -> dict[str, bool]:
    """:class:`~threatmesh.storage.events.reads.ReadOptions` for a ``deleted`` mode ("no",
    "both", "only"). The access rules decide whose deleted content shows: the
    viewer's own organisation's (``model.access.sees_deleted``)."""
    if mode == "no":
        return {}
    return {"include_deleted": True, "only_deleted": mode == "only"}


def view_event(platform: Platform, who: Identity, ref: str, **opts: bool) -> dict[str, Any]:
    """``events/view``: the event as the user may see it."""
    with platform.read() as conn:
        row = get_visible(platform, conn, who, ref)
        event = reads.load_event(conn, who.viewer, row, platform.read_options(**opts))
        reputation.decorate_event(platform, conn, event)
        return event


def event_exists(platform: Platform, who: Identity, ref: str) -> bool:
    """``HEAD events/view``."""
    try:
        with platform.read() as conn:
            get_visible(platform, conn, who, ref)
    except (NotFound, InvalidInput):
        return False
    return True


def _modifiable(platform: Platform, conn: Connection, who: Identity, ref: str) -> RowMapping:
    row = get_visible(platform, conn, who, ref)
    if not access.can_modify_event(who.viewer, facts(row)):
        raise Forbidden("You are not allowed to modify this event.")
    return row


def edit_event(
    platform: Platform,
    who: Identity,
    ref: str,
    payload: Any,
    *,
    metadata: bool = False,
    store: AttachmentStore | None = None,
) -> dict[str, Any]:
    """``events/edit``: update fields, add new content, update content by UUID."""
    draft = parse_event(payload, now=platform.now(), today=platform.today())
    with platform.read() as conn:
        target = get_visible(platform, conn, who, ref)["id"]
    # Content of this event is updated by UUID: only another event's UUIDs collide.
    clashes = collisions.reported(platform, uuid_claims(draft), outside_event=target)
    with clashes, attachments.saving(store) as files, platform.write() as conn:
        row = _modifiable(platform, conn, who, ref)
        if draft.uuid != row["uuid"] and "uuid" in draft.present:
            raise InvalidInput("Event.uuid: the UUID of an event cannot change")
        draft.uuid = row["uuid"]
        check_sharing_groups(conn, who, [draft])
        resolve_extends(platform, conn, who, draft)
        publish = draft.published and access.can_publish_event(who.viewer, facts(row))
        stale = apply_event_edit(
            conn,
            row,
            draft,
            now=platform.now(),
            publish=publish,
        )
        files.save(a for a in draft.all_attributes() if a.uuid not in stale)
        provenance.record_event_version(platform, conn, row["id"], "edit", who)
        notify.event(conn, row["id"], "edit")
        if publish:
            notify.published(conn, row["id"])
    return view_event(platform, who, str(row["id"]), metadata=metadata)


def delete_event(
    platform: Platform, who: Identity, ref: str, *, store: AttachmentStore | None = None
) -> int:
    """``events/delete``: remove the event and everything in it (attachment files too)."""
    with platform.write() as conn:
        row = _modifiable(platform, conn, who, ref)
        provenance.record_event_version(platform, conn, row["id"], "delete", who)
        notify.event(conn, row["id"], "delete")  # before the rows go
        files = attachments.uuids_of(conn, attributes.c.event_id == row["id"])
        conn.execute(events.delete().where(events.c.id == row["id"]))
    attachments.forget(store, files)
    return int(row["id"])


def set_published(platform: Platform, who: Identity, ref: str, published: bool) -> int:
    """``events/publish`` and ``events/unpublish``."""
    with platform.write() as conn:
        row = get_visible(platform, conn, who, ref)
        if not access.can_publish_event(who.viewer, facts(row)):
            raise Forbidden("You do not have the permission to publish this event.")
        values: dict[str, Any] = {"published": published}
        if published:
            values["publish_timestamp"] = platform.now()
        conn.execute(events.update().where(events.c.id == row["id"]).values(**values))
        action = "publish" if published else "unpublish"
        provenance.record_event_version(platform, conn, row["id"], action, who)
        notify.event(conn, row["id"], "publish" if published else "unpublish")
        if published:
            notify.published(conn, row["id"])
        return int(row["id"])


def index(
    platform: Platform, who: Identity, q: Query, *, minimal: bool = False
) -> list[dict[str, Any]]:
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
        rows = {
            r["id"]: r
            for r in conn.execute(reads.event_query().where(events.c.id.in_(ids))).mappings()
        }
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
