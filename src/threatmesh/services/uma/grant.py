"""UMA 2.0, authorization-server side: the token endpoint of the UMA grant.

The client posts ``grant_type=urn:ietf:params:oauth:grant-type:uma-ticket`` with the
permission ticket (and optionally pushed claims, a previous RPT to upgrade, extra
``scope``), authenticated as the requesting party by its threatmesh API key. The
producer's policies on the resource (and on the collections the event belongs to)
are evaluated; the answer is an RPT, or an error of UMA 2.0 Grant section 3.3.6:
``invalid_grant`` (unknown, used or expired ticket), ``need_info`` (a policy needs a
claim that was not pushed), ``request_denied``. A genuine ticket for a resource that
is not registered (the challenge for an event that does not exist) is denied and used
up exactly as a ticket for an event no policy opens to the party.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from threatmesh.model.errors import ThreatmeshError
from threatmesh.privacy.authz.policy import EVENT_SCOPES, Decision, Party, Policy, decide
from threatmesh.privacy.authz.tickets import REFUSED, InvalidTicket
from threatmesh.privacy.authz.tokens import Permission, Rpt
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import log as provenance
from threatmesh.services.provenance import reputation
from threatmesh.services.uma.resources import CLAIM_TOKEN_FORMAT, GRANT_TYPE, ticket_hash
from threatmesh.storage.core.database import Connection
from threatmesh.storage.directory import records as directory
from threatmesh.storage.uma import store as uma_store

#: A redeemable ticket joined with its resource (``_live_ticket``).
TicketFacts = Mapping[str, Any]


class GrantError(ThreatmeshError):
    """An OAuth/UMA error answer of the token endpoint (``{"error": ...}``)."""

    def __init__(
        self, error: str, status: int, description: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description, name=error)
        self.status = status
        self.error = error
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        """The JSON body: OAuth's ``error``/``error_description`` (plus UMA's extras)."""
        return {"error": self.error, "error_description": self.message, **self.extra}


@dataclass
class _Outcome:
    decision: Decision
    used: bool = False
    token: dict[str, Any] = field(default_factory=dict)


def _claims(form: dict[str, str]) -> dict[str, str]:
    token = form.get("claim_token")
    if not token:
        return {}
    if form.get("claim_token_format") != CLAIM_TOKEN_FORMAT:
        raise GrantError(
            "invalid_request", 400, f"claim_token_format: only {CLAIM_TOKEN_FORMAT} is supported"
        )
    try:
        data = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        data = None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise GrantError(
            "invalid_request", 400, "claim_token: base64url of a JSON object of strings"
        )
    return {str(k): v for k, v in data.items()}


def _requested(ticket: TicketFacts, form: dict[str, str]) -> frozenset[str]:
    extra = set(form.get("scope", "").split())
    if extra - set(EVENT_SCOPES):
        bad = ", ".join(sorted(extra - set(EVENT_SCOPES)))
        raise GrantError("invalid_scope", 400, f"scope: unknown scope(s) {bad}")
    return frozenset(orjson.loads(ticket["scopes"])) | extra


def _party(platform: Platform, conn: Connection, who: Identity, claims: dict[str, str]) -> Party:
    org_id, role_id = who.viewer.org_id, who.viewer.role_id
    row = platform.directory_fact(
        ("org_and_role", org_id, role_id), lambda: directory.org_and_role(conn, org_id, role_id)
    )
    assert row is not None  # an authenticated user has both
    return Party(
        org_uuid=str(row["uuid"]),
        org_name=str(row["name"]),
        sector=str(row["sector"]),
        country=str(row["nationality"]),
        role=str(row["role_name"]),
        trust=reputation.trust_level(platform, conn, who.viewer.org_id),
        claims=claims,
    )


def _policies(conn: Connection, ticket: TicketFacts) -> list[Policy]:
    """Policies on the ticket's resource and on the owner's collections containing it."""
    if ticket["kind"] == "event":
        rows = uma_store.policies_for_event(
            conn,
            resource_pk=int(ticket["resource_id"]),
            owner_org_id=int(ticket["owner_org_id"]),
            event_uuid=str(ticket["ref"]),
        )
    else:
        rows = uma_store.policies_on(conn, [int(ticket["resource_id"])])
    return [_policy(p["rule"]) for p in rows]


@functools.lru_cache(maxsize=1024)
def _policy(rule: str) -> Policy:
    """A stored rule, parsed. Cached by its text, not by policy: the parse is a pure
    function of the text and a Policy is immutable, so a changed or deleted policy is
    simply a text that is no longer read. Every grant reads the same few rules again."""
    return Policy.from_json(orjson.loads(rule))


def _previous(
    platform: Platform, conn: Connection, who: Identity, rpt: str | None
) -> list[Permission]:
    """The permissions of an RPT being upgraded (ignored unless valid and the caller's)."""
    if not rpt:
        return []
    try:
        old = platform.trust.tokens(conn, platform.now()).verify(rpt, now=platform.now())
    except ThreatmeshError:
        return []
    return list(old.permissions) if old.subject == str(who.viewer.user_id) else []


def _record_grant(
    platform: Platform, conn: Connection, who: Identity, ticket: TicketFacts, party: Party, rpt: Rpt
) -> None:
    """The provenance record of an RPT issued (under the event's UUID for an event)."""
    subject = str(ticket["ref"]) if ticket["kind"] == "event" else str(ticket["rsid"])
    payload = {
        "resource_id": str(ticket["rsid"]),
        "resource_type": str(ticket["kind"]),
        "resource_ref": str(ticket["ref"]),
        "scopes": sorted(rpt.permissions[0].scopes),
        "party_org_uuid": party.org_uuid,
        "party_user_id": who.viewer.user_id,
        "rpt_jti": rpt.token_id,
        "expires": rpt.expires,
    }
    provenance.append(platform, conn, kind=provenance.GRANT, subject=subject, payload=payload)


def _live_ticket(platform: Platform, conn: Connection, text: str) -> dict[str, Any]:
    """The ticket's facts joined with its resource, if genuine, current and unredeemed
    (``resource_id`` None: its resource is not registered)."""
    try:
        ticket = platform.trust.tickets(conn, platform.now()).verify(text, now=platform.now())
    except InvalidTicket as exc:
        raise GrantError("invalid_grant", 400, exc.message) from None
    resource = uma_store.unredeemed_resource(conn, ticket.resource_id, ticket_hash(text))
    if resource is None:
        if uma_store.redeemed(conn, ticket_hash(text)):
            raise GrantError("invalid_grant", 400, REFUSED)
        return {
            "resource_id": None,
            "rsid": ticket.resource_id,
            "owner_org_id": None,
            "kind": "event",
            "ref": "",
            "scopes": orjson.dumps(sorted(ticket.scopes)).decode(),
            "expires": ticket.expires,
        }
    return {
        "resource_id": int(resource["id"]),
        "rsid": str(resource["resource_id"]),
        "owner_org_id": int(resource["owner_org_id"]),
        "kind": str(resource["kind"]),
        "ref": str(resource["ref"]),
        "scopes": orjson.dumps(sorted(ticket.scopes)).decode(),
        "expires": ticket.expires,
    }


def _grant(
    platform: Platform, conn: Connection, who: Identity, ticket: TicketFacts, form: dict[str, str]
) -> _Outcome:
    requested = _requested(ticket, form)
    party = _party(platform, conn, who, _claims(form))
    if ticket["resource_id"] is None:
        decision = Decision(frozenset())  # nothing is there: nobody is granted
    elif int(ticket["owner_org_id"]) == who.viewer.org_id:
        decision = Decision(requested)  # the producer always reaches its own resources
    else:
        decision = decide(_policies(conn, ticket), party, requested)
    if not decision.granted and decision.required_claims:
        return _Outcome(decision)  # need_info: the ticket stays usable
    pk = ticket["resource_id"]
    redeemed = uma_store.redeem_ticket(
        conn,
        ticket_hash=ticket_hash(form["ticket"]),
        resource_pk=None if pk is None else int(pk),
        scopes=sorted(requested),
        expires=int(ticket["expires"]),
    )
    if not redeemed:
        return _Outcome(decision, used=True)
    if not decision.granted:
        return _Outcome(decision)
    previous = _previous(platform, conn, who, form.get("rpt"))
    permissions = [Permission(str(ticket["rsid"]), decision.granted), *previous]
    service = platform.trust.tokens(conn, platform.now())
    token, rpt = service.issue(
        subject=str(who.viewer.user_id),
        permissions=permissions,
        now=platform.now(),
        ttl=platform.trust.rpt_ttl,
    )
    _record_grant(platform, conn, who, ticket, party, rpt)
    body = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": platform.trust.rpt_ttl,
        "upgraded": bool(previous),
    }
    return _Outcome(decision, token=body)


def token(platform: Platform, who: Identity, form: dict[str, str]) -> dict[str, Any]:
    """``POST /uma/token``: an RPT for the ticket, or a :class:`GrantError`."""
    if form.get("grant_type") != GRANT_TYPE:
        raise GrantError("unsupported_grant_type", 400, f"grant_type: only {GRANT_TYPE}")
    if not form.get("ticket"):
        raise GrantError("invalid_request", 400, "ticket: the permission ticket is required")
    with platform.write() as conn:
        ticket = _live_ticket(platform, conn, form["ticket"])
        outcome = _grant(platform, conn, who, ticket, form)
        if platform.trust.purge_due():
            uma_store.purge_tickets(conn, platform.now())
    if outcome.used:
        raise GrantError("invalid_grant", 400, REFUSED)
    if outcome.token:
        return outcome.token
    if outcome.decision.required_claims:
        needed = [
            {"name": n, "claim_token_format": [CLAIM_TOKEN_FORMAT]}
            for n in sorted(outcome.decision.required_claims)
        ]
        extra = {"ticket": form["ticket"], "required_claims": needed}
        raise GrantError("need_info", 403, "The policy needs more claims.", extra)
    raise GrantError("request_denied", 403, "The producer's policies do not grant this.")
