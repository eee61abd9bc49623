"""One conformance suite for every registered deployment backend: start (idempotent),
running, a hit reaching the record callback and counted, stop, close."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.deploy.fake_docker import fake_docker
from tests.deploy.fake_kubernetes import fake_kubernetes
from tests.deploy.fake_ssh import PASSWORD, fake_ssh
from threatmesh.deploy.base import BACKENDS, Backend, DecoySpec, Deployment, create
from threatmesh.deploy.memory import MemoryBackend
from threatmesh.honeypots.decoys.catalogue import decoy_for
from threatmesh.honeypots.decoys.records import Interaction
from threatmesh.model.errors import NotFound

CVE = "CVE-2019-15107"
create("memory", record=lambda hit: None)  # loads every built-in backend


@pytest.fixture(params=sorted(BACKENDS))
def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Backend, list[Interaction]]]:
    hits: list[Interaction] = []
    with ExitStack() as stack:
        options: dict[str, object] = {}
        if request.param == "docker":  # no Docker daemon here: its API, faked on loopback
            options["url"] = stack.enter_context(fake_docker()).url
        if request.param == "ssh":  # no remote host here: an SSH server on loopback
            server = stack.enter_context(fake_ssh())
            options.update(host="127.0.0.1", port=server.port, password=PASSWORD,
                           trust_unknown_host=True)  # fmt: skip
        if request.param == "kubernetes":  # no cluster here: its API, faked on loopback
            cluster = stack.enter_context(fake_kubernetes())
            options["kubeconfig"] = str(cluster.kubeconfig(tmp_path))
        made = create(request.param, record=hits.append, **options)
        yield made, hits
        made.close()


async def _probe(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(decoy_for(CVE).probe[0])
    await writer.drain()
    await asyncio.wait_for(reader.read(), 10)
    writer.close()


def _hit(backend: Backend, deployment: Deployment) -> None:
    if isinstance(backend, MemoryBackend):
        backend.deliver(Interaction(CVE, "web-01", deployment.port, "192.0.2.7", 5555, 1,
                                    b"probe", True))  # fmt: skip
    else:
        asyncio.run(_probe(deployment.port))


def test_the_backends_are_registered() -> None:
    assert {"memory", "local", "docker", "ssh", "kubernetes"} <= set(BACKENDS)


def test_conformance(backend: tuple[Backend, list[Interaction]]) -> None:
    made, hits = backend
    spec = DecoySpec(CVE, "web-01", port=0)
    deployment = made.start(spec)
    assert deployment.spec == spec and deployment.port > 0
    assert made.start(spec) == deployment  # already running: the same one
    assert list(made.running()) == [("web-01", CVE)]
    _hit(made, deployment)
    deadline = time.monotonic() + 30
    while not hits or made.running()[spec.key].hits < 1:  # the record arrives on its own
        assert time.monotonic() < deadline, "the hit never arrived"
        time.sleep(0.02)
    assert (hits[0].cve, hits[0].host, hits[0].exploit) == (CVE, "web-01", True)
    assert made.running()[spec.key].hits == 1
    other = made.start(DecoySpec("CVE-2021-44228", "web-01"))
    assert other.port != deployment.port and len(made.running()) == 2
    assert made.stop(spec.key) is True and made.stop(spec.key) is False
    assert list(made.running()) == [("web-01", "CVE-2021-44228")]
    made.close()
    assert made.running() == {}


def test_an_unknown_cve_is_refused(backend: tuple[Backend, list[Interaction]]) -> None:
    with pytest.raises(NotFound, match="CVE-1999-0001"):
        backend[0].start(DecoySpec("CVE-1999-0001", "web-01"))
