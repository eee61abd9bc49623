"""Requesting party tokens (RPTs): short-lived JWTs signed with ES256 (``joserfc``).

An RPT's claims are the registered JWT ones (``iss``, ``aud``, ``sub``, ``iat``,
``nbf``, ``exp``, ``jti``) plus ``permissions``, a list of ``{"resource_id",
"resource_scopes", "exp"}`` as in UMA 2.0 Federated Authorization's token
introspection. The resource server accepts a token only with a valid signature by a
key it trusts, from the right issuer, for its audience, inside its validity window.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet
from joserfc.jwt import ClaimsOption, JWTClaimsRegistry

from threatmesh.model.errors import ThreatmeshError

ALGORITHM = "ES256"


class InvalidToken(ThreatmeshError):
    """An RPT that is malformed, forged, expired or meant for someone else."""

    status = 401
    name = "invalid_token"


@dataclass(frozen=True, slots=True)
class Permission:
    """Scopes granted on one resource."""

    resource_id: str
    scopes: frozenset[str]

    def as_claim(self, exp: int) -> dict[str, Any]:
        """The entry of the ``permissions`` claim."""
        return {"resource_id": self.resource_id, "resource_scopes": sorted(self.scopes), "exp": exp}


@dataclass(frozen=True, slots=True)
class Rpt:
    """A verified RPT."""

    subject: str
    token_id: str
    expires: int
    permissions: tuple[Permission, ...]

    def allows(self, resource_id: str, scope: str) -> bool:
        """Whether the token grants ``scope`` on ``resource_id``."""
        return any(p.resource_id == resource_id and scope in p.scopes for p in self.permissions)


def new_key() -> ECKey:
    """A fresh P-256 signing key, its ``kid`` set to its RFC 7638 thumbprint."""
    return ECKey.generate_key("P-256", auto_kid=True)


def key_to_json(key: ECKey) -> str:
    """The private key as a JWK JSON string (for storage)."""
    return json.dumps(key.as_dict(private=True), sort_keys=True)


def key_from_json(text: str) -> ECKey:
    """A key stored by :func:`key_to_json`."""
    return ECKey.import_key(json.loads(text))


def public_jwks(keys: Sequence[ECKey]) -> dict[str, Any]:
    """The JWK set clients and resource servers fetch from ``jwks_uri``."""
    public = KeySet([ECKey.import_key(k.as_dict(private=False)) for k in keys])
    entries = [dict(e) | {"use": "sig", "alg": ALGORITHM} for e in public.as_dict()["keys"]]
    return {"keys": entries}


@dataclass(frozen=True, slots=True)
class TokenService:
    """Issues and checks RPTs for one issuer and one resource-server audience."""

    key: ECKey
    issuer: str
    audience: str

    def issue(
        self, *, subject: str, permissions: Sequence[Permission], now: int, ttl: int
    ) -> tuple[str, Rpt]:
        """A signed RPT valid from ``now`` for ``ttl`` seconds."""
        exp = now + ttl
        jti = secrets.token_urlsafe(16)
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": exp,
            "jti": jti,
            "permissions": [p.as_claim(exp) for p in permissions],
        }
        header = {"alg": ALGORITHM, "kid": self.key.kid, "typ": "JWT"}
        token = jwt.encode(header, claims, self.key, algorithms=[ALGORITHM])
        return token, Rpt(subject, jti, exp, tuple(permissions))

    def verify(self, token: str, *, now: int) -> Rpt:
        """The RPT ``token`` if it is genuine and current, else :class:`InvalidToken`."""
        try:
            decoded = decode_checked(
                token, self.key, now=now, issuer=self.issuer, audience=self.audience,
                required=("exp", "sub", "jti"),
            )  # fmt: skip
        except (JoseError, ValueError) as exc:
            raise InvalidToken(f"The RPT is not valid: {exc}") from None
        return Rpt(
            str(decoded.claims["sub"]),
            str(decoded.claims["jti"]),
            int(decoded.claims["exp"]),
            _permissions(decoded.claims.get("permissions")),
        )


def decode_checked(
    token: str, key: ECKey, *, now: int, issuer: str, audience: str, required: Sequence[str]
) -> jwt.Token:
    """An ES256 JWT signed by ``key``, for ``issuer`` and ``audience``, inside its validity
    window at ``now``, with the ``required`` claims; raises ``JoseError`` or
    ``ValueError`` saying what failed. Shared by RPTs and permission tickets."""
    decoded = jwt.decode(token, key, algorithms=[ALGORITHM])
    options: dict[str, ClaimsOption] = {claim: {"essential": True} for claim in required}
    options |= {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": audience},
    }
    registry = JWTClaimsRegistry(now=now, leeway=0, **options)
    registry.validate(decoded.claims)
    return decoded


def _permissions(value: Any) -> tuple[Permission, ...]:
    if not isinstance(value, list):
        raise InvalidToken("The RPT carries no permissions.")
    out = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("resource_id"), str):
            raise InvalidToken("The RPT's permissions are malformed.")
        scopes = item.get("resource_scopes") or []
        out.append(Permission(item["resource_id"], frozenset(str(s) for s in scopes)))
    return tuple(out)
