"""Attribute use cases: add, view, edit, delete (``attributes/restSearch`` is in
:mod:`threatmesh.services.search.attributes`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from threatmesh.formats import misp_out
from threatmesh.formats.fields import as_bool, as_int, as_list
from threatmesh.formats.misp_json import parse_attribute
from threatmesh.formats.misp_types import AttributeView
from threatmesh.model import access
from threatmesh.model.drafts import AttributeDraft
from threatmesh.model.errors import Forbidden, InvalidInput
from threatmesh.services.events import attachments, collisions, tags
from threatmesh.services.events.access import (
    check_sharing_groups,
    facts,
    find_attribute,
    get_visible,
)
from threatmesh.services.library import warninglists
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import log as provenance
from threatmesh.services.stream import notify
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.events import attributes as stored
from threatmesh.storage.events import reads, writes
from threatmesh.storage.events import tags as stored_tags
from threatmesh.storage.events.attachments import AttachmentStore
from threatmesh.storage.events.events import touch_event


def view_attribute(platform: Platform, who: Identity, ref: str) -> AttributeView:
    """``attributes/view``."""
    with platform.read() as conn:
        row = find_attribute(platform, conn, who, ref)
        out = misp_out.attribute(row)
        out["Tag"] = misp_out.exportable(
            reads.tags_of_attributes(conn, [row["id"]]).get(row["id"], [])
        )
        return out


#: ``attributes/index``'s page size when none is asked (MISP's paginator's), and the most.
INDEX_LIMIT, INDEX_MAX = 60, 10_000


def index_attributes(
    platform: Platform, who: Identity, named: Mapping[str, str]
) -> list[AttributeView]:
    """``attributes/index``: a page (``limit:``, default 60 as MISP's, ``page:`` from 1)
    of the live attributes the caller sees, newest events first, bare (MISP answers the
    ``Attribute`` part of each row); ``searchvalue:`` keeps those with that value."""
    limit = as_int(named.get("limit", INDEX_LIMIT), "limit")
    page = as_int(named.get("page", 1), "page")
    if not (1 <= limit <= INDEX_MAX and page >= 1):
        raise InvalidInput(f"limit: 1 to {INDEX_MAX}; page: from 1")
    with platform.read() as conn:
        rows = stored.visible_page(
            conn,
            who.viewer,
            unpublished_private=platform.unpublished_private,
            limit=limit,
            offset=(page - 1) * limit,
            value=named.get("searchvalue"),
        )
    return [misp_out.attribute(r) for r in rows]


#: MISP's message for an attribute its ``uniqueValue`` rule refuses.
SIMILAR = "A similar attribute already exists for this event."
#: MISP's error (a string, not a field map) for an attribute ``enforceWarninglist`` drops.
WARNED = (
    "Attribute could not be saved as it trips over a warninglist and "
    "enforceWarninglist is enforced."
)


@dataclass
class Added:
    """What ``attributes/add`` saved and what it refused: MISP's per-attribute
    validation errors by ``attribute_<index>`` (``{"value": [message]}``)."""

    attributes: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[str, Any] = field(default_factory=dict)


def _field_of(message: str) -> str:
    """The field a validation message names (``Attribute[2].value: ...`` -> ``value``)."""
    where = message.split(":", 1)[0]
    tail = where.split("].", 1)[1] if "]." in where else ""
    return tail.split(".", 1)[0] or "Attribute"


def _drafts(payload: Any, now: int, result: Added) -> list[tuple[int, AttributeDraft]]:
    """The request's attributes with their positions. In a list, one that is not valid
    is an error of its own in ``result`` (MISP validates each one); one alone is a 400."""
    items = as_list(
        payload.get("Attribute", payload) if isinstance(payload, dict) else payload, "Attribute"
    )
    if not items:
        raise InvalidInput("Attribute: nothing to add")
    if len(items) == 1:
        return [(0, parse_attribute(items[0], "Attribute", now=now))]
    out = []
    for i, item in enumerate(items):
        try:
            out.append((i, parse_attribute(item, f"Attribute[{i}]", now=now)))
        except InvalidInput as exc:
            result.errors[f"attribute_{i}"] = {_field_of(exc.message): [exc.message]}
    return out


def _sort_similar(
    conn: Connection, event_id: int, drafts: list[tuple[int, AttributeDraft]], result: Added
) -> tuple[list[AttributeDraft], list[tuple[int, AttributeDraft]]]:
    """Split ``drafts`` into the new ones and those that repeat the type, category and
    value of a live attribute of the event outside objects (MISP's ``uniqueValue``; an
    object's attributes and deleted ones are exempt); a repeat within the request is
    an error in ``result`` either way."""
    plain = [d for _, d in drafts if not d.object_relation and not d.deleted]
    existing = stored.similar_attributes(conn, event_id, plain)
    fresh: list[AttributeDraft] = []
    repeats: list[tuple[int, AttributeDraft]] = []
    seen: set[stored.SimilarKey] = set()
    for i, d in drafts:
        key = stored.similar_key(d)
        if d.object_relation or d.deleted:
            fresh.append(d)
        elif key in seen:
            result.errors[f"attribute_{i}"] = {"value": [SIMILAR]}
        elif key in existing:
            repeats.append((i, d))
        else:
            fresh.append(d)
        seen.add(key)
    return fresh, repeats


def _update_repeats(
    conn: Connection,
    event_id: int,
    repeats: list[tuple[int, AttributeDraft]],
    *,
    now: int,
) -> list[int]:
    """``breakOnDuplicate: 0``: each repeat updates the attribute it repeats (its id
    and UUID kept, the time of the request as its timestamp, the tags it brings
    added), as MISP does."""
    tag_ids = writes.ensure_tags(conn, [t for _, d in repeats for t in d.tags])
    by_key = stored.similar_attributes(conn, event_id, [d for _, d in repeats])
    ids = []
    for _, d in repeats:
        old = by_key[stored.similar_key(d)]
        d.uuid, d.timestamp = old["uuid"], now
        row = writes.attribute_row(event_id, d, 0)
        for fixed in ("uuid", "event_id", "object_id"):
            del row[fixed]
        stored.update_attribute(conn, old["id"], row, d)
        for t in d.tags:
            stored_tags.attach_to_attribute(
                conn, old["id"], event_id, tag_ids[t.name], local=t.local
            )
        ids.append(old["id"])
    return ids


def add_attributes(
    platform: Platform,
    who: Identity,
    event_ref: str,
    payload: Any,
    *,
    store: AttachmentStore | None = None,
    break_on_duplicate: bool = True,
    enforce_warninglist: bool = False,
) -> Added:
    """``attributes/add/{event}``: one attribute or a list (attachment data into
    ``store``). An attribute that repeats the type, category and value of one already
    in the event (outside objects) is refused with MISP's message, the others saved;
    with ``break_on_duplicate`` off it updates that attribute instead. One that hits an
    enabled warninglist is refused when it carries ``enforceWarninglist`` or
    ``enforce_warninglist`` (the named parameter) is set, as in MISP's
    ``captureAttribute``."""
    now = platform.now()
    result = Added()
    drafts = _drafts(payload, now, result)
    enforced = _enforced(payload, drafts, enforce_warninglist)
    many = len(drafts) + len(result.errors) > 1
    claims = [("attribute", d.uuid, f"Attribute[{i}]" if many else "Attribute") for i, d in drafts]
    with (
        collisions.reported(platform, claims),
        attachments.saving(store) as files,
        platform.write() as conn,
    ):
        ev = get_visible(platform, conn, who, event_ref)
        if not access.can_modify_event(who.viewer, facts(ev)):
            raise Forbidden("You do not have permission to do that.")
        check_sharing_groups(conn, who, [d for _, d in drafts])
        if enforced:
            drafts = _drop_warned(platform, conn, drafts, enforced, result)
        fresh, repeats = _sort_similar(conn, ev["id"], drafts, result)
        ids: list[int] = []
        if break_on_duplicate:
            result.errors |= {f"attribute_{i}": {"value": [SIMILAR]} for i, _ in repeats}
        else:
            ids += _update_repeats(conn, ev["id"], repeats, now=now)
        tag_ids = writes.ensure_tags(conn, [t for d in fresh for t in d.tags])
        ids += writes.insert_attributes(conn, ev["id"], fresh, tag_ids=tag_ids)
        if not ids:
            result.errors = _in_order(result.errors)
            return result
        files.save(fresh)
        touch_event(conn, ev["id"], now)
        provenance.record_event_version(platform, conn, ev["id"], "content", who)
        notify.attributes_changed(conn, ids, "add")
        rows = stored.attributes_by_id(conn, ids)
        tags = reads.tags_of_attributes(conn, ids)
        result.attributes = [
            dict(misp_out.attribute(r)) | {"Tag": tags.get(r["id"], [])} for r in rows
        ]
        result.errors = _in_order(result.errors)
    return result


def _enforced(payload: Any, drafts: list[tuple[int, AttributeDraft]], every: bool) -> set[int]:
    """The positions of the attributes ``enforceWarninglist`` applies to: all of them
    with the named parameter, else those that carry it set."""
    if every:
        return {i for i, _ in drafts}
    items = payload.get("Attribute", payload) if isinstance(payload, dict) else payload
    items = items if isinstance(items, list) else [items]
    return {
        i
        for i, item in enumerate(items)
        if isinstance(item, dict)
        and as_bool(item.get("enforceWarninglist") or False, f"Attribute[{i}].enforceWarninglist")
    }


def _drop_warned(
    platform: Platform,
    conn: Connection,
    drafts: list[tuple[int, AttributeDraft]],
    enforced: set[int],
    result: Added,
) -> list[tuple[int, AttributeDraft]]:
    """``drafts`` without the enforced ones that hit an enabled warninglist for their
    type (each an error in ``result``)."""
    lists = warninglists.matcher(platform, conn)
    kept = []
    for i, d in drafts:
        value = f"{d.value1}|{d.value2}" if d.value2 else d.value1
        if i in enforced and not lists.passes(d.type, value):
            result.errors[f"attribute_{i}"] = WARNED
        else:
            kept.append((i, d))
    return kept


def _in_order(errors: dict[str, Any]) -> dict[str, Any]:
    """``attribute_<n>`` keys by ``n``."""
    return dict(sorted(errors.items(), key=lambda kv: int(kv[0].rpartition("_")[2])))


def _modifiable(platform: Platform, conn: Connection, who: Identity, ref: str) -> Row:
    """The attribute ``ref``, if ``who`` may change it: hidden is 404; visible but not
    the user's to change is MISP's 403, whose words PyMISP compares to fall back on
    proposing the change (``shadowAttributes/edit``, ``shadowAttributes/delete``)."""
    row = find_attribute(platform, conn, who, ref)
    ev = get_visible(platform, conn, who, str(row["event_id"]))
    if not access.can_modify_event(who.viewer, facts(ev)):
        raise Forbidden(NO_PERMISSION)
    return row


#: MISP's refusal of a change to an event the user sees but may not modify.
NO_PERMISSION = "You do not have permission to do that."


def edit_attribute(
    platform: Platform,
    who: Identity,
    ref: str,
    payload: Any,
    *,
    store: AttachmentStore | None = None,
) -> AttributeView:
    """``attributes/edit``: fields not sent keep their value; attachment data sent is
    stored if the attribute has none yet (stored content is never replaced)."""
    data = payload.get("Attribute", payload) if isinstance(payload, dict) else payload
    if not isinstance(data, dict):
        raise InvalidInput("Attribute: expected a JSON object")
    with attachments.saving(store) as files, platform.write() as conn:
        old = _modifiable(platform, conn, who, ref)
        apply_edit(platform, conn, who, old, data, files=files)
    return view_attribute(platform, who, str(old["id"]))


def apply_edit(
    platform: Platform,
    conn: Connection,
    who: Identity,
    old: Row,
    data: dict[str, Any],
    *,
    files: attachments.Files | None = None,
) -> None:
    """Change attribute ``old`` (a row the caller checked ``who`` may change) by the
    fields of ``data``, inside the caller's transaction: validated whole, indexed
    again, the event touched, recorded and notified."""
    now = platform.now()
    merged = misp_out.attribute(old) | {
        k: v for k, v in data.items() if k not in ("id", "event_id", "uuid")
    }
    merged["timestamp"] = now
    draft = parse_attribute(merged, "Attribute", now=now)
    draft.uuid = old["uuid"]
    check_sharing_groups(conn, who, [draft])
    row = writes.attribute_row(old["event_id"], draft, old["object_id"])
    for fixed in ("uuid", "event_id", "object_id"):
        del row[fixed]
    stored.update_attribute(conn, old["id"], row, draft)
    tags.capture_attribute_tags(conn, who, old["id"], old["event_id"], data.get("Tag"))
    if files is not None:
        files.save([draft])
    touch_event(conn, old["event_id"], now)
    provenance.record_event_version(platform, conn, old["event_id"], "content", who)
    notify.attributes_changed(conn, [old["id"]], "edit")


def delete_attribute(
    platform: Platform,
    who: Identity,
    ref: str,
    *,
    hard: bool,
    store: AttachmentStore | None = None,
) -> None:
    """``attributes/delete``: soft (``deleted``) by default, hard on request (its
    attachment file goes too)."""
    with platform.write() as conn:
        row = _modifiable(platform, conn, who, ref)
        gone = apply_delete(platform, conn, who, row, hard=hard)
    attachments.forget(store, gone)


def apply_delete(
    platform: Platform, conn: Connection, who: Identity, row: Row, *, hard: bool
) -> list[str]:
    """Delete attribute ``row`` (one the caller checked ``who`` may change) inside the
    caller's transaction; the attachment files to remove after the commit."""
    now = platform.now()
    gone: list[str] = []
    notify.attributes_changed(conn, [row["id"]], "delete")  # before a hard delete
    if hard:
        gone = stored.delete_attribute(conn, row["id"])
    else:
        stored.soft_delete_attribute(conn, row["id"], now)
    touch_event(conn, row["event_id"], now)
    provenance.record_event_version(platform, conn, row["event_id"], "content", who)
    return gone
