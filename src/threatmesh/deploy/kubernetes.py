"""The ``kubernetes`` backend: one Pod and one Service per decoy through the cluster's API
(the official client, the ``k8s`` extra), configured by a kubeconfig (its current
context, or ``context``; the namespace is the context's unless given) or from inside
the cluster (``in_cluster``).

The Pod runs the same ``python -m threatmesh.sensors.decoys`` as the local backend,
from an image with threatmesh installed, on the node named after the decoy's host
(``nodeSelector`` on ``node_label``, ``kubernetes.io/hostname`` by default), with the
decoy's expected cost (``honeypots.decoys.base.Cost``) as its resource requests and
twice that as its limits, hardened (every capability dropped but binding low ports, no
privilege escalation, a read-only root, no service account token), never restarted
(the reconcile loop decides), and with ``activeDeadlineSeconds`` past its TTL, so that
the kubelet ends a decoy whose agent is gone. Its log stream carries the ready line
and the interactions. A ``NodePort`` Service (``externalTrafficPolicy: Local``, so
the decoy is reached on its own host and sees the client's address) publishes it; a
spec with a port also takes that ``hostPort``, as the local backend listens on it.

Everything is labelled ``app.kubernetes.io/*`` and ``threatmesh.io/{cve,host,decoy}``
(exact host and CVE in annotations, as label values are restricted): ``running``
lists the pods of this backend's ``instance`` from the API, so an agent that restarts
finds, follows and tears down the decoys it left, and ``start`` replaces what it left
half done (names are per instance, host and CVE)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from threatmesh.deploy.base import BACKENDS, Backend, DecoySpec, DeployFailed, Deployment, Record
from threatmesh.honeypots.decoys.base import Cost
from threatmesh.honeypots.decoys.catalogue import decoy_for
from threatmesh.honeypots.decoys.records import Interaction
from threatmesh.model.errors import InvalidInput

__all__ = ["KubernetesBackend", "pod_name"]

log = logging.getLogger("threatmesh.deploy")
MODULE = "threatmesh.sensors.decoys"
LABEL = "threatmesh.io"
#: Seconds a pod outlives its TTL before the kubelet ends it (the agent stops it first).
DEADLINE_GRACE = 300


def pod_name(spec: DecoySpec, instance: str = "threatmesh") -> str:
    """The decoy's Pod and Service name: readable, a valid DNS label (at most 63
    characters), unique per instance, host and CVE through a hash of the three (so a
    pod of that name is this instance's, whatever state it was left in)."""
    key = f"{instance}\0{spec.host}\0{spec.cve}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    readable = re.sub(r"[^a-z0-9]+", "-", f"decoy-{spec.cve}-{spec.host}".lower())
    return f"{readable[:52].strip('-')}-{digest}"


def _label_value(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:63].strip("_.-") or "_"


def _quantities(cost: Cost, factor: int = 1) -> dict[str, str]:
    return {"cpu": f"{cost.cpu * factor}m", "memory": f"{cost.memory * factor // 2**20}Mi"}


@dataclass
class _Decoy:
    """A decoy pod this backend follows."""

    name: str
    spec: DecoySpec
    port: int
    started: float
    hits: int = 0
    ready: threading.Event = field(default_factory=threading.Event)
    stream: Any = None


class KubernetesBackend(Backend):
    """Decoy pods in ``namespace`` of the cluster a kubeconfig names."""

    name = "kubernetes"

    def __init__(
        self,
        *,
        record: Record,
        kubeconfig: str | None = None,
        context: str | None = None,
        in_cluster: bool = False,
        namespace: str | None = None,
        image: str = "threatmesh:latest",
        instance: str = "threatmesh",
        node_label: str = "kubernetes.io/hostname",
        start_timeout: float = 120.0,
        poll: float = 0.2,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.record, self.image, self.instance, self.clock = record, image, instance, clock
        self.node_label, self.start_timeout, self.poll = node_label, start_timeout, poll
        self._core, context_namespace = _connect(kubeconfig, context, in_cluster)
        self.namespace = namespace or context_namespace
        self._decoys: dict[tuple[str, str], _Decoy] = {}
        self._starting: set[tuple[str, str]] = set()  # not to be adopted meanwhile
        self._lock = threading.Lock()
        self._adopting = threading.Lock()

    def _call(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """One API call; its failures as DeployFailed with the API's status and message."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        try:
            return method(*args, **kwargs)
        except ApiException as exc:
            try:
                message = json.loads(exc.body or "{}").get("message", "")
            except ValueError:
                message = exc.reason or ""
            error = DeployFailed(f"Kubernetes API {what}: {exc.status} {message}".rstrip())
            error.status = int(exc.status or 500)
            raise error from None
        except (HTTPError, OSError) as exc:
            raise DeployFailed(f"Kubernetes API {what}: {exc}") from None

    def _labels(self, spec: DecoySpec, name: str) -> dict[str, str]:
        return {"app.kubernetes.io/name": "threatmesh-decoy",
                "app.kubernetes.io/managed-by": "threatmesh",
                "app.kubernetes.io/instance": _label_value(self.instance),
                f"{LABEL}/cve": _label_value(spec.cve), f"{LABEL}/host": _label_value(spec.host),
                f"{LABEL}/decoy": name}  # fmt: skip

    def _pod(self, spec: DecoySpec, name: str) -> dict[str, Any]:
        decoy = decoy_for(spec.cve)
        port: dict[str, Any] = {"name": "decoy", "containerPort": decoy.port, "protocol": "TCP"}
        if spec.port:
            port["hostPort"] = spec.port
        container = {
            "name": "decoy", "image": self.image, "imagePullPolicy": "IfNotPresent",
            "command": ["python", "-m", MODULE, "--cve", spec.cve, "--host", spec.host,
                        "--port", str(decoy.port), "--bind", "0.0.0.0"],
            "stdin": True,  # the decoy stops when its stdin closes: keep it open
            "ports": [port],
            "resources": {"requests": _quantities(decoy.cost),
                          "limits": _quantities(decoy.cost, 2)},
            "securityContext": {"allowPrivilegeEscalation": False,
                                "readOnlyRootFilesystem": True,
                                "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}},
        }  # fmt: skip
        annotations = {f"{LABEL}/cve": spec.cve, f"{LABEL}/host": spec.host}
        pod_spec: dict[str, Any] = {
            "containers": [container], "restartPolicy": "Never",
            "automountServiceAccountToken": False, "enableServiceLinks": False,
            "terminationGracePeriodSeconds": 5,
        }  # fmt: skip
        if self.node_label:
            pod_spec["nodeSelector"] = {self.node_label: spec.host}
        if spec.ttl is not None:
            pod_spec["activeDeadlineSeconds"] = spec.ttl + DEADLINE_GRACE
            annotations[f"{LABEL}/expires"] = str(int(self.clock()) + spec.ttl)
        return {"apiVersion": "v1", "kind": "Pod", "spec": pod_spec,
                "metadata": {"name": name, "labels": self._labels(spec, name),
                             "annotations": annotations}}  # fmt: skip

    def _service(self, spec: DecoySpec, name: str) -> dict[str, Any]:
        inside = decoy_for(spec.cve).port
        return {"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": name, "labels": self._labels(spec, name),
                             "annotations": {f"{LABEL}/cve": spec.cve, f"{LABEL}/host": spec.host}},
                "spec": {"type": "NodePort", "externalTrafficPolicy": "Local",
                         "selector": {f"{LABEL}/decoy": name},
                         "ports": [{"name": "decoy", "port": inside, "targetPort": inside,
                                    "protocol": "TCP"}]}}  # fmt: skip

    def start(self, spec: DecoySpec) -> Deployment:
        """Create the Pod and its Service; return once the decoy in it listens."""
        from kubernetes.client import V1Pod, V1Service

        current = self.running().get(spec.key)
        if current is not None:
            return current
        name = pod_name(spec, self.instance)
        self._remove(name)  # what an earlier agent left: a pending pod, a lone service
        pod = V1Pod.from_dict(self._pod(spec, name))
        with self._lock:
            self._starting.add(spec.key)
        try:
            self._call("create pod", self._core.create_namespaced_pod, self.namespace, pod)
        except DeployFailed:
            with self._lock:
                self._starting.discard(spec.key)
            raise
        try:
            self._wait_running(name, spec)
            service = V1Service.from_dict(self._service(spec, name))
            made = self._call("create service", self._core.create_namespaced_service,
                              self.namespace, service)  # fmt: skip
            port = spec.port or int(made.spec.ports[0].node_port)
            decoy = _Decoy(name, spec, port, self.clock())
            self._follow(decoy, tail=None)
            if not decoy.ready.wait(self.start_timeout):
                raise DeployFailed(f"{spec.cve} on {spec.host}: the decoy in pod {name} "
                                   "did not start listening")  # fmt: skip
        except DeployFailed:
            self._remove(name)
            raise
        finally:
            with self._lock:
                self._starting.discard(spec.key)
        with self._lock:
            self._decoys[spec.key] = decoy
        return Deployment(spec, port, decoy.started)

    def _wait_running(self, name: str, spec: DecoySpec) -> None:
        """Poll the pod until it runs; DeployFailed when it cannot be scheduled, ends,
        or is not running within ``start_timeout``."""
        deadline = time.monotonic() + self.start_timeout
        while True:
            pod = self._call("read pod", self._core.read_namespaced_pod, name, self.namespace)
            status = pod.status
            phase = status.phase if status else None
            if phase == "Running":
                return
            if phase in {"Failed", "Succeeded"}:
                raise DeployFailed(f"{spec.cve} on {spec.host}: pod {name} ended ({phase})")
            for condition in (status.conditions if status else None) or []:
                if condition.type == "PodScheduled" and condition.reason == "Unschedulable":
                    raise DeployFailed(f"{spec.cve} on {spec.host}: pod {name} cannot be "
                                       f"scheduled: {condition.message}")  # fmt: skip
            if time.monotonic() > deadline:
                raise DeployFailed(f"{spec.cve} on {spec.host}: pod {name} not running "
                                   f"after {self.start_timeout:.0f} s ({phase})")  # fmt: skip
            time.sleep(self.poll)

    def _follow(self, decoy: _Decoy, tail: int | None) -> None:
        """Open the pod's log stream (``tail`` 0: only what comes next) and read it in
        a thread: the ready line, then interactions."""
        decoy.stream = self._call(
            "pod log", self._core.read_namespaced_pod_log, decoy.name, self.namespace,
            container="decoy", follow=True, tail_lines=tail, _preload_content=False,
        )  # fmt: skip
        if tail == 0:
            decoy.ready.set()  # an adopted decoy listens already
        threading.Thread(target=self._read, args=(decoy,), daemon=True).start()

    def _read(self, decoy: _Decoy) -> None:
        from urllib3.exceptions import HTTPError

        pending = b""
        try:
            for chunk in decoy.stream.stream(amt=None, decode_content=False):
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    self._line(decoy, line.decode("utf-8", "replace"))
        except (HTTPError, OSError, ValueError):
            return  # the pod is gone, or the stream was closed: running() notices

    def _line(self, decoy: _Decoy, line: str) -> None:
        if '"listening"' in line:
            decoy.ready.set()
            return
        try:
            hit = Interaction.from_line(line)
        except InvalidInput:
            return
        decoy.hits += 1
        self.record(hit)

    def _remove(self, name: str) -> None:
        """Delete the decoy's Service, then its Pod (either may be gone already)."""
        for what, method in (("delete service", self._core.delete_namespaced_service),
                             ("delete pod", self._core.delete_namespaced_pod)):  # fmt: skip
            try:
                self._call(what, method, name, self.namespace, grace_period_seconds=5)
            except DeployFailed as exc:
                if exc.status != 404:
                    raise

    def stop(self, key: tuple[str, str]) -> bool:
        """Delete the decoy's Service and Pod; whether it was running."""
        running = self.running()
        with self._lock:
            decoy = self._decoys.pop(key, None)
        if key not in running:
            return False
        self._remove(decoy.name if decoy else pod_name(running[key].spec, self.instance))
        if decoy is not None and decoy.stream is not None:
            decoy.stream.release_conn()
        return True

    def running(self) -> dict[tuple[str, str], Deployment]:
        """This instance's decoy pods that run, from the API (one that ended is deleted;
        one left by an earlier agent is followed from now on)."""
        selector = (f"app.kubernetes.io/name=threatmesh-decoy,"
                    f"app.kubernetes.io/instance={_label_value(self.instance)}")  # fmt: skip
        listed = self._call("list pods", self._core.list_namespaced_pod, self.namespace,
                            label_selector=selector)  # fmt: skip
        out: dict[tuple[str, str], Deployment] = {}
        for pod in listed.items:
            notes = pod.metadata.annotations or {}
            spec = DecoySpec(notes.get(f"{LABEL}/cve", ""), notes.get(f"{LABEL}/host", ""))
            phase = pod.status.phase if pod.status else None
            if phase in {"Failed", "Succeeded"}:
                self._remove(pod.metadata.name)
            elif phase == "Running" and pod.metadata.deletion_timestamp is None:
                with self._lock:
                    if spec.key in self._starting:
                        continue
                decoy = self._known(spec.key, pod)
                out[spec.key] = Deployment(decoy.spec, decoy.port, decoy.started, decoy.hits)
        with self._lock:
            for key in [k for k in self._decoys if k not in out]:
                del self._decoys[key]
        return out

    def _known(self, key: tuple[str, str], pod: Any) -> _Decoy:
        """The followed decoy of a running pod, adopting one this backend did not start."""
        with self._adopting:
            with self._lock:
                decoy = self._decoys.get(key)
            return decoy if decoy is not None else self._adopt(key, pod)

    def _adopt(self, key: tuple[str, str], pod: Any) -> _Decoy:
        port = next(iter(pod.spec.containers[0].ports or []), None)
        host_port = int(port.host_port or 0) if port else 0
        if not host_port:
            service = self._call("read service", self._core.read_namespaced_service,
                                 pod.metadata.name, self.namespace)  # fmt: skip
            host_port = int(service.spec.ports[0].node_port)
        created = pod.metadata.creation_timestamp
        started = created.timestamp() if isinstance(created, dt.datetime) else self.clock()
        decoy = _Decoy(pod.metadata.name, DecoySpec(key[1], key[0], host_port), host_port,
                       started)  # fmt: skip
        self._follow(decoy, tail=0)
        with self._lock:
            self._decoys[key] = decoy
        return decoy

    def close(self) -> None:
        """Stop every decoy pod of this instance, then the API client (a cluster that
        cannot be reached leaves its pods to their deadline, and says so)."""
        try:
            super().close()
        except DeployFailed as exc:
            log.warning("decoy pods left to their deadline: %s", exc.message)
        finally:
            self._core.api_client.close()


def _connect(kubeconfig: str | None, context: str | None, in_cluster: bool) -> tuple[Any, str]:
    """The core/v1 API of the cluster, and the namespace its context names."""
    try:
        from kubernetes import client
        from kubernetes import config as kube_config
    except ImportError:  # pragma: no cover - the extra names what to install
        raise DeployFailed(
            "the kubernetes backend needs the kubernetes client: pip install 'threatmesh[k8s]'"
        ) from None
    config: Any = kube_config  # its loaders are untyped
    try:
        if in_cluster:
            configuration = client.Configuration()
            config.load_incluster_config(client_configuration=configuration)
            path = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
            with open(path, encoding="utf-8") as f:
                namespace = f.read().strip()
            return client.CoreV1Api(client.ApiClient(configuration)), namespace
        api = config.new_client_from_config(config_file=kubeconfig, context=context)
        contexts, active = config.list_kube_config_contexts(config_file=kubeconfig)
    except (config.ConfigException, OSError) as exc:
        raise DeployFailed(f"Kubernetes configuration: {exc}") from None
    chosen = next((c for c in contexts if c["name"] == context), active)
    return client.CoreV1Api(api), str(chosen["context"].get("namespace") or "default")


BACKENDS.register(KubernetesBackend.name, KubernetesBackend)
