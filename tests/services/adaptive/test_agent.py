"""End to end on loopback (SQLite and PostgreSQL): the agent reports its host's
inventory; a CERT publishes a vulnerability for a CVE on the host's CPE; the controller
deploys that CVE's decoy as a local process; its exploit probe hits it; a sighting and
an event appear on the platform; the host's risk rises; the decoy is torn down at its
TTL. Intelligence for software no host runs deploys nothing; a budget overrun is refused
and logged."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pymisp import PyMISP
from typer.testing import CliRunner

from tests.services.adaptive.world import APACHE, LIBSSH, World, fire_probe, make_world
from tests.support import LiveServer
from threatmesh.cli.main import app
from threatmesh.honeypots.adapt import parse_policy
from threatmesh.honeypots.decoys.catalogue import decoy_for
from threatmesh.honeypots.inventory import Exposure, Host
from threatmesh.services.adaptive.agent import Agent, AgentConfig, read_status

LOG4J = "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"
POLICY = """
budget: {max_decoys: 1, max_per_host: 1}
rules:
  - name: high
    match: {max_threat_level: 2, min_cvss: 7.0}
    deploy: {ttl: 600, cooldown: 300, port: 0, extend_on_hit: 900}
"""


def _until(what: Callable[[], object], seconds: float = 60) -> None:
    """Wait for ``what`` to hold (a deadline for a hung run, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while not what():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@contextmanager
def agent_of(world: World, state: Path, clock: Clock) -> Iterator[Agent]:
    """The agent of ``web-01`` running in a thread until the block ends."""
    config = AgentConfig(
        url=world.server.url, key=world.hosts_key, policy=parse_policy(POLICY), interval=0.1,
        hosts=[Host("web-01", (APACHE, LOG4J), Exposure.INTERNET)], state_file=state,
    )  # fmt: skip
    agent = Agent(config, clock=clock)
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop,), daemon=True)
    thread.start()
    _until(agent.listening.is_set)
    try:
        yield agent
    finally:
        stop.set()
        thread.join(timeout=60)
    assert agent.backend.running() == {}


@pytest.fixture
def running(server: LiveServer, tmp_path: Path) -> Iterator[tuple[World, Agent, Clock]]:
    world, clock = make_world(server), Clock()
    with agent_of(world, tmp_path / "agent.json", clock) as agent:
        yield world, agent, clock


def test_intelligence_published_before_the_agent_starts(server: LiveServer, tmp_path: Path) -> None:
    world = make_world(server)
    world.publish_cve("CVE-2021-41773", [APACHE])
    with agent_of(world, tmp_path / "agent.json", Clock()) as agent:
        _until(lambda: agent.controller.status())
        assert [d["cve"] for d in agent.controller.status()] == ["CVE-2021-41773"]


def test_intelligence_to_decoy_to_sighting_to_risk(
    running: tuple[World, Agent, Clock], caplog: pytest.LogCaptureFixture
) -> None:
    world, agent, clock = running
    caplog.set_level(logging.INFO, "threatmesh.adaptive")
    # Intelligence for software no host runs deploys nothing.
    world.publish_cve("CVE-2018-10933", [LIBSSH])
    before = world.risk("web-01")

    attribute = world.publish_cve("CVE-2021-41773", [APACHE])
    _until(lambda: agent.controller.status())
    (decoy,) = agent.controller.status()
    assert (decoy["cve"], decoy["host"], decoy["hits"]) == ("CVE-2021-41773", "web-01", 0)
    assert 0 < decoy["ttl_left"] <= 600
    assert [d.cve for d in agent.controller.decisions] == ["CVE-2021-41773"]

    answer = fire_probe(decoy["port"], decoy_for("CVE-2021-41773"))
    assert answer.startswith(b"HTTP/1.1 200 OK\r\nServer: Apache/2.4.49")
    hosts = PyMISP(world.server.url, world.hosts_key, ssl=False, timeout=60)

    def sighted() -> bool:
        found = hosts.search_sightings(context="attribute", context_id=attribute.id)
        return any(s["Sighting"]["source"] == "decoy@web-01" for s in found)

    _until(sighted)
    # The hit raised an alert and kept the decoy up longer (the policy's escalation).
    hit = agent.controller.decisions[1]
    assert (hit.action, hit.reason.startswith("hit: kept up until")) == ("extend", True)
    assert any("exploitation attempt from 127.0.0.1" in r.getMessage() for r in caplog.records)
    after = world.risk("web-01")
    assert after["decoy_hits"] > 0 and after["p"] > before["p"]

    def status_shows_the_hit() -> bool:
        (shown,) = read_status(agent.config.state_file, time.time())["decoys"]
        return bool(shown["hits"] == 1 and shown["ttl_left"] > 600)

    _until(status_shows_the_hit)
    shown = CliRunner().invoke(app, ["agent", "status", "--json", "--state-file",
                                     str(agent.config.state_file)])  # fmt: skip
    assert shown.exit_code == 0, shown.output
    (listed,) = json.loads(shown.output)
    assert (listed["cve"], listed["port"], listed["hits"]) == ("CVE-2021-41773", decoy["port"], 1)
    assert 600 < listed["ttl_left"] <= 900

    # The budget holds one decoy: Log4Shell on the same host is refused, and logged.
    world.publish_cve("CVE-2021-44228", [LOG4J])
    _until(lambda: len(agent.controller.decisions) == 3)
    refused = agent.controller.decisions[2]
    assert (refused.cve, refused.action) == ("CVE-2021-44228", "refused")
    assert "budget" in refused.reason
    assert any("CVE-2021-44228 on web-01: refused" in r.getMessage() for r in caplog.records)

    # Past its TTL, as the hit extended it, the decoy is torn down.
    clock.offset = 901
    _until(lambda: not agent.controller.status())
    assert not agent.backend.running()
