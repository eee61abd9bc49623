"""The placement budget in decoys, CPU and memory (pure): quantities as Kubernetes
writes them, a host's limits, the reason a placement does not fit, and a plan that
refuses or defers what is over budget, then places it once room frees up."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threatmesh.honeypots.adapt import Intelligence, Plan, parse_policy
from threatmesh.honeypots.budget import (
    Budget,
    format_memory,
    overrun,
    parse_cpu,
    parse_memory,
)
from threatmesh.honeypots.decoys.base import DECOY_COST, Cost
from threatmesh.honeypots.decoys.catalogue import CATALOGUE
from threatmesh.model.errors import InvalidInput

MI = 2**20
APACHE = "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"
LOG4J = "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"
LIBSSH = "cpe:2.3:a:libssh:libssh:0.8.1:*:*:*:*:*:*:*"


def test_quantities() -> None:
    assert [parse_cpu(v) for v in ("500m", "0.5", 2, 0.25, "1")] == [500, 500, 2000, 250, 1000]
    assert [parse_memory(v) for v in ("128Mi", "1Gi", "1G", "64Ki", 1024)] == [
        128 * MI, 2**30, 10**9, 64 * 1024, 1024,
    ]  # fmt: skip
    for bad in ("lots", "5x", True, None):
        with pytest.raises(ValueError, match="cpu"):
            parse_cpu(bad)
    with pytest.raises(ValueError, match="unit 'MB'"):
        parse_memory("5MB")
    assert format_memory(96 * MI) == "96Mi" and format_memory(MI // 2) == "0.5Mi"


@given(st.integers(0, 10**6))
def test_memory_in_mebibytes_round_trips(mebibytes: int) -> None:
    assert parse_memory(format_memory(mebibytes * MI)) == mebibytes * MI


def test_a_hosts_limits() -> None:
    budget = Budget.model_validate({
        "max_per_host": 3, "per_host": {"cpu": "250m"},
        "hosts": {"web-01": {"decoys": 1, "memory": "64Mi"}},
    })  # fmt: skip
    own = budget.limits_of("web-01")
    assert (own.decoys, own.cpu, own.memory) == (1, 250, 64 * MI)
    other = budget.limits_of("db-01")
    assert (other.decoys, other.cpu, other.memory) == (3, 250, None)


def test_why_a_decoy_does_not_fit() -> None:
    cost = Cost(50, 32 * MI)
    two = [("web-01", cost), ("web-02", cost)]
    assert overrun(Budget(), two, "web-01", cost) is None  # no CPU or memory limit
    assert overrun(Budget(max_decoys=2), two, "web-03", cost) == "budget: 2 decoys running"
    by_cpu = Budget.model_validate({"cpu": "120m"})
    assert overrun(by_cpu, two, "web-03", cost) == (
        "budget: CPU 100m in use + 50m over 120m in all")  # fmt: skip
    by_memory = Budget.model_validate({"per_host": {"memory": "48Mi"}})
    assert overrun(by_memory, two, "web-01", cost) == (
        "budget: memory 32Mi in use + 32Mi over 48Mi on web-01")  # fmt: skip
    assert overrun(by_memory, two, "web-03", cost) is None  # nothing there yet


@pytest.mark.parametrize(("text", "where"), [
    ("budget: {cpu: lots}", "policy.budget.cpu"),
    ("budget: {per_host: {memory: 5MB}}", "policy.budget.per_host.memory"),
    ("budget: {hosts: {web-01: {gpus: 1}}}", "policy.budget.hosts.web-01.gpus"),
    ("budget: {over_budget: queue}", "policy.budget.over_budget"),
])  # fmt: skip
def test_budget_errors_name_the_field(text: str, where: str) -> None:
    with pytest.raises(InvalidInput, match=where.replace(".", r"\.")):
        parse_policy(text)


def _intel(cve: str) -> Intelligence:
    return Intelligence(cve, (), 1, frozenset(), None, 10.0)


def _plan(budget: str) -> Plan:
    rules = "rules: [{name: all, deploy: {ttl: 100, port: 0}}]"
    return Plan(parse_policy(f"budget: {budget}\n{rules}"), CATALOGUE)


def test_over_budget_refused() -> None:
    plan = _plan("{memory: 64Mi}")  # room for two decoys of 32Mi
    hosts = {"web-01": [APACHE, LOG4J, LIBSSH]}
    decisions = plan.apply([_intel(c) for c in ("CVE-2021-41773", "CVE-2021-44228",
                                                  "CVE-2018-10933")], hosts, 0)  # fmt: skip
    assert [d.action for d in decisions] == ["deploy", "deploy", "refused"]
    assert decisions[2].reason == "budget: memory 64Mi in use + 32Mi over 64Mi in all"
    assert DECOY_COST.memory == 32 * MI and plan.deferred == {}


def test_over_budget_deferred_then_placed() -> None:
    plan = _plan("{per_host: {cpu: 100m}, over_budget: defer}")  # two decoys of 50m a host
    hosts = {"web-01": [APACHE, LOG4J, LIBSSH], "web-02": [LIBSSH]}
    plan.apply([_intel("CVE-2021-41773")], hosts, 0)
    plan.apply([_intel("CVE-2021-44228")], hosts, 50)
    (deferred, elsewhere) = plan.apply([_intel("CVE-2018-10933")], hosts, 60)
    assert (deferred.host, deferred.action) == ("web-01", "deferred")
    assert deferred.reason == ("budget: CPU 100m in use + 50m over 100m on web-01; "
                               "deferred until room frees up (at the latest 160)")  # fmt: skip
    assert (elsewhere.host, elsewhere.action) == ("web-02", "deploy")
    assert plan.admit(90) == []  # no room yet
    plan.expire(100)  # Apache's decoy is done: room for libssh's
    (admitted,) = plan.admit(100)
    assert (admitted.host, admitted.cve, admitted.action) == ("web-01", "CVE-2018-10933",
                                                              "deploy")  # fmt: skip
    assert plan.placements[("web-01", "CVE-2018-10933")].expires == 160
    # A deferral whose time runs out before room frees up is dropped.
    plan.apply([_intel("CVE-2021-41773")], hosts, 120)
    assert plan.deferred and plan.admit(220)[0].reason == "deferred past its TTL"
    assert plan.deferred == {}
