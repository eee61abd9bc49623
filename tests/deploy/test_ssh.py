"""The ``ssh`` backend against a fake SSH server: the command it runs, and the host key
and credentials it insists on."""

from __future__ import annotations

import pytest

from tests.deploy.fake_ssh import PASSWORD, fake_ssh
from threatmesh.deploy.base import DecoySpec, DeployFailed
from threatmesh.deploy.ssh import SshBackend


def test_the_remote_command() -> None:
    with fake_ssh() as server:
        backend = SshBackend(record=lambda hit: None, host="127.0.0.1", port=server.port,
                             password=PASSWORD, trust_unknown_host=True)  # fmt: skip
        deployment = backend.start(DecoySpec("CVE-2023-46604", "mq-01", bind="127.0.0.1"))
        (command,) = server.commands
        assert command[1:] == ["-m", "threatmesh.sensors.decoys", "--cve", "CVE-2023-46604",
                               "--host", "mq-01", "--port", "0", "--bind", "127.0.0.1"]  # fmt: skip
        assert deployment.port > 0
        backend.close()
        assert server.processes[0].wait(timeout=10) == 0  # EOF stopped it


def test_an_unknown_host_key_or_a_wrong_password_is_refused() -> None:
    with fake_ssh() as server:
        spec = DecoySpec("CVE-2023-46604", "mq-01")
        strict = SshBackend(record=lambda hit: None, host="127.0.0.1", port=server.port,
                            password=PASSWORD)  # fmt: skip
        with pytest.raises(DeployFailed, match=r"ssh 127\.0\.0\.1"):
            strict.start(spec)
        wrong = SshBackend(record=lambda hit: None, host="127.0.0.1", port=server.port,
                           password="nope", trust_unknown_host=True)  # fmt: skip
        with pytest.raises(DeployFailed, match=r"ssh 127\.0\.0\.1"):
            wrong.start(spec)
        assert server.commands == []
        strict.close()
        wrong.close()
