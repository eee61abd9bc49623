"""Captures and flow CSVs read as :class:`FlowBatch` streams, a bounded chunk at a time.

pcap: nfstream meters bidirectional flows in C (one meter process, to stay light); the
plugin below adds the CICFlowMeter features nfstream lacks. A flow is emitted when it
expires, so memory holds only the flows still open, never the capture. CSV: CIC-IDS2017
column names (with or without their stray spaces), read row by row.
"""

from __future__ import annotations

import csv
import math
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from threatmesh.detection.batch import FlowBatch
from threatmesh.detection.features import (
    CIC_FEATURES,
    IDENTITY,
    LABEL,
    FeatureError,
    canonical,
    cic_row,
    require_columns,
)
from threatmesh.detection.schedule import FlowKey, Labeller, Schedule
from threatmesh.sensors.pcapfile import check_pcap
from threatmesh.sensors.plugin import CICExtras

CHUNK_ROWS = 20_000
# CICFlowMeter's timeouts: 120 s flow timeout; its 5 s activity timeout is in the plugin.
IDLE_TIMEOUT_S = 120


def _flow_dict(flow: Any) -> dict[str, Any]:
    data = dict(zip(flow.keys(), flow.values(), strict=True))
    udps = flow.udps
    data.update({name: getattr(udps, CICExtras.slot(name)) for name in CICExtras.NAMES})
    return data


def _identity(f: dict[str, Any]) -> dict[str, Any]:
    return {
        "Source IP": f["src_ip"],
        "Source Port": int(f["src_port"]),
        "Destination IP": f["dst_ip"],
        "Protocol": int(f["protocol"]),
        "First Seen": f["bidirectional_first_seen_ms"] / 1000.0,
        "Last Seen": f["bidirectional_last_seen_ms"] / 1000.0,
    }


def pcap_flows(
    path: Path, *, chunk_rows: int = CHUNK_ROWS, schedule: Schedule | None = None
) -> Iterator[FlowBatch]:
    """Flows of a pcap, ``chunk_rows`` at a time; labelled when a lab schedule is given."""
    check_pcap(path)
    try:
        from nfstream import NFStreamer
    except ImportError as exc:  # pragma: no cover - the ml extra is part of dev
        raise FeatureError("pcap input needs nfstream: pip install 'threatmesh[ml]'") from exc
    streamer = NFStreamer(
        source=str(path),
        statistical_analysis=True,
        n_dissections=0,
        accounting_mode=3,
        idle_timeout=IDLE_TIMEOUT_S,
        n_meters=1,
        udps=CICExtras(),
    )
    rows: list[dict[str, float]] = []
    ident: list[dict[str, Any]] = []
    labeller = Labeller(schedule) if schedule is not None else None
    try:
        for flow in streamer:
            f = _flow_dict(flow)
            if int(f["ip_version"]) != 4:
                continue
            rows.append(cic_row(f))
            ident.append(_identity(f))
            if len(rows) >= chunk_rows:
                yield _batch(str(path), ident, rows, labeller)
                rows, ident = [], []
    except (ValueError, OSError) as exc:
        raise FeatureError(f"{path}: cannot read the capture: {exc}") from exc
    if rows:
        yield _batch(str(path), ident, rows, labeller)


def _batch(
    source: str,
    ident: list[dict[str, Any]],
    rows: list[dict[str, float]],
    labeller: Labeller | None,
) -> FlowBatch:
    feats = np.array([[r[c] for c in CIC_FEATURES] for r in rows], dtype=np.float64)
    labels = None
    if labeller is not None:
        labels = labeller(flow_key(i, r) for i, r in zip(ident, rows, strict=True))
    return FlowBatch(source, ident, feats, labels)


def flow_key(ident: dict[str, Any], row: dict[str, float]) -> FlowKey:
    """What a schedule labels a flow by: its identity columns and destination port."""
    return FlowKey(
        str(ident["Source IP"]),
        str(ident["Destination IP"]),
        float(ident["First Seen"]),
        int(ident["Source Port"]),
        int(row["Destination Port"]),
        int(ident["Protocol"]),
    )


def _number(text: str, path: Path, line: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FeatureError(f"{path}:{line}: column {column!r}: {text!r} is not a number") from None
    return value if math.isfinite(value) else 0.0


def csv_flows(path: Path, *, chunk_rows: int = CHUNK_ROWS) -> Iterator[FlowBatch]:
    """Flows of a CSV with CIC-IDS2017 columns (``Label`` and identity columns optional)."""
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.reader(fh)
        header = [canonical(c) for c in next(reader, [])]
        if not header:
            raise FeatureError(f"{path}: empty file, expected a CIC-IDS2017 header")
        require_columns(header, CIC_FEATURES, str(path))
        index = {name: i for i, name in enumerate(header)}
        feats: list[list[float]] = []
        ident: list[dict[str, Any]] = []
        labels: list[str] | None = [] if LABEL in index else None
        for line, row in enumerate(reader, start=2):
            if len(row) != len(header):
                raise FeatureError(f"{path}:{line}: {len(row)} fields, header has {len(header)}")
            feats.append([_number(row[index[c]], path, line, c) for c in CIC_FEATURES])
            ident.append(_csv_identity(row, index))
            if labels is not None:
                labels.append(row[index[LABEL]].strip())
            if len(feats) >= chunk_rows:
                yield FlowBatch(str(path), ident, np.array(feats), labels)
                feats, ident, labels = [], [], [] if labels is not None else None
        if feats:
            yield FlowBatch(str(path), ident, np.array(feats), labels)


def _csv_identity(row: Sequence[str], index: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in IDENTITY:
        text = row[index[name]] if name in index else ""
        out[name] = text if name in {"Source IP", "Destination IP"} else _maybe(text)
    return out


def _maybe(text: str) -> float | int | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


def write_csv(path: Path, batches: Iterator[FlowBatch]) -> int:
    """Write flows as CSV (identity, CIC features, Label when known); return the count."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*IDENTITY, *CIC_FEATURES, LABEL])
        for batch in batches:
            for i, ident in enumerate(batch.identity):
                label = batch.labels[i] if batch.labels is not None else ""
                values = [_fmt(v) for v in batch.features[i]]
                writer.writerow([*(ident[c] for c in IDENTITY), *values, label])
                count += 1
    return count


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def read_flows(path: Path, *, chunk_rows: int = CHUNK_ROWS) -> Iterator[FlowBatch]:
    """pcap/pcapng or CSV, chosen by content: CSVs start with a text header."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if len(head) == 4 and struct.unpack("<I", head)[0] in _PCAP_MAGICS:
        return pcap_flows(path, chunk_rows=chunk_rows)
    if path.suffix.lower() in {".pcap", ".pcapng", ".cap"}:
        check_pcap(path)  # raises with the reason
    return csv_flows(path, chunk_rows=chunk_rows)


_PCAP_MAGICS = {0xA1B2C3D4, 0xD4C3B2A1, 0xA1B23C4D, 0x4D3CB2A1, 0x0A0D0D0A}
