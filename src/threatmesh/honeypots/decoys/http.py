"""HTTP/1.1 framing shared by the web decoys: a request read from the bytes received
(headers, then a body of ``Content-Length``), an emulation's answer written back with
the product's ``Server`` header; one request per connection."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from threatmesh.honeypots.decoys.base import MAX_REQUEST, Step

__all__ = ["HttpEmulation", "HttpSession", "Request", "Response", "http_probe"]

_REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            422: "Unprocessable Entity", 500: "Internal Server Error"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request as the client sent it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        """The target's path, still percent-encoded (traversals hide there)."""
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        """The target's query string, raw."""
        return self.target.partition("?")[2]

    def text(self) -> str:
        """Target, header values and body decoded (percent-encoding twice, as servers
        that decode twice would), for pattern matching."""
        raw = " ".join([self.target, *self.headers.values(), self.body.decode("latin-1")])
        return urllib.parse.unquote(urllib.parse.unquote(raw.replace("+", " ")))


@dataclass(frozen=True, slots=True)
class Response:
    """What the emulated server answers."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=UTF-8"


@dataclass(frozen=True, slots=True)
class HttpEmulation:
    """A web decoy: its ``Server`` header, its exploit detector and its answers."""

    server: str
    detect: Callable[[Request], bool]
    answer: Callable[[Request, bool], Response]


def _parse(raw: bytes) -> Request | None:
    """The request in ``raw`` once complete (None while more is to come)."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    method, target = (parts[0], parts[1]) if len(parts) >= 2 else ("GET", "/")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length", "0").strip()
    wanted = int(length) if length.isdigit() else 0
    if len(body) < min(wanted, MAX_REQUEST):
        return None
    return Request(method, target, headers, body)


def _render(server: str, response: Response) -> bytes:
    reason = _REASONS.get(response.status, "OK")
    headers = {"Server": server, "Content-Type": response.content_type,
               "Content-Length": str(len(response.body)), "Connection": "close",
               **response.headers}  # fmt: skip
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items() if v)
    return f"HTTP/1.1 {response.status} {reason}\r\n{head}\r\n".encode("latin-1") + response.body


class HttpSession:
    """One connection to a web decoy."""

    def __init__(self, emulation: HttpEmulation) -> None:
        self.emulation = emulation
        self._buffer = b""

    def opening(self) -> bytes:
        """HTTP servers wait for the client."""
        return b""

    def receive(self, data: bytes) -> Step:
        """Answer once the request is complete (400 for what is not HTTP)."""
        self._buffer += data
        if not self._buffer[:16].split(b" ", 1)[0].isalpha():
            return Step(_render(self.emulation.server, Response(400, b"Bad Request")), True)
        request = _parse(self._buffer)
        if request is None:
            return Step()
        exploit = self.emulation.detect(request)
        reply = _render(self.emulation.server, self.emulation.answer(request, exploit))
        return Step(reply, done=True, exploit=exploit)


def http_probe(method: str, target: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """An exploit request as its public proof of concept sends it."""
    lines = [f"{method} {target} HTTP/1.1", "Host: target", "User-Agent: probe/1.0"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
