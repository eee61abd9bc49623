"""Labels come from the lab's schedule: attacker/target pair and time window."""

from __future__ import annotations

from threatmesh.detection.schedule import BENIGN, GRACE_SECONDS, Schedule, Step

STEP = Step("PortScan", "nmap", "10.99.0.66", "10.99.0.10", 100.0, 110.0)
SCHEDULE = Schedule("t", (STEP, Step("WebScan", "dirb", "10.99.0.66", "10.99.0.10", 120.0, 130.0)))


def test_flows_of_the_pair_in_the_window_take_the_step_label() -> None:
    assert SCHEDULE.label("10.99.0.66", "10.99.0.10", 105.0) == "PortScan"
    assert SCHEDULE.label("10.99.0.10", "10.99.0.66", 105.0) == "PortScan"  # either direction
    assert SCHEDULE.label("10.99.0.66", "10.99.0.10", 125.0) == "WebScan"


def test_other_hosts_times_and_the_grace_period() -> None:
    assert SCHEDULE.label("10.99.0.21", "10.99.0.10", 105.0) == BENIGN
    assert SCHEDULE.label("10.99.0.66", "10.99.0.10", 99.0) == BENIGN
    assert SCHEDULE.label("10.99.0.66", "10.99.0.10", 110.0 + GRACE_SECONDS) == "PortScan"
    assert SCHEDULE.label("10.99.0.66", "10.99.0.10", 115.0) == BENIGN  # attacker browsing


def test_round_trip() -> None:
    assert Schedule.from_dict(SCHEDULE.to_dict()) == SCHEDULE
