"""Host anomaly detection: baseline learning and scoring, explained."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from threatmesh.honeypots.hids.baseline import (
    AnomalyKind,
    Baseline,
    Snapshot,
    learn,
    merge,
    score,
)
from threatmesh.honeypots.hids.procfs import ListeningSocket, ProcessInfo
from threatmesh.honeypots.hids.sshd import AuthEvent, Outcome

T0 = 1_800_000_000
SSHD = ProcessInfo(100, 1, "sshd", "S", 10, 0, "/usr/sbin/sshd", ("/usr/sbin/sshd", "-D"))
NGINX = ProcessInfo(200, 1, "nginx", "S", 11, 0, "/usr/sbin/nginx", ("nginx",))
KTHREAD = ProcessInfo(2, 0, "kthreadd", "S", 0)


def _sock(port: int, program: str) -> ListeningSocket:
    return ListeningSocket("tcp", "0.0.0.0", port, 0, port, program)


def _normal_day(day: int) -> Snapshot:
    at = T0 + day * 86_400
    return Snapshot(
        at=at,
        listening=(_sock(22, "/usr/sbin/sshd"), _sock(80, "/usr/sbin/nginx")),
        processes=(SSHD, NGINX, KTHREAD),
        auth=(
            AuthEvent(at - 60, Outcome.ACCEPTED, "alice", "192.0.2.10", 5000, "publickey"),
            AuthEvent(at - 50, Outcome.FAILED, "alice", "192.0.2.11", 5001, "password"),
        ),
    )


def _baseline() -> Baseline:
    return learn(_normal_day(d) for d in range(7))


def test_the_learning_window_is_normal() -> None:
    baseline = _baseline()
    assert baseline.ports == {22: {"/usr/sbin/sshd"}, 80: {"/usr/sbin/nginx"}}
    assert baseline.programs == {"/usr/sbin/sshd", "/usr/sbin/nginx"}  # no kernel thread
    assert baseline.login_sources == {"alice": {"192.0.2.0/24"}}
    assert baseline.max_failures == 1
    assert score(baseline, _normal_day(8)) == []
    assert Baseline.from_dict(baseline.to_dict()) == baseline


def test_an_intrusion_is_flagged_and_explained() -> None:
    at = T0 + 10 * 86_400
    attacker = "203.0.113.5"
    failures = tuple(
        AuthEvent(at - 300 + i, Outcome.FAILED, "root", attacker, 40000 + i, "password")
        for i in range(40)
    )
    shell = ProcessInfo(666, 1, "kworker", "S", 99, 0, "/tmp/.x/kworker", ("/tmp/.x/kworker",))
    snap = Snapshot(
        at=at,
        listening=(
            _sock(22, "/usr/sbin/sshd"),
            _sock(80, "/tmp/.x/kworker"),  # someone else holds the web port
            _sock(4444, "/tmp/.x/kworker"),
        ),
        processes=(SSHD, shell),
        auth=(*failures, AuthEvent(at - 10, Outcome.ACCEPTED, "root", attacker, 40100, "password")),
    )
    found = {a.kind: a for a in score(_baseline(), snap)}
    assert set(found) == {
        AnomalyKind.BRUTE_FORCE,
        AnomalyKind.NEW_LOGIN_USER,
        AnomalyKind.NEW_LISTENING_PORT,
        AnomalyKind.UNUSUAL_PROCESS,
    }
    brute = found[AnomalyKind.BRUTE_FORCE]
    assert (brute.source, brute.user) == (attacker, "root")
    assert brute.explanation == (
        "40 failed logins from 203.0.113.5 within 10 min "
        "(threshold 10; the baseline's worst source made 1)"
    )
    login = found[AnomalyKind.NEW_LOGIN_USER]
    assert login.severity == 0.9
    assert login.explanation.endswith("after 40 failed attempts from there")
    assert found[AnomalyKind.UNUSUAL_PROCESS].severity == 0.7
    ports = [a for a in score(_baseline(), snap) if a.kind is AnomalyKind.NEW_LISTENING_PORT]
    assert {a.port for a in ports} == {80, 4444}
    assert "not /usr/sbin/nginx" in next(a.explanation for a in ports if a.port == 80)


def test_a_known_user_from_a_new_network() -> None:
    at = T0 + 9 * 86_400
    snap = Snapshot(
        at=at, auth=(AuthEvent(at - 5, Outcome.ACCEPTED, "alice", "198.51.100.7", 1, "publickey"),)
    )
    (anomaly,) = score(_baseline(), snap)
    assert (anomaly.kind, anomaly.severity, anomaly.subject) == (
        AnomalyKind.NEW_LOGIN_SOURCE, 0.5, "alice@198.51.100.0/24",
    )  # fmt: skip


def _failure(at: int, source: str) -> AuthEvent:
    return AuthEvent(at, Outcome.FAILED, "git", source, 1, "password")


def test_brute_force_is_relative_to_the_baseline() -> None:
    """A host whose baseline already sees 20 failures per source in 10 minutes needs more
    than 60 to call it brute force."""
    noisy = [
        Snapshot(T0, auth=tuple(
            AuthEvent(T0 - i, Outcome.FAILED, "git", "192.0.2.50", 1, "password") for i in range(20)
        ))
    ]  # fmt: skip
    baseline = learn(noisy)
    assert baseline.max_failures == 20
    attack = tuple(
        AuthEvent(T0 - i, Outcome.FAILED, "git", "203.0.113.9", 1, "") for i in range(50)
    )
    assert score(baseline, Snapshot(T0, auth=attack)) == []
    attack += tuple(
        AuthEvent(T0 - i, Outcome.FAILED, "git", "203.0.113.9", 1, "") for i in range(11)
    )
    assert [a.kind for a in score(baseline, Snapshot(T0, auth=attack))] == [AnomalyKind.BRUTE_FORCE]


_programs = st.sampled_from(["/usr/sbin/sshd", "/usr/bin/python3", "/tmp/x", "/bin/sh"])
_snapshots = st.builds(
    Snapshot,
    at=st.integers(T0, T0 + 86_400),
    listening=st.lists(
        st.builds(_sock, st.integers(1, 65535), st.sampled_from(["", "/usr/sbin/sshd", "/tmp/x"])),
        max_size=5,
    ).map(tuple),
    processes=st.lists(
        st.builds(
            ProcessInfo,
            st.integers(1, 99),
            st.just(1),
            st.just("p"),
            st.just("S"),
            st.just(1),
            st.just(0),
            _programs,
        ),
        max_size=5,
    ).map(tuple),
    auth=st.lists(
        st.builds(
            AuthEvent,
            st.integers(T0 - 900, T0 + 86_400),
            st.sampled_from(list(Outcome)),
            st.sampled_from(["root", "alice"]),
            st.sampled_from(["192.0.2.1", "203.0.113.5", "2001:db8::1"]),
        ),
        max_size=30,
    ).map(tuple),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_snapshots, min_size=1, max_size=4))
def test_what_was_learned_is_never_an_anomaly(snaps: list[Snapshot]) -> None:
    baseline = learn(snaps)
    for snap in snaps:
        assert score(baseline, snap) == []


@settings(max_examples=200, deadline=None)
@given(_snapshots, _snapshots)
def test_accepting_anomalies_silences_them(normal: Snapshot, new: Snapshot) -> None:
    baseline = learn([normal])
    accepted = merge(baseline, score(baseline, new))
    left = score(accepted, new)
    assert all(a.kind is AnomalyKind.BRUTE_FORCE for a in left)
