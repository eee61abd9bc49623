"""``pseudonymise``: keyed HMAC-SHA256 pseudonyms for emails, users, hosts, orgs, URLs.

The same input under the same policy key always gives the same pseudonym (so
correlation survives), and nothing about the input can be learnt without the key. Each
kind has its own HMAC purpose; a domain gets the same pseudonym whether it appears as
a host name, in an email address or in a URL.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import Field

from threatmesh.privacy.anonymizer import kinds
from threatmesh.privacy.anonymizer.technique import Context, StrictParams, Technique, register


class Params(StrictParams):
    """``keep_domain``: keep the registered domain (last two labels) of host names and
    the domain of emails; ``length``: hex characters of HMAC in a pseudonym."""

    keep_domain: bool = False
    length: int = Field(default=12, ge=8, le=64)


def pseudo_host(ctx: Context, host: str, p: Params) -> str:
    """The pseudonym of a host or domain name."""
    host = host.lower().rstrip(".")
    labels = host.split(".")
    if p.keep_domain and len(labels) > 2:
        domain = ".".join(labels[-2:])
        return f"h{ctx.mac('host', host)[: p.length]}.{domain}"
    if p.keep_domain and len(labels) == 2:
        return host
    return f"h{ctx.mac('host', host)[: p.length]}.invalid"


def pseudonym(ctx: Context, kind: str, value: str, p: Params) -> str:
    """The pseudonym of ``value`` of ``kind`` (see the module docstring)."""
    n = p.length
    if kind == kinds.HOSTNAME:
        return pseudo_host(ctx, value, p)
    if kind == kinds.EMAIL:
        local, _, domain = value.lower().rpartition("@")
        who = f"u{ctx.mac('email', value.lower())[:n]}"
        if not local:
            return f"{who}@invalid.invalid"
        return f"{who}@{domain if p.keep_domain else pseudo_host(ctx, domain, p)}"
    if kind == kinds.USERNAME:
        return f"user-{ctx.mac('user', value)[:n]}"
    if kind == kinds.ORG:
        return f"org-{ctx.mac('org', value)[:n]}"
    if kind == kinds.URL:
        parts = urlsplit(value if "://" in value else f"http://{value}")
        host = pseudo_host(ctx, parts.hostname or "", p) if parts.hostname else "invalid.invalid"
        return f"{parts.scheme or 'http'}://{host}/{ctx.mac('url', value)[:n]}"
    return ctx.mac("value", value)[: max(n, 16)]


@register
class Pseudonymise(Technique):
    """HMAC pseudonymisation under the policy's pseudonym key."""

    name = "pseudonymise"
    kinds = frozenset(
        {kinds.EMAIL, kinds.HOSTNAME, kinds.USERNAME, kinds.ORG, kinds.URL, kinds.VALUE}
    )
    Params = Params
    example: ClassVar[dict[str, Any]] = {"keep_domain": True}

    def value(self, value: str, kind: str) -> str | None:
        assert isinstance(self.params, Params)
        return pseudonym(self.ctx, kind, value, self.params)
