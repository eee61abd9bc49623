"""A fake Kubernetes API server on loopback, for the ``kubernetes`` backend's tests on a
machine without a cluster: the core/v1 endpoints the backend calls (pods: create, read,
list by label selector, delete, log with ``follow``; services: create, read, delete),
with Kubernetes' JSON shapes (objects, lists, ``Status`` errors with their reasons),
bearer-token authentication, name and label validation, and state.

A pod whose ``nodeSelector`` names a node the fake does not have stays ``Pending`` with
``PodScheduled: False, Unschedulable``; one that fits "runs" as a local process of its
container's command (``python`` is this interpreter, listening on a free loopback port,
or on its ``hostPort``), its stdout served as the container's log. A ``NodePort``
service gets a free loopback port (the real range 30000-32767 is not free to bind
here) forwarded to the pod its selector picks, as kube-proxy would."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

TOKEN = "fake-cluster-token"
NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")  # RFC 1123 label, as pods and services
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}  # fmt: skip


@dataclass
class Pod:
    body: dict[str, Any]
    process: subprocess.Popen[bytes] | None = None
    lines: list[bytes] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    port: int = 0  # where the process listens
    done: bool = False

    @property
    def container(self) -> dict[str, Any]:
        return dict(self.body["spec"]["containers"][0])

    def run(self) -> None:
        cmd = list(self.container["command"])
        cmd[0] = sys.executable if cmd[0] == "python" else cmd[0]
        host_port = self.container["ports"][0].get("hostPort", 0)
        cmd[cmd.index("--port") + 1] = str(host_port)
        cmd[cmd.index("--bind") + 1] = "127.0.0.1"
        # Without ``stdin: true`` a container's stdin is empty: the decoy would stop at once.
        stdin = subprocess.PIPE if self.container.get("stdin") else subprocess.DEVNULL
        self.process = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)  # fmt: skip
        threading.Thread(target=self._pump, daemon=True).start()
        self.body["status"] = {"phase": "Running", "startTime": _now(), "podIP": "127.0.0.1",
                               "conditions": [{"type": "Ready", "status": "True"}]}  # fmt: skip

    def _pump(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            with self.changed:
                if not self.lines:
                    self.port = int(json.loads(line)["listening"])
                self.lines.append(line)
                self.changed.notify_all()
        self.process.stdout.close()
        with self.changed:
            self.done = True
            self.changed.notify_all()

    def phase(self) -> dict[str, Any]:
        """The pod as the API returns it (a process that ended: Succeeded or Failed)."""
        if self.process is not None and self.process.poll() is not None:
            code = self.process.returncode
            self.body["status"]["phase"] = "Succeeded" if code == 0 else "Failed"
        return self.body

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM, as the kubelet
            self.process.wait(timeout=10)
        if self.process is not None and self.process.stdin is not None:
            self.process.stdin.close()


@dataclass
class Forward:
    """A NodePort: a loopback listener relaying each connection to a pod's port."""

    listener: socket.socket
    target: Any  # () -> the port to relay to (0: no ready endpoint)

    def serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        port = self.target()
        try:
            upstream = socket.create_connection(("127.0.0.1", port), timeout=10) if port else None
        except OSError:
            upstream = None
        if upstream is None:
            client.close()
            return
        threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()
        _pipe(client, upstream)


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with suppress(OSError):
        sink.shutdown(socket.SHUT_WR)
    with suppress(OSError):
        source.close()


class FakeKubernetes(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, nodes: tuple[str, ...]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.nodes = nodes
        self.pods: dict[tuple[str, str], Pod] = {}
        self.services: dict[tuple[str, str], dict[str, Any]] = {}
        self.forwards: dict[tuple[str, str], Forward] = {}
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def kubeconfig(self, directory: Path, namespace: str = "decoys") -> Path:
        """A kubeconfig file whose current context is this server, with its token."""
        config = {
            "apiVersion": "v1", "kind": "Config", "current-context": "fake",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "agent", "user": {"token": TOKEN}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "agent",
                                                      "namespace": namespace}}],
        }  # fmt: skip
        path = directory / "kubeconfig"
        path.write_text(json.dumps(config))  # JSON is YAML
        return path

    def endpoint(self, namespace: str, selector: dict[str, str]) -> int:
        """The port of a running pod the selector picks (0: none)."""
        with self.lock:
            for (ns, _), pod in self.pods.items():
                labels = pod.body["metadata"].get("labels", {})
                if ns == namespace and selector.items() <= labels.items() and pod.port:
                    return pod.port
        return 0


def _selected(labels: dict[str, str], selector: str) -> bool:
    pairs = [p.split("=", 1) for p in selector.split(",") if p]
    return all(labels.get(k) == v for k, v in pairs)


class Handler(BaseHTTPRequestHandler):
    server: FakeKubernetes
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, code: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _fail(self, code: int, reason: str, message: str) -> None:
        self._send(code, _status(code, reason, message))

    def _route(self, method: str) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.requests.append((method, url.path))
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._fail(401, "Unauthorized", "Unauthorized")
        match = re.fullmatch(r"/api/v1/namespaces/([^/]+)/(pods|services)(?:/([^/]+))?(/log)?",
                             url.path)  # fmt: skip
        if match is None:
            return self._fail(404, "NotFound", f"the server could not find {url.path}")
        namespace, kind, name, log = match.groups()
        if name is None and method == "POST":
            return self._create(namespace, kind, body)
        if name is None and method == "GET":
            return self._list(namespace, kind, query.get("labelSelector", ""))
        key = (namespace, name)
        store: dict[Any, Any] = self.server.pods if kind == "pods" else self.server.services
        if key not in store:
            return self._fail(404, "NotFound", f'{kind} "{name}" not found')
        if log and method == "GET":
            return self._log(store[key], int(query.get("tailLines", -1)), query.get("follow"))
        if method == "GET":
            return self._send(200, store[key].phase() if kind == "pods" else store[key])
        if method == "DELETE":
            return self._delete(kind, key)
        return self._fail(405, "MethodNotAllowed", method)

    def _create(self, namespace: str, kind: str, body: dict[str, Any]) -> None:
        meta = body.setdefault("metadata", {})
        name = str(meta.get("name", ""))
        if not NAME.fullmatch(name) or len(name) > 63:
            return self._fail(422, "Invalid", f"metadata.name: Invalid value: {name!r}")
        for value in meta.get("labels", {}).values():
            if not LABEL_VALUE.fullmatch(value) or len(value) > 63:
                return self._fail(422, "Invalid", f"metadata.labels: Invalid value: {value!r}")
        key = (namespace, name)
        if key in (self.server.pods if kind == "pods" else self.server.services):
            return self._fail(409, "AlreadyExists", f'{kind} "{name}" already exists')
        meta.update(namespace=namespace, uid=str(uuid.uuid4()), creationTimestamp=_now(),
                    resourceVersion="1")  # fmt: skip
        if kind == "pods":
            return self._send(201, self._schedule(key, body))
        return self._send(201, self._expose(key, body))

    def _schedule(self, key: tuple[str, str], body: dict[str, Any]) -> dict[str, Any]:
        pod = Pod(body)
        wanted = body["spec"].get("nodeSelector", {}).get("kubernetes.io/hostname")
        if wanted is not None and wanted not in self.server.nodes:
            body["status"] = {"phase": "Pending", "conditions": [{
                "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                "message": f"0/{len(self.server.nodes)} nodes are available: "
                           f"{len(self.server.nodes)} node(s) didn't match Pod's node "
                           "affinity/selector."}]}  # fmt: skip
        else:
            body["spec"]["nodeName"] = wanted or self.server.nodes[0]
            pod.run()
        with self.server.lock:
            self.server.pods[key] = pod
        return pod.body

    def _expose(self, key: tuple[str, str], body: dict[str, Any]) -> dict[str, Any]:
        spec = body["spec"]
        spec["clusterIP"] = "10.96.0.10"
        if spec.get("type") == "NodePort":
            port = spec["ports"][0]
            listener = socket.create_server(("127.0.0.1", int(port.get("nodePort") or 0)))
            port["nodePort"] = listener.getsockname()[1]
            selector = dict(spec.get("selector", {}))
            forward = Forward(listener, lambda: self.server.endpoint(key[0], selector))
            threading.Thread(target=forward.serve, daemon=True).start()
            self.server.forwards[key] = forward
        self.server.services[key] = body
        return body

    def _list(self, namespace: str, kind: str, selector: str) -> None:
        if kind == "pods":
            items = [p.phase() for (ns, _), p in list(self.server.pods.items()) if ns == namespace]
        else:
            items = [s for (ns, _), s in self.server.services.items() if ns == namespace]
        items = [i for i in items if _selected(i["metadata"].get("labels", {}), selector)]
        kind_name = "PodList" if kind == "pods" else "ServiceList"
        self._send(200, {"kind": kind_name, "apiVersion": "v1",
                         "metadata": {"resourceVersion": "1"}, "items": items})  # fmt: skip

    def _delete(self, kind: str, key: tuple[str, str]) -> None:
        if kind == "pods":
            with self.server.lock:
                pod = self.server.pods.pop(key)
            pod.stop()
            pod.body["metadata"]["deletionTimestamp"] = _now()
            return self._send(200, pod.body)
        service = self.server.services.pop(key)
        forward = self.server.forwards.pop(key, None)
        if forward is not None:
            forward.listener.close()
        service["metadata"]["deletionTimestamp"] = _now()
        return self._send(200, service)  # the Service deleted, as the API returns it

    def _log(self, pod: Pod, tail: int, follow: str | None) -> None:
        if pod.process is None:
            name = pod.body["metadata"]["name"]
            return self._fail(400, "BadRequest", f'container "decoy" in pod "{name}" is '
                                                 "waiting to start: ContainerCreating")  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        with pod.changed:
            sent = len(pod.lines) - tail if 0 <= tail <= len(pod.lines) else 0
        while True:
            with pod.changed:
                while follow == "true" and len(pod.lines) <= sent and not pod.done:
                    pod.changed.wait()
                fresh, done = pod.lines[sent:], pod.done or follow != "true"
            with suppress(OSError):
                for line in fresh:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                self.wfile.flush()
            sent += len(fresh)
            if done and sent >= len(pod.lines):
                with suppress(OSError):
                    self.wfile.write(b"0\r\n\r\n")
                return

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")


@contextmanager
def fake_kubernetes(nodes: tuple[str, ...] = ("web-01", "ssh-01")) -> Iterator[FakeKubernetes]:
    """A fake API server in a thread, with these nodes; its pods stopped at the end."""
    server = FakeKubernetes(nodes)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        for pod in list(server.pods.values()):
            pod.stop()
        for forward in server.forwards.values():
            forward.listener.close()
        server.shutdown()
        server.server_close()
