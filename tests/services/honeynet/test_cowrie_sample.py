"""The repo's Cowrie-recorded flows (``make cowrie-sample``): their labels come from the
real pipeline, Cowrie's log through ``honeynet schedule`` and the capture through the
flow meter, as ``lab relabel`` does.

``cowrie-login.pcap`` and ``cowrie-login.json`` are a slice of that recording: the three
password logins of its first round (each runs one command), their packets and Cowrie's
records of them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from threatmesh.detection.features import CIC_FEATURES
from threatmesh.services.detect.training import load_chunk
from threatmesh.services.honeynet.run import write_schedule
from threatmesh.services.honeynet.training import HANDSHAKE_LEAD

DATA = Path(__file__).resolve().parents[2] / "detection" / "data"
SAMPLE = DATA / "cowrie-ssh.flows.csv"
LAB = ("10.99.0.66", "10.99.0.10")  # the lab's attacker and server


def test_the_sample_is_the_honeypot_class_between_the_labs_attacker_and_server() -> None:
    batch = load_chunk(SAMPLE)
    assert batch.labels is not None and len(batch) <= 300
    assert Counter(batch.labels)["SSH-Patator"] >= 150
    holdout = load_chunk(DATA / "holdout.flows.csv")
    assert "SSH-Patator" in set(holdout.labels or [])  # the class the positives count for
    port = CIC_FEATURES.index("Destination Port")
    for ident, row, label in zip(batch.identity, batch.features, batch.labels, strict=True):
        if label == "SSH-Patator":
            assert (ident["Source IP"], ident["Destination IP"], row[port]) == (*LAB, 22)


def test_a_slice_labelled_by_the_pipeline_gives_the_samples_rows(tmp_path: Path) -> None:
    pcap = tmp_path / "cowrie-login.pcap"
    pcap.write_bytes((DATA / "cowrie-login.pcap").read_bytes())
    schedule = write_schedule(DATA / "cowrie-login.json", pcap.with_suffix(".schedule.json"))
    assert len(schedule.steps) == 3
    flows = load_chunk(pcap)  # the capture and its schedule beside it, as `lab relabel`
    assert flows.labels == ["SSH-Patator"] * 3
    # Each login's first packet comes before Cowrie logs its connect: labelled all the same.
    assert flows.identity[0]["First Seen"] < schedule.steps[0].start + HANDSHAKE_LEAD
    sample = load_chunk(SAMPLE)
    by_port = {ident["Source Port"]: i for i, ident in enumerate(sample.identity)}
    for ident, row in zip(flows.identity, flows.features, strict=True):
        i = by_port[ident["Source Port"]]
        assert sample.labels is not None and sample.labels[i] == "SSH-Patator"
        np.testing.assert_allclose(sample.features[i], row, rtol=1e-3)
