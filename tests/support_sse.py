"""Test support: a Server-Sent Events reader over httpx, in a thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson


@dataclass
class Frame:
    """One SSE frame."""

    id: int
    event: str
    data: dict[str, Any]


@dataclass
class SSEReader:
    """Reads ``GET url`` as an event stream until ``count`` frames or ``timeout``."""

    url: str
    key: str
    count: int
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 20.0
    frames: list[Frame] = field(default_factory=list)
    connected: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    #: The client side's port of the connection (to tell which worker serves it).
    client_port: int = 0

    def start(self) -> SSEReader:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self.connected.wait(self.timeout):
            raise RuntimeError(f"the stream did not open: {self.error!r}")
        return self

    def _run(self) -> None:
        headers = {"Authorization": self.key, **self.headers}
        try:
            with httpx.stream(
                "GET",
                self.url + "/stream/events",
                params=self.params,
                headers=headers,
                timeout=httpx.Timeout(self.timeout),
            ) as response:
                response.raise_for_status()
                stream = response.extensions["network_stream"]
                self.client_port = int(stream.get_extra_info("client_addr")[1])
                self._read(response)
        except BaseException as exc:  # reported by join()
            self.error = exc
            self.connected.set()

    def _read(self, response: httpx.Response) -> None:
        fields: dict[str, str] = {}
        for line in response.iter_lines():
            if line.startswith(":"):
                self.connected.set()  # the server's opening comment
            elif line == "":
                if "data" in fields:
                    self.frames.append(
                        Frame(int(fields["id"]), fields["event"], orjson.loads(fields["data"]))
                    )
                    if len(self.frames) >= self.count:
                        return
                fields = {}
            else:
                name, _, value = line.partition(": ")
                fields[name] = value

    def ended(self, timeout: float) -> bool:
        """Whether the server closed the stream within ``timeout`` seconds."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def join(self) -> list[Frame]:
        """Wait for the reader to finish; its frames."""
        self._thread.join(self.timeout + 5)
        if self.error is not None and len(self.frames) < self.count:
            raise AssertionError(f"stream failed after {len(self.frames)} frames: {self.error!r}")
        return self.frames
