"""What the controller reads in stream notifications, the agent's backend options, and
the controller holding back what is over budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.fake_kubernetes import fake_kubernetes
from threatmesh.deploy.kubernetes import KubernetesBackend
from threatmesh.deploy.memory import MemoryBackend
from threatmesh.honeypots.adapt import Intelligence, Plan, parse_policy
from threatmesh.honeypots.decoys.catalogue import CATALOGUE
from threatmesh.model.errors import InvalidInput
from threatmesh.services.adaptive.controller import Controller, intelligence_of_frame
from threatmesh.services.adaptive.policies import backend_options

APACHE = "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"
LOG4J = "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"
LIBSSH = "cpe:2.3:a:libssh:libssh:0.8.1:*:*:*:*:*:*:*"


def test_backend_options() -> None:
    assert backend_options(["host=10.0.0.5", "port=2222", "trust_unknown_host=true"]) == {
        "host": "10.0.0.5", "port": 2222, "trust_unknown_host": True,
    }  # fmt: skip
    with pytest.raises(InvalidInput, match="KEY=VALUE"):
        backend_options(["=x"])


def test_intelligence_of_stream_frames() -> None:
    added = {"Attribute": {"type": "vulnerability", "value": "CVE-2021-44228"},
             "Event": {"threat_level_id": "1", "uuid": "x"}, "action": "add"}  # fmt: skip
    (intel,) = intelligence_of_frame("misp_json_attribute", added)
    assert (intel.cve, intel.threat_level) == ("CVE-2021-44228", 1)
    assert intelligence_of_frame("misp_json_attribute", {**added, "action": "delete"}) == []
    other = {**added, "Attribute": {"type": "ip-dst", "value": "192.0.2.1"}}
    assert intelligence_of_frame("misp_json_attribute", other) == []
    assert intelligence_of_frame("misp_json_sighting", added) == []


def test_a_memory_budget_defers_then_deploys() -> None:
    """Over its host's memory budget, a decoy is held back with the reason (the agent's
    status), placed and started once another decoy's time is up; each start carries the
    time left as its TTL."""
    policy = parse_policy("""
budget: {hosts: {web-01: {memory: 64Mi}}, over_budget: defer}
rules: [{name: all, deploy: {ttl: 100, port: 0}}]
""")
    now = [1_000.0]
    backend = MemoryBackend(record=lambda hit: None)
    hosts = {"web-01": [APACHE, LOG4J, LIBSSH]}
    controller = Controller(Plan(policy, CATALOGUE), backend, hosts, clock=lambda: now[0])
    for cve in ("CVE-2021-41773", "CVE-2021-44228"):
        controller.on_intelligence([Intelligence(cve, (), 1, frozenset(), None, 10.0)])
        now[0] += 10
    (held,) = controller.on_intelligence(
        [Intelligence("CVE-2018-10933", (), 1, frozenset(), None, 10.0)]
    )
    assert held.action == "deferred"
    assert controller.held() == [{
        "cve": "CVE-2018-10933", "host": "web-01", "action": "deferred", "at": 1_020,
        "reason": "budget: memory 64Mi in use + 32Mi over 64Mi on web-01; deferred until "
                  "room frees up (at the latest 1120)",
    }]  # fmt: skip
    assert controller.reconcile().started == (("web-01", "CVE-2021-41773"),
                                              ("web-01", "CVE-2021-44228"))  # fmt: skip
    assert backend.running()[("web-01", "CVE-2021-44228")].spec.ttl == 90
    now[0] = 1_100.0  # Apache's decoy is done: room for libssh's
    done = controller.reconcile()
    assert done.stopped == (("web-01", "CVE-2021-41773"),)
    assert done.started == (("web-01", "CVE-2018-10933"),)
    assert backend.running()[("web-01", "CVE-2018-10933")].spec.ttl == 20
    assert controller.held() == []
    assert controller.decisions[-1].reason == "budget freed: rule all: until 1120"


def test_the_controller_over_kubernetes(tmp_path: Path) -> None:
    """The reconcile loop driving the ``kubernetes`` backend (the fake API server): one
    decoy a host by memory, its pod started with the TTL as its deadline, the next one
    refused, the pod deleted at the TTL."""
    policy = parse_policy("""
budget: {per_host: {memory: 32Mi}}
rules: [{name: all, deploy: {ttl: 100, port: 0}}]
""")
    now = [1_000.0]
    with fake_kubernetes() as api:
        backend = KubernetesBackend(record=lambda hit: None,
                                    kubeconfig=str(api.kubeconfig(tmp_path)))  # fmt: skip
        controller = Controller(Plan(policy, CATALOGUE), backend, {"web-01": [APACHE, LOG4J]},
                                clock=lambda: now[0])  # fmt: skip
        first, second = (
            controller.on_intelligence([Intelligence(c, (), 1, frozenset(), None, 10.0)])[0]
            for c in ("CVE-2021-41773", "CVE-2021-44228")
        )
        assert (first.action, second.action) == ("deploy", "refused")
        assert controller.reconcile().started == (("web-01", "CVE-2021-41773"),)
        (pod,) = api.pods.values()
        assert pod.body["spec"]["activeDeadlineSeconds"] == 100 + 300
        assert pod.container["resources"]["requests"] == {"cpu": "50m", "memory": "32Mi"}
        (shown,) = controller.status()
        assert (shown["cve"], shown["ttl_left"], shown["hits"]) == ("CVE-2021-41773", 100, 0)
        now[0] = 1_100.0
        assert controller.reconcile().stopped == (("web-01", "CVE-2021-41773"),)
        assert api.pods == {} and api.services == {}
        backend.close()
