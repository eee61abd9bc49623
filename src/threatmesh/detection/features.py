"""The CICFlowMeter feature set under CIC-IDS2017's column names, and the mapping to it.

Flows arrive from ``sensors.flows`` as dicts of nfstream attributes (statistical
analysis on, sizes counted as transport payload, as CICFlowMeter counts them) plus the
extras our nfstream plugin measures (header lengths, initial windows, active/idle
periods). Times: nfstream counts milliseconds, CIC-IDS2017 microseconds.

Not measured, and so always 0: the six bulk features (CICFlowMeter itself leaves them 0
on nearly every CIC-IDS2017 flow). Subflow counts equal the flow totals (one subflow).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from threatmesh.model.errors import InvalidInput

# Identity of a flow: not features, but what a detection reports.
IDENTITY = ("Source IP", "Source Port", "Destination IP", "Protocol", "First Seen", "Last Seen")
LABEL = "Label"

CIC_FEATURES: tuple[str, ...] = (
    "Destination Port",
    "Flow Duration",
    "Total Fwd Packets",
    "Total Backward Packets",
    "Total Length of Fwd Packets",
    "Total Length of Bwd Packets",
    "Fwd Packet Length Max",
    "Fwd Packet Length Min",
    "Fwd Packet Length Mean",
    "Fwd Packet Length Std",
    "Bwd Packet Length Max",
    "Bwd Packet Length Min",
    "Bwd Packet Length Mean",
    "Bwd Packet Length Std",
    "Flow Bytes/s",
    "Flow Packets/s",
    "Flow IAT Mean",
    "Flow IAT Std",
    "Flow IAT Max",
    "Flow IAT Min",
    "Fwd IAT Total",
    "Fwd IAT Mean",
    "Fwd IAT Std",
    "Fwd IAT Max",
    "Fwd IAT Min",
    "Bwd IAT Total",
    "Bwd IAT Mean",
    "Bwd IAT Std",
    "Bwd IAT Max",
    "Bwd IAT Min",
    "Fwd PSH Flags",
    "Bwd PSH Flags",
    "Fwd URG Flags",
    "Bwd URG Flags",
    "Fwd Header Length",
    "Bwd Header Length",
    "Fwd Packets/s",
    "Bwd Packets/s",
    "Min Packet Length",
    "Max Packet Length",
    "Packet Length Mean",
    "Packet Length Std",
    "Packet Length Variance",
    "FIN Flag Count",
    "SYN Flag Count",
    "RST Flag Count",
    "PSH Flag Count",
    "ACK Flag Count",
    "URG Flag Count",
    "CWE Flag Count",
    "ECE Flag Count",
    "Down/Up Ratio",
    "Average Packet Size",
    "Avg Fwd Segment Size",
    "Avg Bwd Segment Size",
    "Fwd Header Length.1",
    "Fwd Avg Bytes/Bulk",
    "Fwd Avg Packets/Bulk",
    "Fwd Avg Bulk Rate",
    "Bwd Avg Bytes/Bulk",
    "Bwd Avg Packets/Bulk",
    "Bwd Avg Bulk Rate",
    "Subflow Fwd Packets",
    "Subflow Fwd Bytes",
    "Subflow Bwd Packets",
    "Subflow Bwd Bytes",
    "Init_Win_bytes_forward",
    "Init_Win_bytes_backward",
    "act_data_pkt_fwd",
    "min_seg_size_forward",
    "Active Mean",
    "Active Std",
    "Active Max",
    "Active Min",
    "Idle Mean",
    "Idle Std",
    "Idle Max",
    "Idle Min",
)

# CIC name -> nfstream attribute, for the features that are one attribute (ms -> us aside).
_DIRECT = {
    "Destination Port": "dst_port",
    "Total Fwd Packets": "src2dst_packets",
    "Total Backward Packets": "dst2src_packets",
    "Total Length of Fwd Packets": "src2dst_bytes",
    "Total Length of Bwd Packets": "dst2src_bytes",
    "Fwd Packet Length Max": "src2dst_max_ps",
    "Fwd Packet Length Min": "src2dst_min_ps",
    "Fwd Packet Length Mean": "src2dst_mean_ps",
    "Fwd Packet Length Std": "src2dst_stddev_ps",
    "Bwd Packet Length Max": "dst2src_max_ps",
    "Bwd Packet Length Min": "dst2src_min_ps",
    "Bwd Packet Length Mean": "dst2src_mean_ps",
    "Bwd Packet Length Std": "dst2src_stddev_ps",
    "Fwd PSH Flags": "src2dst_psh_packets",
    "Bwd PSH Flags": "dst2src_psh_packets",
    "Fwd URG Flags": "src2dst_urg_packets",
    "Bwd URG Flags": "dst2src_urg_packets",
    "Min Packet Length": "bidirectional_min_ps",
    "Max Packet Length": "bidirectional_max_ps",
    "Packet Length Mean": "bidirectional_mean_ps",
    "Packet Length Std": "bidirectional_stddev_ps",
    "FIN Flag Count": "bidirectional_fin_packets",
    "SYN Flag Count": "bidirectional_syn_packets",
    "RST Flag Count": "bidirectional_rst_packets",
    "PSH Flag Count": "bidirectional_psh_packets",
    "ACK Flag Count": "bidirectional_ack_packets",
    "URG Flag Count": "bidirectional_urg_packets",
    "CWE Flag Count": "bidirectional_cwr_packets",
    "ECE Flag Count": "bidirectional_ece_packets",
    "Avg Fwd Segment Size": "src2dst_mean_ps",
    "Avg Bwd Segment Size": "dst2src_mean_ps",
    "Subflow Fwd Packets": "src2dst_packets",
    "Subflow Fwd Bytes": "src2dst_bytes",
    "Subflow Bwd Packets": "dst2src_packets",
    "Subflow Bwd Bytes": "dst2src_bytes",
}
_MS = 1000.0  # nfstream milliseconds -> CIC microseconds
_IAT = {
    "Flow IAT": "bidirectional",
    "Fwd IAT": "src2dst",
    "Bwd IAT": "dst2src",
}
_IAT_STATS = {
    "Mean": "mean_piat_ms",
    "Std": "stddev_piat_ms",
    "Max": "max_piat_ms",
    "Min": "min_piat_ms",
}
# Measured by our nfstream plugin (sensors/plugin.py) rather than by nfstream itself:
# the two header sums, then the tail of CIC_FEATURES from the initial windows on.
EXTRAS: tuple[str, ...] = (
    "Fwd Header Length",
    "Bwd Header Length",
    *CIC_FEATURES[CIC_FEATURES.index("Init_Win_bytes_forward") :],
)


class FeatureError(InvalidInput):
    """Flow input that cannot be read as CIC-IDS2017 flows (names the source)."""

    name = "Invalid flow input"


def _rates(f: Mapping[str, Any], row: dict[str, float]) -> None:
    seconds = max(float(f["bidirectional_duration_ms"]) / 1000.0, 1e-6)
    packets = float(f["bidirectional_packets"])
    row["Flow Bytes/s"] = float(f["bidirectional_bytes"]) / seconds
    row["Flow Packets/s"] = packets / seconds
    row["Fwd Packets/s"] = float(f["src2dst_packets"]) / seconds
    row["Bwd Packets/s"] = float(f["dst2src_packets"]) / seconds
    fwd = max(float(f["src2dst_packets"]), 1.0)
    row["Down/Up Ratio"] = float(int(float(f["dst2src_packets"]) / fwd))
    row["Average Packet Size"] = float(f["bidirectional_bytes"]) / max(packets, 1.0)


def cic_row(flow: Mapping[str, Any]) -> dict[str, float]:
    """The CIC-IDS2017 features of one nfstream flow (attributes plus our extras)."""
    row = {name: float(flow[attr]) for name, attr in _DIRECT.items()}
    row["Flow Duration"] = float(flow["bidirectional_duration_ms"]) * _MS
    for prefix, side in _IAT.items():
        for stat, attr in _IAT_STATS.items():
            row[f"{prefix} {stat}"] = float(flow[f"{side}_{attr}"]) * _MS
    row["Fwd IAT Total"] = float(flow["src2dst_duration_ms"]) * _MS
    row["Bwd IAT Total"] = float(flow["dst2src_duration_ms"]) * _MS
    row["Packet Length Variance"] = float(flow["bidirectional_stddev_ps"]) ** 2
    _rates(flow, row)
    for name in EXTRAS:
        row[name] = float(flow[name])
    row["Fwd Header Length.1"] = row["Fwd Header Length"]
    for name in CIC_FEATURES:
        row.setdefault(name, 0.0)  # the bulk features
    return row


def canonical(column: str) -> str:
    """CIC-IDS2017 CSVs pad some names with spaces; compare them stripped."""
    return column.strip()


def require_columns(columns: Iterable[str], needed: Sequence[str], source: str) -> None:
    """Raise a :class:`FeatureError` naming ``source`` and the columns it lacks."""
    have = {canonical(c) for c in columns}
    missing = [c for c in needed if c not in have]
    if missing:
        shown = ", ".join(missing[:8]) + (" ..." if len(missing) > 8 else "")
        raise FeatureError(f"{source}: missing {len(missing)} CIC-IDS2017 column(s): {shown}")
