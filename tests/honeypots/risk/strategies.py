"""Hypothesis strategies for the risk model's inputs."""

from __future__ import annotations

from hypothesis import strategies as st

from threatmesh.honeypots.risk.cvss_vectors import AttackVector
from threatmesh.honeypots.risk.model import (
    DAY,
    Detection,
    ExploitMaturity,
    Hit,
    HostFacts,
    Vulnerability,
)

ACTORS = [f"APT{i}" for i in range(1, 16)]


def vulnerabilities(now: int) -> st.SearchStrategy[Vulnerability]:
    """A CVE on the host: any score, vector, maturity, fix date, APT users, trust."""
    return st.builds(
        Vulnerability,
        cve=st.integers(1, 40).map(lambda n: f"CVE-2024-{n:05d}"),
        software=st.sampled_from(["cpe:2.3:a:apache:http_server:2.4.49", "cpe:2.3:a:x:y:1"]),
        cvss=st.one_of(st.none(), st.floats(0, 10)),
        attack_vector=st.one_of(st.none(), st.sampled_from(list(AttackVector))),
        exploit=st.sampled_from(list(ExploitMaturity)),
        fixed_at=st.one_of(st.none(), st.integers(now - 800 * DAY, now + 10 * DAY)),
        apt_users=st.frozensets(st.sampled_from(ACTORS), max_size=5),
        source_trust=st.one_of(st.none(), st.floats(0, 1)),
    )


def hits(now: int) -> st.SearchStrategy[Hit]:
    """A decoy hit in the last year (or slightly in the future: clock skew)."""
    return st.builds(
        Hit,
        at=st.integers(now - 365 * DAY, now + DAY),
        cve=st.sampled_from(["", "CVE-2024-00001", "CVE-2021-41773"]),
        attacker=st.sampled_from(["203.0.113.5", "198.51.100.9"]),
    )


def detections(now: int) -> st.SearchStrategy[Detection]:
    """A host anomaly of any kind and severity in the last year."""
    return st.builds(
        Detection,
        at=st.integers(now - 365 * DAY, now + DAY),
        kind=st.sampled_from(["new-listening-port", "brute-force", "new-login-source"]),
        severity=st.floats(0, 1),
    )


def host_facts(*, now: int, min_vulnerabilities: int = 0) -> st.SearchStrategy[HostFacts]:
    """Everything about one host."""
    return st.builds(
        HostFacts,
        host=st.just("host-1"),
        vulnerabilities=st.lists(
            vulnerabilities(now), min_size=min_vulnerabilities, max_size=6
        ).map(tuple),
        hits=st.lists(hits(now), max_size=8).map(tuple),
        detections=st.lists(detections(now), max_size=8).map(tuple),
    )
