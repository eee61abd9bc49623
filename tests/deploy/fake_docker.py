"""A fake Docker Engine API on loopback, for the ``docker`` backend's tests on a machine
without Docker: the endpoints the backend calls, with a container "run" as a local
process of the command it names (``python`` is this interpreter; the container port is
published on a free loopback port), its stdout served as Docker's multiplexed logs."""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Container:
    id: str
    name: str
    config: dict[str, Any]
    process: subprocess.Popen[str] | None = None
    lines: list[bytes] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    host_port: str = ""
    done: bool = False

    def run(self) -> None:
        cmd = list(self.config["Cmd"])
        cmd[0] = sys.executable if cmd[0] == "python" else cmd[0]
        inside = cmd[cmd.index("--port") + 1]
        binding = self.config["HostConfig"]["PortBindings"][f"{inside}/tcp"][0]
        cmd[cmd.index("--port") + 1] = binding["HostPort"] or "0"
        cmd[cmd.index("--bind") + 1] = "127.0.0.1"
        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)  # fmt: skip
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            with self.changed:
                if not self.lines:  # the ready line: now the port is known
                    self.host_port = str(json.loads(line)["listening"])
                self.lines.append(line)
                self.changed.notify_all()
        self.process.stdout.close()
        with self.changed:
            self.done = True
            self.changed.notify_all()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=10)

    def inspect(self) -> dict[str, Any]:
        running = self.process is not None and self.process.poll() is None
        inside = next(iter(self.config["ExposedPorts"]))
        ports = {inside: [{"HostIp": "127.0.0.1", "HostPort": self.host_port}]}
        return {"Id": self.id, "Name": "/" + self.name, "State": {"Running": running},
                "NetworkSettings": {"Ports": ports if self.host_port else {}}}  # fmt: skip


class FakeDocker(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.containers: dict[str, Container] = {}
        self.requests: list[tuple[str, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def find(self, ref: str) -> Container | None:
        return self.containers.get(ref) or next(
            (c for c in self.containers.values() if c.name == ref), None
        )


class Handler(BaseHTTPRequestHandler):
    server: FakeDocker
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any = None) -> None:
        raw = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _route(self, method: str) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.requests.append((method, url.path))
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        if method == "POST" and url.path == "/containers/create":
            return self._create(query["name"], body)
        match = re.fullmatch(r"/containers/([^/]+)(/\w+)?", url.path)
        container = self.server.find(match.group(1)) if match else None
        if container is None:
            return self._send(404, {"message": f"No such container: {url.path}"})
        action = (match.group(2) or "") if match else ""
        if method == "POST" and action == "/start":
            container.run()
            return self._send(204)
        if method == "POST" and action == "/stop":
            container.stop()
            return self._send(204)
        if method == "GET" and action == "/json":
            return self._send(200, container.inspect())
        if method == "GET" and action == "/logs":
            return self._logs(container)
        if method == "DELETE" and not action:
            container.stop()
            del self.server.containers[container.id]
            return self._send(204)
        return self._send(404, {"message": "page not found"})

    def _create(self, name: str, config: dict[str, Any]) -> None:
        if self.server.find(name) is not None:
            return self._send(409, {"message": f'Conflict. The container name "/{name}" is in use'})
        container = Container(uuid.uuid4().hex, name, config)
        self.server.containers[container.id] = container
        return self._send(201, {"Id": container.id, "Warnings": []})

    def _logs(self, container: Container) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.docker.multiplexed-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        sent = 0
        while True:
            with container.changed:
                while len(container.lines) <= sent and not container.done:
                    container.changed.wait()
                fresh, done = container.lines[sent:], container.done
            for line in fresh:
                self.wfile.write(struct.pack(">BxxxI", 1, len(line)) + line)
                self.wfile.flush()
            sent += len(fresh)
            if done and sent == len(container.lines):
                return

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")


@contextmanager
def fake_docker() -> Iterator[FakeDocker]:
    """A fake Docker API serving in a thread; its containers stopped at the end."""
    server = FakeDocker()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        for container in list(server.containers.values()):
            container.stop()
        server.shutdown()
        server.server_close()
