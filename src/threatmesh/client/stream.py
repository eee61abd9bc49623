"""A subscriber of threatmesh's live event stream (``GET /stream/events``, Server-Sent
Events): frames as ``(id, topic, data)``, resuming after the last id seen when the
connection drops. (MISP itself publishes the same topics over ZeroMQ; a MISP without
this endpoint needs its ZeroMQ feed bridged.)"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

__all__ = ["StreamFrame", "Subscription"]


@dataclass(frozen=True, slots=True)
class StreamFrame:
    """One notification: its id, topic and decoded JSON body."""

    id: int
    topic: str
    data: Any


def _frames(response: httpx.Response) -> Iterator[StreamFrame]:
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if line.startswith(":"):
            continue
        if line == "":
            if "data" in fields and fields.get("id", "").isdigit():
                yield StreamFrame(int(fields["id"]), fields.get("event", ""),
                                  orjson.loads(fields["data"]))  # fmt: skip
            fields = {}
            continue
        name, _, value = line.partition(":")
        fields[name] = value.removeprefix(" ")


class Subscription:
    """Frames of ``topics`` from the server at ``url`` until ``stop`` is set (or
    :meth:`close`), starting after notification ``after`` (None: from now on),
    reconnecting after ``retry`` seconds with the last id seen. ``opened`` is set once
    the first connection is up."""

    def __init__(
        self,
        url: str,
        key: str,
        *,
        topics: tuple[str, ...],
        stop: threading.Event,
        after: int | None = None,
        retry: float = 1.0,
    ) -> None:
        self.url, self.key, self.topics, self.stop = url.rstrip("/"), key, topics, stop
        self.position, self.retry = after, retry
        self.opened = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(10.0, read=30.0))
        self._response: httpx.Response | None = None

    def close(self) -> None:
        """Stop, and cut the connection under way (from any thread): shutting its socket
        down wakes the reader blocked on it."""
        self.stop.set()
        response = self._response
        stream = response.extensions.get("network_stream") if response is not None else None
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._client.close()

    def __iter__(self) -> Iterator[StreamFrame]:
        while not self.stop.is_set():
            headers = {"Authorization": self.key, "Accept": "text/event-stream"}
            if self.position is not None:
                headers["Last-Event-ID"] = str(self.position)
            try:
                params = {"topics": ",".join(self.topics)}
                url = self.url + "/stream/events"
                with self._client.stream("GET", url, headers=headers, params=params) as response:
                    response.raise_for_status()
                    self._response = response
                    self.opened.set()
                    for frame in _frames(response):
                        self.position = frame.id
                        yield frame
            except (httpx.HTTPError, RuntimeError):
                pass  # dropped, refused, idle too long or closed: reconnect unless stopped
            self.stop.wait(self.retry)
