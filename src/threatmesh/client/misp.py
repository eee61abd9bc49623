"""A small client for the MISP sync endpoints, with retries and backoff.

It speaks to MISP or threatmesh alike: ``servers/getVersion``, ``events/index``,
``events/view``, ``events/restSearch``, ``events/add/metadata:1``,
``events/edit/{uuid}/metadata:1``, ``events/filterEventIdsForPush``,
``sightings/filterSightingsForPush`` and ``sightings/bulkSaveSightings``. Transient
failures (connection errors, timeouts, 408/425/429/5xx) are retried with exponential
backoff; anything else raises :class:`RemoteError` at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx
import orjson

from threatmesh.model.errors import ThreatmeshError

#: HTTP statuses worth trying again: the remote is busy or briefly down.
TRANSIENT = frozenset({408, 425, 429, 500, 502, 503, 504})


class RemoteError(ThreatmeshError):
    """The remote instance refused a request or stayed unreachable."""

    status = 502
    name = "Remote server error"

    def __init__(self, message: str, *, remote_status: int | None = None) -> None:
        super().__init__(message)
        self.remote_status = remote_status


@dataclass(frozen=True, slots=True)
class Backoff:
    """Retry policy: ``attempts`` tries in all, waiting ``base * 2**n`` (at most
    ``cap``) seconds between them."""

    attempts: int = 5
    base: float = 0.25
    cap: float = 8.0
    sleep: Callable[[float], None] = field(default=time.sleep)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (0-based)."""
        return float(min(self.cap, self.base * 2**attempt))


class MispClient:
    """One remote instance, authenticated with the key of a sync user there."""

    def __init__(
        self,
        url: str,
        key: str,
        *,
        verify: bool = True,
        timeout: float = 120.0,
        backoff: Backoff | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.backoff = backoff or Backoff()
        self._http = httpx.Client(
            base_url=self.url,
            headers={
                "Authorization": key,
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": "threatmesh-sync",
            },
            verify=verify,
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> MispClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def request(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """Send one request, retrying transient failures; 2xx (and 404 for HEAD) pass."""
        content = None if body is None else orjson.dumps(body)
        for attempt in range(self.backoff.attempts):
            last = attempt == self.backoff.attempts - 1
            try:
                response = self._http.request(method, path, content=content)
            except httpx.TransportError as exc:
                if last:
                    raise RemoteError(f"{self.url}{path}: {exc.__class__.__name__}: {exc}") from exc
            else:
                if response.status_code < 400 or (method == "HEAD" and response.status_code == 404):
                    return response
                if response.status_code not in TRANSIENT or last:
                    raise RemoteError(
                        f"{self.url}{path} answered {response.status_code}: {_message(response)}",
                        remote_status=response.status_code,
                    )
            self.backoff.sleep(self.backoff.delay(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def json(self, method: str, path: str, body: Any = None) -> Any:
        """A request whose answer is JSON (MISP's top-level ``response`` unwrapped)."""
        response = self.request(method, path, body)
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise RemoteError(f"{self.url}{path}: the answer is not JSON") from None
        if isinstance(data, dict) and data.get("response") is not None:
            return data["response"]
        return data

    def version(self) -> dict[str, Any]:
        """``servers/getVersion``: the remote's version and our permissions there."""
        data = self.json("GET", "/servers/getVersion")
        if not isinstance(data, dict) or "version" not in data:
            raise RemoteError(f"{self.url}: servers/getVersion has no version")
        return data

    def alive(self) -> bool:
        """Whether the remote answers ``servers/getVersion``: after a request failed,
        tells a remote that is down from one that refused that request."""
        try:
            self.version()
        except RemoteError:
            return False
        return True

    def me(self) -> dict[str, Any]:
        """``users/view/me``: the sync user we act as, with its organisation."""
        data = self.json("GET", "/users/view/me")
        return data if isinstance(data, dict) else {}

    def event_index(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """``events/index``: event metadata matching ``filters``."""
        data = self.json("POST", "/events/index", filters)
        return [e.get("Event", e) for e in data] if isinstance(data, list) else []

    def event(self, ref: str) -> dict[str, Any]:
        """``events/view``: one full event, deleted content included (so deletions sync)."""
        data = self.json("GET", f"/events/view/{ref}/deleted[]:0/deleted[]:1/excludeGalaxy:1")
        if not isinstance(data, dict) or not isinstance(data.get("Event"), dict):
            raise RemoteError(f"{self.url}: events/view/{ref} is not an event")
        return dict(data["Event"])

    def events(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """``events/restSearch`` for several events by id at once (threatmesh peers)."""
        body = {"eventid": list(ids), "includeSightings": 1, "deleted": [0, 1], "published": 1}
        data = self.json("POST", "/events/restSearch", body)
        return [e["Event"] for e in data if isinstance(e, dict) and "Event" in e]

    def filter_for_push(self, events: Sequence[tuple[str, int]]) -> list[str]:
        """``events/filterEventIdsForPush``: which of (uuid, timestamp) the remote wants."""
        body = [{"Event": {"uuid": u, "timestamp": str(t)}} for u, t in events]
        data = self.json("POST", "/events/filterEventIdsForPush", body)
        return [str(u) for u in data] if isinstance(data, list) else []

    def push_event(self, event: dict[str, Any], *, exists: bool) -> dict[str, Any]:
        """``events/edit/{uuid}/metadata:1`` if the remote should have the event, else
        ``events/add/metadata:1``; when the guess was wrong (the remote answers 403,
        404 or 409, as MISP and threatmesh do), the other one."""
        paths = [f"/events/edit/{event['uuid']}/metadata:1", "/events/add/metadata:1"]
        first, second = paths if exists else paths[::-1]
        try:
            data = self.json("POST", first, {"Event": event})
        except RemoteError as exc:
            if exc.remote_status not in (403, 404, 409):
                raise
            data = self.json("POST", second, {"Event": event})
        return data if isinstance(data, dict) else {}

    def filter_sightings_for_push(self, uuids: Sequence[str]) -> list[str]:
        """``sightings/filterSightingsForPush``: which sighting UUIDs the remote lacks."""
        data = self.json("POST", "/sightings/filterSightingsForPush", list(uuids))
        return [str(u) for u in data] if isinstance(data, list) else []

    def push_sightings(self, event_uuid: str, sightings: Sequence[dict[str, Any]]) -> None:
        """``sightings/bulkSaveSightings/{event}``."""
        self.json("POST", f"/sightings/bulkSaveSightings/{event_uuid}", list(sightings))


def _message(response: httpx.Response) -> str:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text[:300]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("errors") or body.get("name") or body)[:300]
    return str(body)[:300]
