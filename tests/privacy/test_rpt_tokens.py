"""RPTs: signed, time-bound, for one issuer and audience."""

from __future__ import annotations

import pytest

from threatmesh.privacy.authz.tokens import (
    InvalidToken,
    Permission,
    TokenService,
    key_from_json,
    key_to_json,
    new_key,
    public_jwks,
)

KEY = new_key()
SERVICE = TokenService(KEY, "https://tm.example", "https://tm.example/uma")
READ = [Permission("r1", frozenset({"read"}))]


def test_issue_and_verify() -> None:
    token, issued = SERVICE.issue(subject="7", permissions=READ, now=1000, ttl=60)
    rpt = SERVICE.verify(token, now=1030)
    assert rpt == issued and rpt.allows("r1", "read")
    assert not rpt.allows("r1", "read:protected") and not rpt.allows("r2", "read")
    stored = TokenService(key_from_json(key_to_json(KEY)), SERVICE.issuer, SERVICE.audience)
    assert stored.verify(token, now=1030).subject == "7"


@pytest.mark.parametrize(
    ("service", "now", "why"),
    [
        (SERVICE, 1061, "expired"),
        (TokenService(KEY, SERVICE.issuer, "https://other.example/uma"), 1030, "aud"),
        (TokenService(KEY, "https://other.example", SERVICE.audience), 1030, "iss"),
        (TokenService(new_key(), SERVICE.issuer, SERVICE.audience), 1030, "bad_signature"),
    ],
)
def test_refused(service: TokenService, now: int, why: str) -> None:
    token, _ = SERVICE.issue(subject="7", permissions=READ, now=1000, ttl=60)
    with pytest.raises(InvalidToken, match=why):
        service.verify(token, now=now)


def test_garbage_and_public_keys() -> None:
    with pytest.raises(InvalidToken):
        SERVICE.verify("a.b.c", now=0)
    (entry,) = public_jwks([KEY])["keys"]
    assert "d" not in entry and entry["alg"] == "ES256" and entry["kid"] == KEY.kid
