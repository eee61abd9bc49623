"""``ThreatmeshClient``: the MISP REST API over httpx, one method per call we need."""

from __future__ import annotations

from typing import Any

import httpx

from threatmesh.model.errors import ThreatmeshError


class ClientError(ThreatmeshError):
    """The server answered with an error; ``status`` is its HTTP status."""

    def __init__(self, status: int, name: str, message: str) -> None:
        super().__init__(message, name=name)
        self.status = status


class ThreatmeshClient:
    """A client for ``url`` authenticated with API ``key``.

    ``transport`` lets tests (or an in-process app) replace the network.
    """

    def __init__(
        self,
        url: str,
        key: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": key, "Accept": "application/json"},
            transport=transport,
            timeout=timeout,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> ThreatmeshClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, *, json: Any = None) -> Any:
        """The one place that talks HTTP: send, raise :class:`ClientError` on an error
        status (with MISP's ``name``/``message``), return the decoded JSON body."""
        try:
            response = self._http.request(method, path, json=json)
        except httpx.TransportError as exc:
            raise ClientError(503, "Connection failed", f"{self.url}{path}: {exc}") from None
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            body = body if isinstance(body, dict) else {}
            raise ClientError(
                response.status_code,
                str(body.get("name") or response.reason_phrase),
                str(body.get("message") or response.text[:500]),
            )
        return response.json() if response.content else None

    # MISP endpoints

    def add_event(self, event: dict[str, Any]) -> dict[str, Any]:
        """``events/add``; answers the stored event."""
        out: dict[str, Any] = self.request("POST", "/events/add", json={"Event": event})["Event"]
        return out

    def get_event(self, ref: str | int) -> dict[str, Any]:
        """``events/view``."""
        out: dict[str, Any] = self.request("GET", f"/events/view/{ref}")["Event"]
        return out

    def add_attributes(self, event_ref: str | int, attrs: list[dict[str, Any]]) -> list[Any]:
        """``attributes/add`` of a list: the attributes saved (MISP answers a list of
        one with the attribute alone, and refuses those already in the event: none
        saved is MISP's 403 "Could not add Attribute")."""
        try:
            answer = self.request("POST", f"/attributes/add/{event_ref}", json=attrs)
        except ClientError as exc:
            if exc.status == 403 and exc.name == "Could not add Attribute":
                return []
            raise
        out = answer["Attribute"]
        return list(out) if isinstance(out, list) else [out]

    def add_object(self, event_ref: str | int, obj: dict[str, Any]) -> dict[str, Any]:
        """``objects/add``; answers the stored object."""
        out: dict[str, Any] = self.request(
            "POST", f"/objects/add/{event_ref}", json={"Object": obj}
        )["Object"]
        return out

    def search_attributes(self, **query: Any) -> list[dict[str, Any]]:
        """``attributes/restSearch``."""
        body = self.request("POST", "/attributes/restSearch", json=query)
        return list(body["response"]["Attribute"])

    # Key authority and blind-index keys

    def abe_public_key(self) -> dict[str, Any]:
        """``abe/public_key``: ``{"epoch", "public_key"}``."""
        out: dict[str, Any] = self.request("GET", "/abe/public_key")
        return out

    def abe_issue_key(self, x25519_public_key: str, epoch: int | None = None) -> dict[str, Any]:
        """``abe/keys``: a key of ``epoch`` (default: current) sealed to
        ``x25519_public_key`` (base64)."""
        body: dict[str, Any] = {"x25519_public_key": x25519_public_key}
        if epoch is not None:
            body["epoch"] = epoch
        out: dict[str, Any] = self.request("POST", "/abe/keys", json=body)
        return out

    def abe_revoke(self, user_ref: str | int) -> dict[str, Any]:
        """``abe/revoke``: revoke a user and roll the epoch (site admin)."""
        out: dict[str, Any] = self.request("POST", f"/abe/revoke/{user_ref}")
        return out

    def add_index_key(self, uuid: str, envelope: dict[str, Any]) -> dict[str, Any]:
        """``protected/index_keys``: store a blind-index key envelope."""
        body = {"uuid": uuid, "Protected": envelope}
        out: dict[str, Any] = self.request("POST", "/protected/index_keys", json=body)["IndexKey"]
        return out

    def index_key(self, uuid: str) -> dict[str, Any]:
        """A blind-index key envelope by UUID."""
        out: dict[str, Any] = self.request("GET", f"/protected/index_keys/{uuid}")["IndexKey"]
        return out
