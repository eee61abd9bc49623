"""UMA 2.0, resource-server side: resources, permission tickets, the protected event
read, and the discovery document (the authorization server's token endpoint is in
``uma_grant``, the producers' policies in ``uma_policies``).

A request for a protected resource without a valid RPT is answered with a permission
ticket registered for that resource and scope (:class:`UmaChallenge`, which the API
turns into ``401 WWW-Authenticate: UMA realm=..., as_uri=..., ticket=...``). A request
for an event that does not exist gets the same challenge, with a ticket for a resource
id no grant can redeem (``privacy.authz.resources``): the resource server does not
tell an unauthenticated caller which UUIDs exist.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import orjson

from threatmesh.formats.fields import as_uuid
from threatmesh.formats.misp_types import EventView
from threatmesh.model.access import Viewer
from threatmesh.model.errors import Forbidden, InvalidInput, NotFound, ThreatmeshError
from threatmesh.privacy.authz.policy import EVENT_SCOPES
from threatmesh.privacy.authz.tokens import Rpt, public_jwks
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import reputation
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import records as directory
from threatmesh.storage.events import reads
from threatmesh.storage.events.reads import ReadOptions
from threatmesh.storage.uma import store as uma_store

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:uma-ticket"
REALM = "threatmesh"
# The event goes straight to MispJSON (orjson): its envelopes are passed on unparsed.
_PROTECTED_READ = ReadOptions(
    include_sightings=False, include_correlations=False, envelope_text=True
)


class UmaChallenge(ThreatmeshError):
    """No valid RPT for this request: here is a permission ticket to get one."""

    status = 401
    name = "UMA authorization required"

    def __init__(self, message: str, *, ticket: str, as_uri: str, error: str | None) -> None:
        super().__init__(message)
        self.ticket = ticket
        self.as_uri = as_uri
        self.error = error

    def header(self) -> str:
        """The ``WWW-Authenticate`` value (UMA 2.0 Grant, section 3.2)."""
        parts = [f'realm="{REALM}"', f'as_uri="{self.as_uri}"', f'ticket="{self.ticket}"']
        if self.error:
            parts.append(f'error="{self.error}"')
        return "UMA " + ", ".join(parts)


def ticket_hash(ticket: str) -> str:
    """Tickets are stored hashed: a database reader cannot redeem them."""
    return hashlib.sha256(ticket.encode()).hexdigest()


def discovery(platform: Platform) -> dict[str, Any]:
    """``/.well-known/uma2-configuration`` (UMA 2.0 Grant section 2, Federated Authz 2)."""
    base = platform.trust.issuer.rstrip("/")
    return {
        "issuer": base,
        "token_endpoint": f"{base}/uma/token",
        "jwks_uri": f"{base}/uma/jwks",
        "resource_registration_endpoint": f"{base}/uma/resources",
        "permission_endpoint": f"{base}/uma/permission",
        "policy_endpoint": f"{base}/uma/policies",
        "grant_types_supported": [GRANT_TYPE],
        "token_endpoint_auth_methods_supported": ["threatmesh_api_key"],
        "claim_token_profiles_supported": [CLAIM_TOKEN_FORMAT],
        "uma_profiles_supported": [],
        "scopes_supported": list(EVENT_SCOPES),
        "response_types_supported": [],
    }


#: Pushed claims: base64url of a JSON object of claim names to strings (self-asserted).
CLAIM_TOKEN_FORMAT = "urn:threatmesh:params:oauth:claim-token-format:json"


def jwks(platform: Platform) -> dict[str, Any]:
    """The public keys RPTs are signed with."""
    with platform.read() as conn:
        return public_jwks([platform.trust.tokens(conn, platform.now()).key])


def event_resource(platform: Platform, conn: Connection, row: Row) -> Row:
    """The resource of an event, owned by its creator organisation (registered on first use)."""
    return uma_store.ensure_resource(
        conn,
        owner_org_id=int(row["orgc_id"]),
        kind="event",
        ref=str(row["uuid"]),
        name=f"event {row['uuid']}",
        scopes=EVENT_SCOPES,
        now=platform.now(),
    )


def new_ticket(platform: Platform, conn: Connection, rsid: str, scopes: Sequence[str]) -> str:
    """A permission ticket for ``scopes`` on the resource ``rsid`` (signed: nothing is
    written)."""
    service = platform.trust.tickets(conn, platform.now())
    return service.issue(
        resource_id=rsid,
        scopes=scopes,
        now=platform.now(),
        ttl=platform.trust.ticket_ttl,
    )


def event_uuid_of(raw: str) -> str:
    """A protected event's UUID from its path, or 400 when it is not a UUID."""
    return as_uuid(raw.strip(), "event UUID")


def event_row(conn: Connection, event_uuid: str) -> Row | None:
    """The event (with ``event_rsid``, its resource's public id if registered), or None."""
    return uma_store.event_with_resource(conn, event_uuid_of(event_uuid))


def _challenge(
    platform: Platform,
    conn: Connection,
    target: tuple[str, Row | None],
    scope: str,
    error: str | None,
    why: str,
) -> UmaChallenge:
    # Registering an existing event's resource on first use is the only write
    # (idempotent, in autocommit); the ticket itself is signed, not stored. An event
    # that does not exist gets a ticket for a resource that is never registered.
    ref, row = target
    if row is None:
        rsid = platform.trust.unknown_resource_id(conn, platform.now(), ref)
    else:
        rsid = row["event_rsid"] or event_resource(platform, conn, row)["resource_id"]
    ticket = new_ticket(platform, conn, str(rsid), [scope])
    return UmaChallenge(why, ticket=ticket, as_uri=platform.trust.issuer.rstrip("/"), error=error)


def authorize(
    platform: Platform, conn: Connection, bearer: str | None, event_uuid: str, scope: str
) -> tuple[Rpt, Row]:
    """The RPT and the event if the RPT grants ``scope`` on the event ``event_uuid``,
    else a :class:`UmaChallenge` (the same whether the event exists or not)."""
    ref = event_uuid_of(event_uuid)
    row = uma_store.event_with_resource(conn, ref)
    target = (ref, row)
    if not bearer:
        raise _challenge(platform, conn, target, scope, None, "An RPT is required.")
    try:
        rpt = platform.trust.tokens(conn, platform.now()).verify(bearer, now=platform.now())
    except ThreatmeshError as exc:
        raise _challenge(platform, conn, target, scope, "invalid_token", exc.message) from None
    rsid = row["event_rsid"] if row is not None else None
    if row is None or rsid is None or not rpt.allows(str(rsid), scope):
        why = f"The RPT does not grant {scope!r}."
        raise _challenge(platform, conn, target, scope, "insufficient_scope", why)
    return rpt, row


def owner_viewer(platform: Platform, conn: Connection, org_id: int) -> Viewer:
    """What the owner organisation's (non-admin) users see of its own events. Its
    sharing groups are cached as a requesting user's own are (``directory_fact``)."""
    groups = platform.directory_fact(
        ("readable_sharing_groups", org_id),
        lambda: directory.readable_sharing_groups(conn, org_id),
    )
    return Viewer(0, org_id, 0, False, groups, frozenset())


def read_event(platform: Platform, bearer: str | None, event_uuid: str) -> EventView:
    """``GET /uma/events/{uuid}``: the event as events/view shows it to its owner, for a
    requesting party whose RPT grants ``read``. Correlations and sightings are left
    out: they would show the requesting party other organisations' data."""
    with platform.read() as conn:
        _rpt, row = authorize(platform, conn, bearer, event_uuid, "read")
        event = reads.load_event(
            conn, owner_viewer(platform, conn, int(row["org_id"])), row, _PROTECTED_READ
        )
        reputation.decorate_event(platform, conn, event)
        return event


def _owned_target(conn: Connection, who: Identity, kind: str, ref: str) -> str:
    """Check that ``who``'s organisation may register ``kind``/``ref``; return the ref."""
    if kind == "event":
        # Only the creator organisation registers its events; any other event, visible
        # or not, answers as one that does not exist.
        row = event_row(conn, ref)
        if row is None or int(row["orgc_id"]) != who.viewer.org_id:
            raise NotFound(f"type event: no event {ref!r} created by your organisation")
        return str(row["uuid"])
    if kind == "sharing_group":
        # A group the organisation cannot read answers as one that does not exist.
        sg_id = uma_store.sharing_group_id(conn, ref.strip().lower())
        if sg_id is None or not (who.viewer.site_admin or sg_id in who.viewer.sharing_group_ids):
            raise NotFound(f"type sharing_group: no sharing group {ref!r}")
        return ref.strip().lower()
    if kind == "tag":
        if not ref.strip() or len(ref) > 255:
            raise InvalidInput("ref: a tag name of 1 to 255 characters")
        return ref.strip()
    raise InvalidInput(f"type: {kind!r} is not one of {', '.join(uma_store.KINDS)}")


def require_producer(who: Identity) -> None:
    """Only users who may change their organisation's events set its resources and policies."""
    if not who.viewer.can("perm_modify_org"):
        raise Forbidden("You need the permission to modify your organisation's events.")


def resource_json(row: Row) -> dict[str, Any]:
    """A resource description (Federated Authorization, section 3.1)."""
    return {
        "_id": row["resource_id"],
        "type": row["kind"],
        "ref": row["ref"],
        "name": row["name"],
        "resource_scopes": orjson.loads(row["scopes"]),
    }


def register_resource(
    platform: Platform, conn: Connection, who: Identity, kind: str, ref: str
) -> Row:
    """Register (or find) a resource of ``who``'s organisation."""
    require_producer(who)
    target = _owned_target(conn, who, kind, ref)
    return uma_store.ensure_resource(
        conn,
        owner_org_id=who.viewer.org_id,
        kind=kind,
        ref=target,
        name=f"{kind} {target}",
        scopes=EVENT_SCOPES,
        now=platform.now(),
    )


def add_resource(platform: Platform, who: Identity, body: Any) -> dict[str, Any]:
    """``POST /uma/resources``: ``{"type": "event"|"tag"|"sharing_group", "ref": ...}``."""
    if not isinstance(body, dict) or not isinstance(body.get("ref"), str):
        raise InvalidInput("resource: expected {'type': ..., 'ref': '<uuid or tag name>'}")
    with platform.write() as conn:
        row = register_resource(platform, conn, who, str(body.get("type", "")), body["ref"])
        return resource_json(row)


def list_resources(platform: Platform, who: Identity) -> list[dict[str, Any]]:
    """``GET /uma/resources``: the resources of the caller's organisation."""
    with platform.read() as conn:
        return [resource_json(r) for r in uma_store.resources_of(conn, who.viewer.org_id)]


def request_permission(platform: Platform, who: Identity, body: Any) -> str:
    """``POST /uma/permission`` (Federated Authorization, section 4): a ticket for
    ``{"resource_id", "resource_scopes"}`` on a resource of the caller's organisation."""
    items = body if isinstance(body, list) else [body]
    if len(items) != 1 or not isinstance(items[0], dict):
        raise InvalidInput("permission: one {'resource_id', 'resource_scopes'} per ticket here")
    item = items[0]
    scopes = item.get("resource_scopes")
    if not isinstance(scopes, list) or not scopes or not set(scopes) <= set(EVENT_SCOPES):
        raise InvalidInput(f"resource_scopes: a non-empty list of {', '.join(EVENT_SCOPES)}")
    with platform.write() as conn:
        resource = uma_store.resource_by_id(conn, str(item.get("resource_id", "")))
        if resource is None or int(resource["owner_org_id"]) != who.viewer.org_id:
            raise NotFound("resource_id: no such resource of your organisation")
        return new_ticket(platform, conn, str(resource["resource_id"]), [str(s) for s in scopes])
