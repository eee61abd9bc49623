"""The ``kubernetes`` backend, with the official client, against the fake API server
(tests/deploy/fake_kubernetes.py) through a kubeconfig: the Pod and Service it asks
for, scheduling on the decoy's host, the TTL deadline, an agent restarting and
adopting its decoys, a pod that dies, and the API's errors."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import pytest

from tests.deploy.fake_kubernetes import NAME, FakeKubernetes, fake_kubernetes
from threatmesh.deploy.base import DecoySpec, DeployFailed
from threatmesh.deploy.kubernetes import KubernetesBackend, pod_name
from threatmesh.honeypots.decoys.catalogue import decoy_for
from threatmesh.honeypots.decoys.records import Interaction

CVE = "CVE-2021-41773"


def _backend(
    api: FakeKubernetes, tmp_path: Path, hits: list[Interaction] | None = None, **options: str
) -> KubernetesBackend:
    record = (hits if hits is not None else []).append
    return KubernetesBackend(record=record, kubeconfig=str(api.kubeconfig(tmp_path)), **options)


def _probe(port: int) -> bytes:
    async def go() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(decoy_for(CVE).probe[0])
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        return answer

    return asyncio.run(go())


def _wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_the_pod_and_service_it_asks_for(tmp_path: Path) -> None:
    with fake_kubernetes() as api:
        backend = _backend(api, tmp_path, image="tm:test")
        assert backend.namespace == "decoys"  # the kubeconfig context's
        spec = DecoySpec(CVE, "web-01", ttl=600)
        deployment = backend.start(spec)
        name = pod_name(spec)
        assert NAME.fullmatch(name) and len(name) <= 63
        pod = api.pods[("decoys", name)].body
        labels = pod["metadata"]["labels"]
        assert labels["threatmesh.io/cve"] == CVE and labels["threatmesh.io/host"] == "web-01"
        assert labels["app.kubernetes.io/managed-by"] == "threatmesh"
        assert pod["metadata"]["annotations"]["threatmesh.io/host"] == "web-01"
        assert pod["spec"]["nodeSelector"] == {"kubernetes.io/hostname": "web-01"}
        assert pod["spec"]["nodeName"] == "web-01" and pod["spec"]["restartPolicy"] == "Never"
        assert pod["spec"]["activeDeadlineSeconds"] == 600 + 300
        assert pod["spec"]["automountServiceAccountToken"] is False
        (container,) = pod["spec"]["containers"]
        assert container["image"] == "tm:test" and container["stdin"] is True
        assert container["command"][:3] == ["python", "-m", "threatmesh.sensors.decoys"]
        assert container["resources"] == {"requests": {"cpu": "50m", "memory": "32Mi"},
                                          "limits": {"cpu": "100m", "memory": "64Mi"}}  # fmt: skip
        security = container["securityContext"]
        assert security["capabilities"] == {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert container["ports"] == [{"name": "decoy", "containerPort": 80, "protocol": "TCP"}]
        service = api.services[("decoys", name)]
        assert service["spec"]["type"] == "NodePort"
        assert service["spec"]["externalTrafficPolicy"] == "Local"
        assert service["spec"]["selector"] == {"threatmesh.io/decoy": name}
        assert deployment.port == service["spec"]["ports"][0]["nodePort"]
        assert b"root:x:0:0" in _probe(deployment.port)  # through the NodePort
        assert backend.stop(spec.key) is True
        assert api.pods == {} and api.services == {}
        backend.close()


def test_a_host_port_and_a_host_without_a_node(tmp_path: Path) -> None:
    with fake_kubernetes() as api:
        backend = _backend(api, tmp_path)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            free = s.getsockname()[1]
        deployment = backend.start(DecoySpec(CVE, "web-01", port=free))
        container = next(iter(api.pods.values())).container
        assert container["ports"][0]["hostPort"] == free and deployment.port == free
        assert b"root:x:0:0" in _probe(free)  # the decoy answers on its host's port
        with pytest.raises(DeployFailed, match="cannot be scheduled: 0/2 nodes"):
            backend.start(DecoySpec(CVE, "db-07"))  # no node of that name
        assert [k[1] for k in api.pods] == [pod_name(DecoySpec(CVE, "web-01"))]
        assert [k[1] for k in api.services] == [pod_name(DecoySpec(CVE, "web-01"))]
        backend.close()
        assert api.pods == {}


def test_a_restarted_agent_adopts_its_decoys(tmp_path: Path) -> None:
    with fake_kubernetes() as api:
        first: list[Interaction] = []
        before = _backend(api, tmp_path, hits=first)
        spec = DecoySpec(CVE, "web-01")
        deployment = before.start(spec)
        _probe(deployment.port)
        _wait_for(lambda: len(first) == 1, "the first agent's hit never arrived")
        # The agent is gone without stopping its decoys; the next one finds them.
        before._core.api_client.close()
        later: list[Interaction] = []
        after = _backend(api, tmp_path, hits=later)
        other = _backend(api, tmp_path, instance="elsewhere")
        assert other.running() == {}  # another instance's pods are not its own
        (found,) = after.running().values()
        assert found.spec.key == spec.key and found.port == deployment.port and found.hits == 0
        _probe(deployment.port)
        _wait_for(lambda: after.running()[spec.key].hits == 1, "the adopted decoy's hit")
        assert len(later) == 1  # the hit from before was not replayed
        mine = other.start(spec)  # another instance: a pod of its own
        assert len(api.pods) == 2 and list(after.running()) == list(other.running())
        after.close()
        assert list(other.running().values()) == [mine]
        other.close()
        assert api.pods == {} and api.services == {}


def test_what_an_earlier_agent_left_is_replaced(tmp_path: Path) -> None:
    with fake_kubernetes() as api:
        backend = _backend(api, tmp_path)
        spec = DecoySpec(CVE, "web-01")
        name = pod_name(spec)
        stuck = backend._pod(spec, name)  # a pod of this instance, never scheduled
        stuck["spec"]["nodeSelector"] = {"kubernetes.io/hostname": "gone"}
        backend._core.create_namespaced_pod("decoys", stuck)
        backend._core.create_namespaced_service("decoys", backend._service(spec, name))
        assert backend.running() == {}  # pending: not running
        deployment = backend.start(spec)
        assert api.pods[("decoys", name)].body["spec"]["nodeName"] == "web-01"
        assert b"root:x:0:0" in _probe(deployment.port)
        backend.close()


def test_a_dead_pod_is_dropped(tmp_path: Path) -> None:
    with fake_kubernetes() as api:
        backend = _backend(api, tmp_path)
        spec = DecoySpec(CVE, "web-01")
        backend.start(spec)
        pod = next(iter(api.pods.values()))
        assert pod.process is not None
        pod.process.kill()
        pod.process.wait()
        assert backend.running() == {}  # Failed: deleted with its service
        assert api.pods == {} and api.services == {}
        assert backend.stop(spec.key) is False
        backend.close()


def test_api_errors_are_deploy_failures(tmp_path: Path) -> None:
    with fake_kubernetes() as api:
        config = api.kubeconfig(tmp_path)
        config.write_text(config.read_text().replace("fake-cluster-token", "wrong"))
        backend = KubernetesBackend(record=lambda hit: None, kubeconfig=str(config))
        with pytest.raises(DeployFailed, match="401 Unauthorized"):
            backend.start(DecoySpec(CVE, "web-01"))
        backend.close()
        unreachable = _backend(api, tmp_path)
    with pytest.raises(DeployFailed, match="Kubernetes API list pods"):
        unreachable.running()
    unreachable.close()  # the pods are left to their deadline (logged), the client closed
    with pytest.raises(DeployFailed, match="Kubernetes configuration"):
        KubernetesBackend(record=lambda hit: None, kubeconfig=str(tmp_path / "missing"))
