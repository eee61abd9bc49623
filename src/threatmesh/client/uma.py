"""A UMA-aware HTTP client: the UMA 2.0 grant done transparently.

A request answered ``401`` with ``WWW-Authenticate: UMA ... as_uri=..., ticket=...`` is
followed by the grant: the authorization server's token endpoint (found in its
``/.well-known/uma2-configuration``) gets the ticket, the requesting party's threatmesh
API key and any claims given to the client; the RPT it returns is cached until it
expires and the request is retried with it once. Denials raise :class:`UmaDenied`,
a demand for claims the client does not have raises :class:`UmaNeedInfo`.

    with UmaClient("https://tm.example", api_key, claims={"purpose": "incident-response"}) as c:
        event = c.get("/uma/events/<uuid>").json()["Event"]
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from threatmesh.model.errors import Forbidden, ThreatmeshError

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:uma-ticket"
CLAIM_TOKEN_FORMAT = "urn:threatmesh:params:oauth:claim-token-format:json"
_PARAM = re.compile(r'(\w+)="([^"]*)"')
_MARGIN = 5  # seconds: an RPT this close to expiry is not reused


class UmaError(ThreatmeshError):
    """The UMA grant failed; ``error`` is the authorization server's error code."""

    status = 401

    def __init__(self, message: str, *, error: str, body: Mapping[str, Any] | None = None) -> None:
        super().__init__(message, name=error)
        self.error = error
        self.body = dict(body or {})


class UmaDenied(UmaError, Forbidden):
    """``request_denied``: the producer's policies do not grant the access."""

    status = 403


class UmaNeedInfo(UmaError, Forbidden):
    """``need_info``: the policy asks for claims this client was not given."""

    status = 403

    @property
    def required_claims(self) -> list[str]:
        """Names of the claims the authorization server asked for."""
        return [str(c.get("name")) for c in self.body.get("required_claims", [])]


def parse_challenge(header: str) -> dict[str, str] | None:
    """The parameters of a ``WWW-Authenticate: UMA ...`` value, or None if it is not UMA."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.upper() != "UMA":
        return None
    params = dict(_PARAM.findall(rest))
    return params if "ticket" in params and "as_uri" in params else None


def claim_token(claims: Mapping[str, str]) -> str:
    """Claims as the server's JSON claim-token format (base64url, no padding)."""
    raw = json.dumps(dict(claims), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class UmaClient:
    """An ``httpx.Client`` wrapper for resources protected by UMA 2.0."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        claims: Mapping[str, str] | None = None,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api_key = api_key
        self.claims = dict(claims or {})
        self.http = client or httpx.Client(base_url=base_url, timeout=60)
        self.clock = clock
        self._rpts: dict[str, tuple[str, float]] = {}
        self._config: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> UmaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying HTTP client."""
        self.http.close()

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """``GET url`` with the UMA dance when needed."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """``POST url`` with the UMA dance when needed."""
        return self.request("POST", url, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send the request with the cached RPT for ``url``; on a UMA challenge get an
        RPT for its ticket and retry once."""
        response = self._send(method, url, self._cached(url), **kwargs)
        challenge = parse_challenge(response.headers.get("www-authenticate", ""))
        if response.status_code != 401 or challenge is None:
            return response
        rpt, expires = self._token(challenge)
        with self._lock:
            self._rpts[url] = (rpt, expires)
        return self._send(method, url, rpt, **kwargs)

    def _send(self, method: str, url: str, rpt: str | None, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("Accept", "application/json")
        if rpt:
            headers["Authorization"] = f"Bearer {rpt}"
        return self.http.request(method, url, headers=headers, **kwargs)

    def _cached(self, url: str) -> str | None:
        with self._lock:
            hit = self._rpts.get(url)
        if hit is not None and hit[1] - _MARGIN > self.clock():
            return hit[0]
        return None

    def configuration(self, as_uri: str) -> dict[str, Any]:
        """The authorization server's UMA metadata (fetched once)."""
        if as_uri not in self._config:
            r = self.http.get(f"{as_uri.rstrip('/')}/.well-known/uma2-configuration")
            r.raise_for_status()
            self._config[as_uri] = r.json()
        return self._config[as_uri]

    def _token(self, challenge: dict[str, str]) -> tuple[str, float]:
        endpoint = self.configuration(challenge["as_uri"])["token_endpoint"]
        form = {"grant_type": GRANT_TYPE, "ticket": challenge["ticket"]}
        if self.claims:
            form.update(claim_token=claim_token(self.claims), claim_token_format=CLAIM_TOKEN_FORMAT)
        r = self.http.post(endpoint, data=form, headers={"Authorization": self.api_key})
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        if r.status_code == 200 and "access_token" in body:
            return str(body["access_token"]), self.clock() + float(body.get("expires_in", 0))
        error = str(body.get("error") or body.get("name") or f"HTTP {r.status_code}")
        message = str(body.get("error_description") or body.get("message") or error)
        kind = {"request_denied": UmaDenied, "need_info": UmaNeedInfo}.get(error, UmaError)
        raise kind(message, error=error, body=body)
