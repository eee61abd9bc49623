"""The ``docker`` backend against the fake Docker Engine API: the container it asks for
(hardened, labelled, stdin open), its removal, and errors from the API."""

from __future__ import annotations

import pytest

from tests.deploy.fake_docker import fake_docker
from threatmesh.deploy.base import DecoySpec, DeployFailed
from threatmesh.deploy.docker import DockerBackend


def test_the_container_and_its_removal() -> None:
    with fake_docker() as api:
        backend = DockerBackend(record=lambda hit: None, url=api.url, image="tm:test")
        deployment = backend.start(DecoySpec("CVE-2018-10933", "ssh-01", port=0))
        (container,) = api.containers.values()
        config = container.config
        assert container.name == "threatmesh-decoy-ssh-01-cve-2018-10933"
        assert config["Image"] == "tm:test" and config["OpenStdin"] is True
        assert config["Cmd"][:3] == ["python", "-m", "threatmesh.sensors.decoys"]
        assert config["Labels"] == {"threatmesh.decoy.cve": "CVE-2018-10933",
                                    "threatmesh.decoy.host": "ssh-01"}  # fmt: skip
        host = config["HostConfig"]
        assert host["CapDrop"] == ["ALL"] and host["CapAdd"] == ["NET_BIND_SERVICE"]
        assert host["ReadonlyRootfs"] is True and host["Memory"] == 64 * 2**20
        assert list(config["ExposedPorts"]) == ["22/tcp"]  # the service's port inside
        assert deployment.port == int(container.host_port)
        assert backend.stop(deployment.spec.key) is True
        assert api.containers == {}
        backend.close()


def test_an_api_error_is_a_deploy_failure() -> None:
    with fake_docker() as api:
        backend = DockerBackend(record=lambda hit: None, url=api.url)
        spec = DecoySpec("CVE-2021-44228", "web-01")
        backend.start(spec)
        other = DockerBackend(record=lambda hit: None, url=api.url)  # another agent
        with pytest.raises(DeployFailed, match="409"):
            other.start(spec)
        other.close()
        backend.close()
    unreachable = DockerBackend(record=lambda hit: None, url=api.url)
    with pytest.raises(DeployFailed, match="Docker API"):
        unreachable.start(spec)
    unreachable.close()
