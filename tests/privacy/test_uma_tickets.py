"""Permission tickets: signed, short-lived, never interchangeable with RPTs."""

from __future__ import annotations

import base64
import json

import pytest
from joserfc import jwt

from threatmesh.privacy.authz.tickets import InvalidTicket, Ticket, TicketService
from threatmesh.privacy.authz.tokens import InvalidToken, Permission, TokenService, new_key

KEY = new_key()
TICKETS = TicketService(KEY, "https://tm.example")
RPTS = TokenService(KEY, "https://tm.example", "https://tm.example/uma")


def test_issue_and_verify() -> None:
    text = TICKETS.issue(resource_id="r1", scopes=["read", "read"], now=1000, ttl=300)
    assert TICKETS.verify(text, now=1299) == Ticket("r1", frozenset({"read"}), 1300)


def test_every_ticket_is_distinct() -> None:
    # Single use is enforced by hash: two tickets for the same request must differ.
    a, b = (TICKETS.issue(resource_id="r1", scopes=["read"], now=1000, ttl=300) for _ in "ab")
    assert a != b


@pytest.mark.parametrize(
    ("service", "now"),
    [
        (TICKETS, 1300),  # expired
        (TicketService(KEY, "https://other.example"), 1010),  # another issuer
        (TicketService(new_key(), TICKETS.issuer), 1010),  # another key
    ],
)
def test_refused(service: TicketService, now: int) -> None:
    text = TICKETS.issue(resource_id="r1", scopes=["read"], now=1000, ttl=300)
    with pytest.raises(InvalidTicket, match="unknown, used or expired"):
        service.verify(text, now=now)


def test_tampered_ticket_is_refused() -> None:
    head, body, sig = TICKETS.issue(resource_id="r1", scopes=["read"], now=1000, ttl=300).split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["resource_scopes"] = ["read", "read:protected"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidTicket):
        TICKETS.verify(f"{head}.{forged}.{sig}", now=1010)


def test_rpt_is_not_a_ticket_and_ticket_is_not_an_rpt() -> None:
    rpt, _ = RPTS.issue(subject="7", permissions=[Permission("r1", frozenset({"read"}))],
                        now=1000, ttl=60)  # fmt: skip
    with pytest.raises(InvalidTicket):
        TICKETS.verify(rpt, now=1010)
    ticket = TICKETS.issue(resource_id="r1", scopes=["read"], now=1000, ttl=300)
    with pytest.raises(InvalidToken):
        RPTS.verify(ticket, now=1010)


def test_right_audience_but_not_typed_as_ticket_is_refused() -> None:
    claims = {"iss": TICKETS.issuer, "aud": TICKETS.audience, "iat": 1000, "exp": 1300,
              "jti": "x", "resource_id": "r1", "resource_scopes": ["read"]}  # fmt: skip
    plain = jwt.encode({"alg": "ES256", "typ": "JWT"}, claims, KEY, algorithms=["ES256"])
    with pytest.raises(InvalidTicket):
        TICKETS.verify(plain, now=1010)
