"""Event use cases: add, view, edit, delete, publish (events/index and restSearch
are in :mod:`threatmesh.services.search.events`)."""

from __future__ import annotations

from typing import Any

from threatmesh.formats.misp_json import parse_event, unwrap, uuid_claims
from threatmesh.formats.misp_types import EventView, as_json
from threatmesh.model import access
from threatmesh.model.drafts import EventDraft
from threatmesh.model.errors import ACL_REFUSAL, Conflict, Forbidden, InvalidInput, NotFound
from threatmesh.services.admin import settings as admin_settings
from threatmesh.services.collab import analyst_data, blocklists, proposals, reports
from threatmesh.services.events import attachments, collisions, tags
from threatmesh.services.events.access import check_sharing_groups, facts, get_visible
from threatmesh.services.library import galaxies as library_galaxies
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import log as provenance
from threatmesh.services.provenance import reputation
from threatmesh.services.stream import notify
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import records as directory
from threatmesh.storage.events import events as stored
from threatmesh.storage.events import reads, writes
from threatmesh.storage.events.attachments import AttachmentStore
from threatmesh.storage.events.edits import apply_event_edit


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


def add_event(
    platform: Platform,
    who: Identity,
    payload: Any,
    *,
    metadata: bool = False,
    store: AttachmentStore | None = None,
) -> EventView:
    """``events/add``: validate everything (attachment data included), then write the
    event in one transaction, its attachments into ``store``."""
    if not who.viewer.can("perm_add"):
        raise Forbidden(ACL_REFUSAL)
    blocklists.check_new_event(platform, who, payload)
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
        tags.drop_restricted(conn, who, draft)
        added = _insert_new(platform, conn, who, draft)
        analyst_data.capture_event(conn, who, payload, added[0]["uuid"], platform.now())
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
) -> tuple[Row, reads.Known]:
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
    row = stored.event_by_id(conn, event_id)
    provenance.record_added_event(platform, conn, row, draft, who)
    event_tags = reads.tags_of_event(conn, event_id)
    notify.event(conn, event_id, "add", meta=reads.event_with_orgs(row) | {"Tag": event_tags})
    if draft.published:
        notify.published(conn, event_id, meta=reads.event_with_orgs(row) | {"Tag": event_tags})
    return row, reads.Known(written.attributes, written.objects, event_tags)


def _view_added(
    platform: Platform, who: Identity, added: tuple[Row, reads.Known], **opts: bool
) -> EventView:
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
        analyst_data.decorate_event(conn, who, as_json(event))
        library_galaxies.attach_galaxies(conn, as_json(event))
        return event  # a new event has no report yet


def deleted_options(mode: str) -> dict[str, bool]:
    """:class:`~threatmesh.storage.events.reads.ReadOptions` for a ``deleted`` mode ("no",
    "both", "only"). The access rules decide whose deleted content shows: the
    viewer's own organisation's (``model.access.sees_deleted``)."""
    if mode == "no":
        return {}
    return {"include_deleted": True, "only_deleted": mode == "only"}


def view_event(platform: Platform, who: Identity, ref: str, **opts: bool) -> EventView:
    """``events/view``: the event as the user may see it."""
    with platform.read() as conn:
        row = get_visible(platform, conn, who, ref)
        options = platform.read_options(**opts)
        event = reads.load_event(conn, who.viewer, row, options)
        reputation.decorate_event(platform, conn, event)
        found = reports.visible_reports(conn, who, row, deleted=options.include_deleted)
        if found or "EventReport" in event:  # not in a metadata:1 view without reports
            event["EventReport"] = found
        proposals.decorate_event(platform, conn, who, row, event)
        analyst_data.decorate_event(conn, who, as_json(event))
        library_galaxies.attach_galaxies(conn, as_json(event))
        return event


def event_exists(platform: Platform, who: Identity, ref: str) -> bool:
    """``HEAD events/view``."""
    try:
        with platform.read() as conn:
            get_visible(platform, conn, who, ref)
    except (NotFound, InvalidInput):
        return False
    return True


def _modifiable(platform: Platform, conn: Connection, who: Identity, ref: str) -> Row:
    row = get_visible(platform, conn, who, ref)
    if not access.can_modify_event(who.viewer, facts(row)):
        raise Forbidden("You are not allowed to modify this event.")
    return row


def _with_stored_info(payload: Any, row: Row) -> Any:
    """An edit without an ``info`` keeps the stored one (MISP's ``Event::_edit`` saves
    only the fields sent): ``payload`` with it added, in its own envelope."""
    data = unwrap(payload, "Event")
    if "info" in data:
        return payload
    return {**data, "info": row["info"]}


def edit_event(
    platform: Platform,
    who: Identity,
    ref: str,
    payload: Any,
    *,
    metadata: bool = False,
    store: AttachmentStore | None = None,
) -> EventView:
    """``events/edit``: update the fields sent (a partial edit, such as only
    ``extends_uuid``, keeps the others), add new content, update content by UUID."""
    with platform.read() as conn:
        stored_row = get_visible(platform, conn, who, ref)
    target = stored_row["id"]
    draft = parse_event(
        _with_stored_info(payload, stored_row), now=platform.now(), today=platform.today()
    )
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
        stale = apply_event_edit(conn, row, draft, now=platform.now(), publish=publish)
        files.save(a for a in draft.all_attributes() if a.uuid not in stale)
        analyst_data.capture_event(conn, who, payload, row["uuid"], platform.now())
        provenance.record_event_version(platform, conn, row["id"], "edit", who)
        notify.event(conn, row["id"], "edit")
        if publish:
            notify.published(conn, row["id"])
    return view_event(platform, who, str(row["id"]), metadata=metadata)


def delete_event(
    platform: Platform, who: Identity, ref: str, *, store: AttachmentStore | None = None
) -> int:
    """``events/delete``: remove the event and everything in it (attachment files too);
    with ``MISP.enableEventBlocklisting``, blocklist its UUID in the same transaction."""
    with platform.write() as conn:
        row = _modifiable(platform, conn, who, ref)
        provenance.record_event_version(platform, conn, row["id"], "delete", who)
        notify.event(conn, row["id"], "delete")  # before the rows go
        if admin_settings.current(conn, "MISP.enableEventBlocklisting"):
            blocklists.block_deleted(conn, row, platform.now())
        files = stored.delete_event(conn, row["id"])
    attachments.forget(store, files)
    return int(row["id"])


def set_published(platform: Platform, who: Identity, ref: str, published: bool) -> int:
    """``events/publish`` and ``events/unpublish``."""
    if not who.viewer.can("perm_publish"):
        raise Forbidden(ACL_REFUSAL)
    with platform.write() as conn:
        row = get_visible(platform, conn, who, ref)
        if not access.can_publish_event(who.viewer, facts(row)):
            raise Forbidden("You do not have the permission to publish this event.")
        when = platform.now() if published else None
        stored.set_published(conn, row["id"], published=published, publish_timestamp=when)
        action = "publish" if published else "unpublish"
        provenance.record_event_version(platform, conn, row["id"], action, who)
        notify.event(conn, row["id"], "publish" if published else "unpublish")
        if published:
            notify.published(conn, row["id"])
        return int(row["id"])
