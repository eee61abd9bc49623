"""Labels come from the lab's schedule: attacker/target pair, time window, connections."""

from __future__ import annotations

from threatmesh.detection.schedule import BENIGN, GRACE_SECONDS, FlowKey, Labeller, Schedule, Step

ATTACKER, SERVER, CLIENT = "10.99.0.66", "10.99.0.10", "10.99.0.21"
STEP = Step("PortScan", "nmap", ATTACKER, SERVER, 100.0, 110.0)
SCHEDULE = Schedule("t", (STEP, Step("WebScan", "dirb", ATTACKER, SERVER, 120.0, 130.0)))


def test_flows_of_the_pair_in_the_window_take_the_step_label() -> None:
    assert SCHEDULE.label(ATTACKER, SERVER, 105.0) == "PortScan"
    assert SCHEDULE.label(SERVER, ATTACKER, 105.0) == "PortScan"  # either direction
    assert SCHEDULE.label(ATTACKER, SERVER, 125.0) == "WebScan"


def test_other_hosts_and_times_are_benign() -> None:
    assert SCHEDULE.label(CLIENT, SERVER, 105.0) == BENIGN
    assert SCHEDULE.label(ATTACKER, SERVER, 99.0) == BENIGN
    assert SCHEDULE.label(ATTACKER, SERVER, 115.0) == BENIGN  # attacker browsing


def test_post_attack_browsing_in_the_grace_is_benign() -> None:
    # The lab's attacker browses again 1 s after the tool ends: a new connection (new
    # source port) inside the grace, which the old rule labelled WebScan.
    dirb = FlowKey(ATTACKER, SERVER, 129.5, 40001, 80, 6)
    browsing = FlowKey(ATTACKER, SERVER, 131.0, 40002, 80, 6)
    dns = FlowKey(ATTACKER, SERVER, 131.2, 53001, 53, 17)
    assert 131.0 <= 130.0 + GRACE_SECONDS
    assert SCHEDULE.labels([dirb, browsing, dns]) == ["WebScan", BENIGN, BENIGN]


def test_a_connection_the_tool_opened_continues_into_the_grace() -> None:
    # The server's last RST of an nmap probe, metered as a flow of its own after the
    # probe's flow ended: same protocol and ports, reversed, so still the scan's.
    probe = FlowKey(ATTACKER, SERVER, 109.9, 61000, 443, 6)
    late_rst = FlowKey(SERVER, ATTACKER, 111.0, 443, 61000, 6)
    too_late = FlowKey(SERVER, ATTACKER, 110.0 + GRACE_SECONDS + 0.5, 443, 61000, 6)
    other_protocol = FlowKey(SERVER, ATTACKER, 111.0, 443, 61000, 17)
    assert SCHEDULE.labels([late_rst, probe, too_late, other_protocol]) == [
        "PortScan",
        "PortScan",
        BENIGN,
        BENIGN,
    ]


def test_the_labeller_remembers_connections_across_chunks() -> None:
    labeller = Labeller(SCHEDULE)
    assert labeller([FlowKey(ATTACKER, SERVER, 109.0, 61000, 22, 6)]) == ["PortScan"]
    assert labeller([FlowKey(ATTACKER, SERVER, 111.0, 61000, 22, 6)]) == ["PortScan"]
    assert Labeller(SCHEDULE)([FlowKey(ATTACKER, SERVER, 111.0, 61000, 22, 6)]) == [BENIGN]


def test_round_trip() -> None:
    assert Schedule.from_dict(SCHEDULE.to_dict()) == SCHEDULE
