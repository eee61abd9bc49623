"""UMA permission tickets as signed, self-contained JWTs (as Keycloak issues them).

A ticket names one resource and the scopes asked for, and expires quickly. Because it
is signed (ES256 with the authorization server's key) it needs no database row until
it is redeemed: the 401 challenge that hands it out writes nothing, and the token
endpoint keeps tickets single-use by recording the hash of each redeemed one.

A ticket is never mistaken for an RPT, nor an RPT for a ticket: tickets carry their
own ``typ`` (``uma-ticket+jwt``) and audience (the token endpoint), both checked, and
no ``permissions``; RPTs are for the resource server's audience.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from threatmesh.model.errors import ThreatmeshError
from threatmesh.privacy.authz.tokens import ALGORITHM, decode_checked

TICKET_TYPE = "uma-ticket+jwt"
#: Why any ticket is refused: a caller learns nothing about which check failed.
REFUSED = "The ticket is unknown, used or expired."


class InvalidTicket(ThreatmeshError):
    """A ticket that is malformed, forged, expired or not a ticket at all."""

    status = 400
    name = "invalid_grant"


@dataclass(frozen=True, slots=True)
class Ticket:
    """A verified permission ticket: scopes requested on one resource."""

    resource_id: str
    scopes: frozenset[str]
    expires: int


@dataclass(frozen=True, slots=True)
class TicketService:
    """Issues and checks the permission tickets of one authorization server."""

    key: ECKey
    issuer: str

    @property
    def audience(self) -> str:
        """Who redeems tickets: the token endpoint."""
        return self.issuer.rstrip("/") + "/uma/token"

    def issue(self, *, resource_id: str, scopes: Iterable[str], now: int, ttl: int) -> str:
        """A ticket for ``scopes`` on ``resource_id``, valid from ``now`` for ``ttl`` s."""
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + ttl,
            # Random, so two tickets for the same request differ (single use is by hash).
            "jti": secrets.token_urlsafe(16),
            "resource_id": resource_id,
            "resource_scopes": sorted(set(scopes)),
        }
        header = {"alg": ALGORITHM, "kid": self.key.kid, "typ": TICKET_TYPE}
        return jwt.encode(header, claims, self.key, algorithms=[ALGORITHM])

    def verify(self, ticket: str, *, now: int) -> Ticket:
        """The ticket if genuine, current and a ticket, else :class:`InvalidTicket`."""
        try:
            decoded = decode_checked(
                ticket, self.key, now=now, issuer=self.issuer, audience=self.audience,
                required=("exp", "jti"),
            )  # fmt: skip
        except (JoseError, ValueError):
            raise InvalidTicket(REFUSED) from None
        resource, scopes = decoded.claims.get("resource_id"), decoded.claims.get("resource_scopes")
        if decoded.header.get("typ") != TICKET_TYPE or not isinstance(resource, str):
            raise InvalidTicket(REFUSED)
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise InvalidTicket(REFUSED)
        return Ticket(resource, frozenset(scopes), int(decoded.claims["exp"]))
