"""Use case: run the traffic lab and turn its capture into labelled CIC-IDS2017 flows."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from threatmesh.sensors.flows import pcap_flows, write_csv
from threatmesh.sensors.honeypots.cowrie_lab import CowrieCapture, record_cowrie
from threatmesh.sensors.lab import run_lab
from threatmesh.sensors.lab_plan import Plan, builtin_names, resolve
from threatmesh.sensors.pcapfile import time_slice


@dataclass(frozen=True)
class LabOutput:
    """The files one lab plan produced and how many flows it labelled."""

    plan: str
    pcap: Path
    schedule: Path
    flows_csv: Path
    flows: int


def generate(
    *,
    plan: str,
    out: Path,
    seed: int,
    benign_seconds: float,
    gap: float,
    progress: Callable[[str], None],
) -> LabOutput:
    """Run ``plan`` (a built-in plan's name or a plan file); write ``<name>.pcap``,
    ``<name>.schedule.json`` and ``<name>.flows.csv``."""
    run = run_lab(plan, out, seed=seed, benign_seconds=benign_seconds, gap=gap, progress=progress)
    name = run.schedule.run
    flows_csv = out / f"{name}.flows.csv"
    count = write_csv(flows_csv, pcap_flows(run.pcap, schedule=run.schedule))
    progress(f"{name}: {count} flows labelled -> {flows_csv}")
    return LabOutput(name, run.pcap, run.schedule_path, flows_csv, count)


def record_honeypot(
    *, out: Path, cowrie_venv: Path, rounds: int, limit: float, progress: Callable[[str], None]
) -> CowrieCapture:
    """Record the lab's SSH attacks at a real Cowrie put where the lab's sshd would be,
    served by ``threatmesh honeynet run`` (this Python, this package): write
    ``<out>/cowrie-ssh.pcap`` and Cowrie's log ``<out>/cowrie.json``. Labelling is
    ``honeynet schedule`` and ``lab relabel``'s, as for any sensor's capture."""
    from threatmesh.sensors.lab_hosts import SERVER

    def serve(home: Path) -> list[str]:
        return [
            sys.executable, "-c", "from threatmesh.cli.main import main; main()",
            "honeynet", "run", "--home", str(home), "--bind", SERVER, "--port", "22",
            "--sensor", "lab-cowrie", "--cowrie-venv", str(cowrie_venv.resolve()),
        ]  # fmt: skip

    return record_cowrie(serve, out, rounds=rounds, limit=limit, progress=progress)


def plans() -> list[Plan]:
    """The built-in lab plans."""
    return [resolve(name) for name in builtin_names()]


def check_plan(plan: str) -> list[str]:
    """A plan (name or file) read and validated: each step's label and command line as
    a run with seed 1 would give it (``WORK`` for the work directory); a
    :class:`PlanError` says what is wrong."""
    import random

    from threatmesh.sensors.lab_hosts import SERVER

    rng = random.Random(1)
    return [
        f"{step.label}: {' '.join(step.argv(SERVER, Path('WORK'), rng))}"
        for step in resolve(plan).steps
    ]


def relabel(pcap: Path, out: Path) -> int:
    """Label a lab capture again from its schedule (beside it) into a flow CSV: how
    captures recorded under an older labelling rule get the current one."""
    from threatmesh.services.detect.training import load_chunk

    return write_csv(out, iter([load_chunk(pcap)]))


def slice_capture(pcap: Path, out: Path, *, start: float, seconds: float) -> int:
    """Packets of ``pcap`` within [start, start + seconds) written to ``out``."""
    return time_slice(pcap, out, start=start, seconds=seconds)


def sample(flows_csv: Path, out: Path, *, per_class: int, benign: int, seed: int = 0) -> int:
    """A small labelled sample of a lab's flows: up to ``per_class`` flows per attack class
    and ``benign`` benign flows, chosen at random (seeded); return the rows written."""
    import numpy as np

    from threatmesh.detection.batch import FlowBatch, concat
    from threatmesh.sensors.flows import csv_flows

    batch = concat(list(csv_flows(flows_csv)), str(flows_csv))
    assert batch.labels is not None
    rng = np.random.default_rng(seed)
    keep: list[int] = []
    for label in sorted(set(batch.labels)):
        rows = [i for i, lab in enumerate(batch.labels) if lab == label]
        cap = benign if label == "BENIGN" else per_class
        keep.extend(rng.permutation(rows)[:cap].tolist())
    keep.sort()
    part = FlowBatch(
        batch.source,
        [batch.identity[i] for i in keep],
        batch.features[keep],
        [batch.labels[i] for i in keep],
    )
    return write_csv(out, iter([part]))
