"""Event delegation (MISP's ``EventDelegationsController``): the organisation that
created an event asks another organisation to take it over; the other organisation
accepts (the event becomes its own: creator and owner organisation, with the
distribution and sharing group the request asked for, unless it let the recipient
decide) or either side discards the request.

MISP's rules: every action needs ``MISP.delegation`` on; requesting needs
``perm_delegate``, accepting and discarding ``perm_add`` (else MISP's ACL refusal).
Only the creator organisation (or a site admin) requests, and only for an event
distributed to "your organisation only" while unpublished events are not private; an
event has one pending request at most. Only the recipient organisation (or a site
admin) accepts; either organisation (or a site admin) discards. A request the caller
may not act on answers exactly as one that does not exist ("You are not authorised to
do that."), and only the two organisations list it. Each action is one transaction,
with its entry in MISP's log.
"""

from __future__ import annotations

from typing import Any

from threatmesh.formats.fields import as_id, as_int, as_str
from threatmesh.formats.misp_json import unwrap
from threatmesh.model.enums import Distribution
from threatmesh.model.errors import Forbidden, InvalidInput, MethodNotAllowed, NotFound
from threatmesh.services.admin import logs, settings
from threatmesh.services.admin.checks import existing_org
from threatmesh.services.collab.common import NO_PERMISSION, require
from threatmesh.services.events.access import check_sharing_group_ids, get_visible
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import log as provenance
from threatmesh.services.stream import notify
from threatmesh.storage.collab import delegations as stored
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.events import events as stored_events

NOT_AUTHORISED = "You are not authorised to do that."
ONLY_PRIVATE = (
    'Only events with the distribution setting "Your Organisation Only" can be delegated.'
)
PENDING = (
    "This event already has a pending delegation request. Please revoke that before "
    "creating a new request."
)
_DISTRIBUTIONS = frozenset({-1, *(int(d) for d in Distribution if d != Distribution.INHERIT)})


def _allowed(conn: Connection, who: Identity, *perms: str) -> None:
    """MISP's ACL: ``MISP.delegation`` on and the role has ``perms`` (a site admin
    passes both, as MISP's ``ACLComponent::checkAccess`` lets it)."""
    require(who, *perms)
    if not who.viewer.site_admin and not settings.current(conn, "MISP.delegation"):
        raise Forbidden(NO_PERMISSION)


def summary(row: Row) -> dict[str, Any]:
    """A request as MISP's ``EventDelegation`` shows it (ids as strings)."""
    out = {k: str(row[k]) for k in ("id", "org_id", "requester_org_id", "event_id",
                                    "distribution", "sharing_group_id")}  # fmt: skip
    return out | {"message": row["message"]}


def _request_values(conn: Connection, who: Identity, payload: Any) -> dict[str, Any]:
    data = unwrap(payload, "EventDelegation")
    if data.get("org_id") in (None, ""):
        raise InvalidInput("EventDelegation.org_id: the organisation to delegate to is required")
    org = existing_org(conn, as_str(data["org_id"], "EventDelegation.org_id", max_len=255))
    if int(org["id"]) == who.viewer.org_id:
        raise InvalidInput(
            "EventDelegation.org_id: an event cannot be delegated to its own organisation"
        )
    raw = data.get("distribution")
    # MISP: an empty distribution is 0; -1 lets the recipient decide.
    distribution = (
        0
        if raw in (None, "", 0, "0")
        else as_int(raw, "EventDelegation.distribution", allowed=_DISTRIBUTIONS)
    )
    sharing_group_id = 0
    if distribution == Distribution.SHARING_GROUP:
        sharing_group_id = as_int(data.get("sharing_group_id"), "EventDelegation.sharing_group_id")
        check_sharing_group_ids(conn, who, {sharing_group_id})
    message = as_str(data.get("message") or "", "EventDelegation.message", max_len=65535)
    return {"org_id": int(org["id"]), "distribution": distribution,
            "sharing_group_id": sharing_group_id, "message": message}  # fmt: skip


def _own_private_event(platform: Platform, conn: Connection, who: Identity, ref: str) -> Row:
    """The event ``ref`` if ``who`` may delegate it; an event it may not see answers as
    one it may see but not delegate."""
    try:
        event = get_visible(platform, conn, who, ref)
    except NotFound:
        raise MethodNotAllowed(NOT_AUTHORISED) from None
    if not who.viewer.site_admin and int(event["orgc_id"]) != who.viewer.org_id:
        raise MethodNotAllowed(NOT_AUTHORISED)
    if not platform.unpublished_private and int(event["distribution"]) != Distribution.ORGANISATION:
        raise MethodNotAllowed(ONLY_PRIVATE)
    if stored.of_event(conn, int(event["id"])) is not None:
        raise MethodNotAllowed(PENDING)
    return event


def delegate(platform: Platform, who: Identity, ref: str, payload: Any) -> dict[str, Any]:
    """``eventDelegations/delegateEvent/{event}``: ask ``org_id`` to take the event;
    the new request."""
    with platform.write() as conn:
        _allowed(conn, who, "perm_delegate")
        event = _own_private_event(platform, conn, who, ref)
        values = _request_values(conn, who, payload)
        values |= {"event_id": int(event["id"]), "requester_org_id": who.viewer.org_id}
        delegation_id = stored.add(conn, values)
        org = existing_org(conn, values["org_id"])
        logs.entry(conn, platform.now(), who, model="Event", model_id=int(event["id"]),
                    action="request_delegation", title="Requested event delegation",
                    change=f"Requested the delegation of event {event['id']} to organisation "
                    f"{org['name']}")  # fmt: skip
        row = stored.by_id(conn, delegation_id)
        assert row is not None
        return {"EventDelegation": summary(row)}


def _reachable(conn: Connection, who: Identity, ref: str, *, recipient_only: bool) -> Row:
    """The request ``ref`` if ``who`` may act on it; else as absent."""
    num = as_id(ref)
    row = None if num is None else stored.by_id(conn, num)
    sides = {int(row["org_id"])} if row is not None else set()
    if row is not None and not recipient_only:
        sides.add(int(row["requester_org_id"]))
    if row is None or not (who.viewer.site_admin or who.viewer.org_id in sides):
        raise MethodNotAllowed(NOT_AUTHORISED)
    return row


def accept(platform: Platform, who: Identity, ref: str) -> int:
    """``eventDelegations/acceptDelegation/{id}``: the event becomes the recipient's
    (creator and owner organisation, ``user_id`` the accepting user, the requested
    distribution and sharing group) and the request goes; the event's id."""
    with platform.write() as conn:
        _allowed(conn, who, "perm_add")
        row = _reachable(conn, who, ref, recipient_only=True)
        event_id, org_id = int(row["event_id"]), int(row["org_id"])
        values = {"org_id": org_id, "orgc_id": org_id, "user_id": who.viewer.user_id,
                  "timestamp": platform.now()}  # fmt: skip
        if int(row["distribution"]) != -1:
            if int(row["distribution"]) == Distribution.SHARING_GROUP:
                check_sharing_group_ids(conn, who, {int(row["sharing_group_id"])})
            values |= {"distribution": int(row["distribution"]),
                       "sharing_group_id": int(row["sharing_group_id"])}  # fmt: skip
        stored_events.transfer(conn, event_id, values)
        stored.delete(conn, int(row["id"]))
        org = existing_org(conn, org_id)
        provenance.record_event_version(platform, conn, event_id, "edit", who)
        notify.event(conn, event_id, "edit")
        logs.entry(conn, platform.now(), who, model="Event", model_id=event_id,
                    action="accept_delegation", title="Completed event delegation",
                    change=f"Event {event_id} successfully transferred to organisation "
                    f"{org['name']}")  # fmt: skip
        return event_id


def discard(platform: Platform, who: Identity, ref: str) -> None:
    """``eventDelegations/deleteDelegation/{id}``: withdraw (requester) or decline
    (recipient) a request."""
    with platform.write() as conn:
        _allowed(conn, who, "perm_add")
        row = _reachable(conn, who, ref, recipient_only=False)
        stored.delete(conn, int(row["id"]))
        logs.entry(conn, platform.now(), who, model="EventDelegation", model_id=int(row["id"]),
                    action="delete", title="Discarded event delegation",
                    change=f"Delegation request of event {row['event_id']} deleted")  # fmt: skip


def view(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``eventDelegations/view/{id}``: a request, to either organisation."""
    with platform.read() as conn:
        _allowed(conn, who)
        return {"EventDelegation": summary(_reachable(conn, who, ref, recipient_only=False))}


def _listed(row: Row) -> dict[str, Any]:
    """An index entry: MISP drops ``distribution`` -1 and ``sharing_group_id`` 0."""
    out = summary(row)
    if row["distribution"] == -1:
        del out["distribution"]
    if not row["sharing_group_id"]:
        del out["sharing_group_id"]
    out["Event"] = {f: str(row[f"event__{f}"]) for f in stored.EVENT_FIELDS}
    for key, prefix in (("Org", "org"), ("RequesterOrg", "requester_org")):
        out[key] = {f: str(row[f"{prefix}__{f}"]) for f in ("id", "name", "uuid")}
    return {"EventDelegation": out}


def index(platform: Platform, who: Identity, context: str, value: str) -> list[dict[str, Any]]:
    """``eventDelegations/index``: the requests the caller's organisation received
    (``pending``) or made (``issued``)."""
    if context not in ("pending", "issued"):  # also refuses what cannot be a context
        raise InvalidInput("Invalid context. Expected values: pending or issued.")
    value = as_str(value, "value", max_len=1024)
    with platform.read() as conn:
        _allowed(conn, who)
        rows = stored.listing(conn, issued=context == "issued", org_id=who.viewer.org_id,
                              value=value.strip())  # fmt: skip
    return [_listed(r) for r in rows]
