"""Use case: run the traffic lab and turn its capture into labelled CIC-IDS2017 flows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from threatmesh.detection.schedule import PLANS
from threatmesh.sensors.flows import pcap_flows, write_csv
from threatmesh.sensors.lab import run_lab


@dataclass(frozen=True)
class LabOutput:
    """The files one lab plan produced and how many flows it labelled."""

    plan: str
    pcap: Path
    schedule: Path
    flows_csv: Path
    flows: int


def generate(*, plan: str, out: Path, seed: int, benign_seconds: float, gap: float,
             progress: Callable[[str], None]) -> LabOutput:  # fmt: skip
    """Run ``plan``; write ``<plan>.pcap``, ``<plan>.schedule.json``, ``<plan>.flows.csv``."""
    run = run_lab(plan, out, seed=seed, benign_seconds=benign_seconds, gap=gap,
                  progress=progress)  # fmt: skip
    flows_csv = out / f"{plan}.flows.csv"
    count = write_csv(flows_csv, pcap_flows(run.pcap, schedule=run.schedule))
    progress(f"{plan}: {count} flows labelled -> {flows_csv}")
    return LabOutput(plan, run.pcap, run.schedule_path, flows_csv, count)


def plans() -> list[str]:
    """The lab plans that exist."""
    return list(PLANS)
