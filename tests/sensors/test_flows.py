"""pcap and CSV input: CIC-IDS2017 columns, chunking, and errors that name the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from threatmesh.detection.features import CIC_FEATURES, FeatureError
from threatmesh.sensors.flows import csv_flows, pcap_flows, read_flows, write_csv
from threatmesh.sensors.pcapfile import CaptureError, check_pcap

DATA = Path(__file__).parent.parent / "detection" / "data"
PCAP = DATA / "attack.pcap"


def test_pcap_gives_cic_features_in_bounded_chunks() -> None:
    batches = list(pcap_flows(PCAP, chunk_rows=500))
    assert len(batches) > 1 and all(len(b) <= 500 for b in batches)
    feats = np.vstack([b.features for b in batches])
    assert feats.shape[1] == len(CIC_FEATURES) == 78
    col = {name: feats[:, i] for i, name in enumerate(CIC_FEATURES)}
    total = col["Total Fwd Packets"] + col["Total Backward Packets"]
    assert (total >= 1).all()
    # Mean packet length lies between min and max; durations are microseconds >= 0.
    assert (col["Packet Length Mean"] <= col["Max Packet Length"] + 1e-6).all()
    assert (col["Flow Duration"] >= 0).all()
    syn_flows = col["SYN Flag Count"] > 0
    assert syn_flows.any()
    tcp = [i for b in batches for i in b.identity if i["Protocol"] == 6]
    assert tcp and all(i["Last Seen"] >= i["First Seen"] for i in tcp)


def test_csv_round_trip(tmp_path: Path) -> None:
    batch = next(pcap_flows(PCAP, chunk_rows=300))
    batch.labels = ["BENIGN"] * len(batch)
    out = tmp_path / "flows.csv"
    assert write_csv(out, iter([batch])) == len(batch)
    back = next(csv_flows(out))
    assert back.labels == batch.labels
    assert np.allclose(back.features, batch.features, rtol=1e-5)


def test_cic_ids2017_header_with_spaces_is_accepted(tmp_path: Path) -> None:
    # CIC-IDS2017's MachineLearningCVE CSVs: padded names, no identity columns, Infinity.
    header = [f" {c}" for c in CIC_FEATURES] + [" Label"]
    row = ["1"] * len(CIC_FEATURES) + ["DDoS"]
    row[CIC_FEATURES.index("Flow Bytes/s")] = "Infinity"
    path = tmp_path / "cic.csv"
    path.write_text(",".join(header) + "\n" + ",".join(row) + "\n")
    batch = next(read_flows(path))
    assert batch.labels == ["DDoS"] and batch.attack_mask().tolist() == [True]
    assert batch.features[0, CIC_FEATURES.index("Flow Bytes/s")] == 0.0


def test_missing_columns_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("Destination Port,Flow Duration,Label\n80,10,BENIGN\n")
    with pytest.raises(FeatureError, match=r"short\.csv: missing 76 CIC-IDS2017 column"):
        list(csv_flows(path))


def test_bad_number_names_file_line_and_column(tmp_path: Path) -> None:
    row = ["1"] * len(CIC_FEATURES)
    row[3] = "abc"
    path = tmp_path / "bad.csv"
    path.write_text(",".join(CIC_FEATURES) + "\n" + ",".join(row) + "\n")
    with pytest.raises(FeatureError, match=r"bad\.csv:2: column 'Total Backward Packets'"):
        list(csv_flows(path))


def test_truncated_pcap_is_refused(tmp_path: Path) -> None:
    cut = tmp_path / "cut.pcap"
    data = PCAP.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CaptureError, match=r"cut\.pcap: truncated packet at byte \d+"):
        list(read_flows(cut))


def test_corrupt_pcap_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "noise.pcap"
    bad.write_bytes(b"\x00\x01garbage" * 100)
    with pytest.raises(CaptureError, match=r"noise\.pcap: not a pcap file"):
        list(read_flows(bad))
    header_only = tmp_path / "short.pcap"
    header_only.write_bytes(PCAP.read_bytes()[:10])
    with pytest.raises(CaptureError, match="truncated pcap header"):
        check_pcap(header_only)


def test_corrupt_record_length_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "len.pcap"
    shutil.copy(PCAP, bad)
    with bad.open("r+b") as fh:
        fh.seek(24 + 8)
        fh.write(b"\xff\xff\xff\x7f")
    with pytest.raises(CaptureError, match=r"len\.pcap: corrupt record at byte 24"):
        check_pcap(bad)


def test_lab_pcap_is_labelled_from_its_schedule() -> None:
    # attack.pcap is 4 s of the lab's day3 run; attack.schedule.json is that run's log.
    from threatmesh.services.detect.training import load_chunk

    batch = load_chunk(PCAP)
    labels = batch.labels or []
    assert labels.count("PortScan") > 1000 and labels.count("BENIGN") > 10
    scan = [i for i, lab in zip(batch.identity, labels, strict=True) if lab == "PortScan"]
    assert {(i["Source IP"], i["Destination IP"]) for i in scan} <= {
        ("10.99.0.66", "10.99.0.10"),
        ("10.99.0.10", "10.99.0.66"),
    }
