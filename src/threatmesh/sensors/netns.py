"""A private lab network: ``ip netns`` namespaces joined by veth links to one bridge.

The bridge lives in its own namespace and no namespace has a route out, so lab traffic
(10.99.0.0/24, which exists only here) can never reach the host or any real network.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from threatmesh.model.errors import ThreatmeshError

SUBNET_PREFIX = "10.99.0."
BRIDGE = "br0"


class LabError(ThreatmeshError):
    """The lab cannot run here (not root, a tool missing, a namespace command failed)."""

    status = 500
    name = "Lab error"


def run(argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run one command, turning a failure into a :class:`LabError` naming it."""
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise LabError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc


@dataclass
class Topology:
    """The namespaces of one lab run: ``hosts`` maps a role to its address."""

    hosts: Mapping[str, str]
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])

    @property
    def switch(self) -> str:
        """The namespace holding the bridge (and the capture)."""
        return f"tm{self.tag}-sw"

    def ns(self, role: str) -> str:
        """The namespace of a host role."""
        return f"tm{self.tag}-{role}"

    def exec_argv(self, role: str, argv: list[str]) -> list[str]:
        """``argv`` run inside the namespace of ``role``."""
        return ["ip", "netns", "exec", self.ns(role), *argv]


def capture(topology: Topology, pcap: Path, work: Path) -> subprocess.Popen[bytes]:
    """Start tcpdump on the bridge, writing every IP packet of the lab to ``pcap``.

    It runs in the bridge's namespace, so it sees all hosts' traffic and nothing else;
    ``-U`` flushes each packet, so a stopped capture loses none."""
    tcpdump = ["tcpdump", "-i", BRIDGE, "-U", "-q", "-w", str(pcap), "ip"]
    return subprocess.Popen(
        ["ip", "netns", "exec", topology.switch, *tcpdump],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=work,
    )


def _quiet(ns: str) -> None:
    # IPv6 autoconfiguration would add router solicitations nobody scheduled.
    run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"])
    run(["ip", "-n", ns, "link", "set", "lo", "up"])


def create(topology: Topology) -> None:
    """Build the bridge namespace and one namespace per host, linked by veth pairs."""
    if shutil.which("ip") is None:
        raise LabError("the lab needs iproute2 (`ip`); run `make lab` to install it")
    run(["ip", "netns", "add", topology.switch])
    _quiet(topology.switch)
    run(["ip", "-n", topology.switch, "link", "add", BRIDGE, "type", "bridge"])
    run(["ip", "-n", topology.switch, "link", "set", BRIDGE, "up"])
    for index, (role, address) in enumerate(topology.hosts.items()):
        ns = topology.ns(role)
        run(["ip", "netns", "add", ns])
        _quiet(ns)
        port = f"v{index}"
        run(
            [
                "ip",
                "-n",
                topology.switch,
                "link",
                "add",
                port,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                ns,
            ]
        )
        run(["ip", "-n", topology.switch, "link", "set", port, "master", BRIDGE, "up"])
        run(["ip", "-n", ns, "addr", "add", f"{address}/24", "dev", "eth0"])
        run(["ip", "-n", ns, "link", "set", "eth0", "up"])


def destroy(topology: Topology) -> None:
    """Delete every namespace of the run (their veth ends go with them)."""
    for ns in [topology.switch, *(topology.ns(r) for r in topology.hosts)]:
        for pid in run(["ip", "netns", "pids", ns], check=False).stdout.split():
            run(["kill", "-9", pid], check=False)
        run(["ip", "netns", "del", ns], check=False)


@contextmanager
def network(hosts: Mapping[str, str]) -> Iterator[Topology]:
    """The lab network for the duration of the block; always torn down."""
    for address in hosts.values():
        if not address.startswith(SUBNET_PREFIX):
            raise LabError(f"lab address {address} is outside {SUBNET_PREFIX}0/24")
    topology = Topology(hosts=hosts)
    try:
        create(topology)
        yield topology
    finally:
        destroy(topology)
