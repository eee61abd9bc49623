"""Use case: score new captures and flow files, publish detections, bank benign flows.

For each input: flows are read a chunk at a time and scored; flows at or over
``threshold`` are grouped into an event per attacker and window (found again by its
UUID, so a later file adds to it), with one object per attacker/target/port/protocol
carrying the flow's packets carved from the pcap; a group seen again becomes a sighting.
Flows under ``benign_threshold`` are written to the bank for retraining.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from threatmesh.client.misp_detections import EventState, MispDetections, ObjectSpec
from threatmesh.detection import alerts
from threatmesh.detection.batch import FlowBatch, Matrix
from threatmesh.detection.features import CIC_FEATURES
from threatmesh.detection.network import F32
from threatmesh.model.errors import ThreatmeshError
from threatmesh.sensors.flows import read_flows, write_csv
from threatmesh.sensors.pcapfile import carve

log = logging.getLogger("threatmesh.detect")
_PORT = CIC_FEATURES.index("Destination Port")


class Scorer(Protocol):
    """Anything that scores raw CIC feature rows (PyTorch detector, ONNX Runtime)."""

    def score(self, features: Matrix) -> F32: ...


@dataclass(frozen=True)
class DetectConfig:
    """The service's knobs (the EBIDS defaults: 0.75 to report, 0.01 to bank)."""

    detector: str = "EBIDS"
    version: str = ""
    threshold: float = 0.75
    benign_threshold: float = 0.01
    window_seconds: int = 300
    max_per_file: int = 3000
    max_objects: int = 100
    max_packets: int = 200


@dataclass
class FileReport:
    """What one input gave."""

    path: str
    flows: int = 0
    detections: int = 0
    banked: int = 0
    events: list[str] = field(default_factory=list)
    objects: int = 0
    sightings: int = 0
    error: str = ""


def _scored(batch: FlowBatch, scores: F32, threshold: float) -> Iterator[alerts.ScoredFlow]:
    for i, (ident, score) in enumerate(zip(batch.identity, scores, strict=True)):
        if score >= threshold:
            yield alerts.ScoredFlow(
                i,
                str(ident["Source IP"]),
                int(ident["Source Port"] or 0),
                str(ident["Destination IP"]),
                int(batch.features[i, _PORT]),
                int(ident["Protocol"] or 0),
                float(ident["First Seen"] or 0),
                float(ident["Last Seen"] or 0),
                float(score),
            )


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()


def _spec(group: alerts.FlowGroup, pcap: bytes, cfg: DetectConfig) -> ObjectSpec:
    src, dst, dport, proto = group.key
    key = alerts.object_key(src, dst, dport, proto)
    confidence = group.confidence
    attributes = [
        ("ip-src", "ip-src", src),
        ("ip-dst", "ip-dst", dst),
        ("dst-port", "port", str(dport)),
        ("protocol", "text", alerts.protocol_name(proto)),
        ("first-seen", "datetime", _iso(group.first)),
        ("last-seen", "datetime", _iso(group.last)),
        (
            "attack-type",
            "text",
            alerts.attack_type(cfg.detector, cfg.version, confidence, cfg.threshold),
        ),
        ("flow-key", "text", key),
        ("flows", "counter", str(len(group.flows))),
        ("verified", "boolean", "0"),
    ]
    name = f"{key.replace('>', '_').replace(':', '_').replace('/', '_')}.pcap"
    return ObjectSpec(key, attributes, name if pcap else "", pcap, group.first, group.last)


def _carved(path: Path, groups: Sequence[alerts.FlowGroup], cfg: DetectConfig) -> list[bytes]:
    if path.suffix.lower() not in {".pcap", ".cap"} or not groups:
        return [b""] * len(groups)
    return carve(path, [g.flows for g in groups], max_packets=cfg.max_packets)


def publish(
    path: Path,
    flows: list[alerts.ScoredFlow],
    sink: MispDetections,
    cfg: DetectConfig,
    report: FileReport,
) -> None:
    """Write the windows of ``flows`` to the platform (events, objects, sightings).

    Flows without addresses (CIC-IDS2017's MachineLearningCVE CSVs have none) are scored
    and counted but cannot be reported: there is no attacker to name.
    """
    named = [f for f in flows if f.src and f.dst]
    if len(named) < len(flows):
        log.warning(
            "%s: %d detections without addresses not published", path, len(flows) - len(named)
        )
    for win in alerts.windows(named, cfg.window_seconds):
        confidence = max(g.confidence for g in win.groups.values())
        tags = [*alerts.EVENT_TAGS, alerts.likelihood_tag(confidence)]
        state = sink.ensure_event(
            win.event_uuid(cfg.detector), win.info(cfg.detector), win.attacker, tags
        )
        report.events.append(win.event_uuid(cfg.detector))
        _publish_groups(path, win, state, sink, cfg, report)


def _publish_groups(
    path: Path,
    win: alerts.Window,
    state: EventState,
    sink: MispDetections,
    cfg: DetectConfig,
    report: FileReport,
) -> None:
    fresh: list[alerts.FlowGroup] = []
    seen: list[alerts.FlowGroup] = []
    for group in win.groups.values():
        known = state.objects.get(alerts.object_key(*group.key))
        (seen if known else fresh).append(group)
    room = max(cfg.max_objects - len(state.objects), 0)
    chosen = alerts.top(fresh, room)
    for group, pcap in zip(chosen, _carved(path, chosen, cfg), strict=True):
        sink.add_object(state, _spec(group, pcap, cfg), [alerts.likelihood_tag(group.confidence)])
        report.objects += 1
    for group in seen:
        sink.sight(state.objects[alerts.object_key(*group.key)], cfg.detector, group.last)
        report.sightings += 1
    if len(fresh) > len(chosen) and state.attacker_attr:
        # Past the object cap the attacker itself is sighted once for the overflow.
        sink.sight(state.attacker_attr, cfg.detector, max(g.last for g in fresh))
        report.sightings += 1


def _scan(
    path: Path,
    scorer: Scorer,
    cfg: DetectConfig,
    report: FileReport,
    found: list[alerts.ScoredFlow],
) -> Iterator[FlowBatch]:
    """Score ``path`` chunk by chunk, collecting detections; yield the benign to bank.

    A generator, so the bank is written as the capture is read: only the (capped)
    detections are held until the end, never the capture's flows.
    """
    for batch in read_flows(path):
        scores = scorer.score(batch.features)
        report.flows += len(batch)
        room = cfg.max_per_file - len(found)
        found.extend(list(_scored(batch, scores, cfg.threshold))[: max(room, 0)])
        yield _subset(batch, [i for i, s in enumerate(scores) if s < cfg.benign_threshold])


def _bank(target: Path, chunks: Iterator[FlowBatch]) -> int:
    """Write the banked flows beside, then rename: a failed input leaves no bank file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.part")
    try:
        count = write_csv(part, chunks)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    part.replace(target)
    return count


def process_file(
    path: Path, scorer: Scorer, sink: MispDetections, cfg: DetectConfig, bank: Path | None
) -> FileReport:
    """Score one input and publish its detections; errors are returned, not raised."""
    report = FileReport(str(path))
    try:
        flows: list[alerts.ScoredFlow] = []
        chunks = _scan(path, scorer, cfg, report, flows)
        if bank is None:
            for _ in chunks:
                pass
        else:
            report.banked = _bank(bank / f"{path.name}.benign.csv", chunks)
        report.detections = len(flows)
        publish(path, flows, sink, cfg, report)
    except ThreatmeshError as exc:
        report.error = exc.message
        log.error("skipped %s: %s", path, exc.message)
    except Exception as exc:  # the service goes on with the next input whatever happened
        report.error = f"{path}: {exc.__class__.__name__}: {exc}"
        log.exception("skipped %s", path)
    return report


def _subset(batch: FlowBatch, rows: list[int]) -> FlowBatch:
    labels = ["BENIGN"] * len(rows)  # banked as normal samples, the way EBIDS banks them
    return FlowBatch(batch.source, [batch.identity[i] for i in rows], batch.features[rows], labels)


def connect(url: str, key: str, *, verify_tls: bool = True) -> MispDetections:
    """A publisher on the platform at ``url`` (any MISP-compatible server)."""
    return MispDetections(url, key, verify_tls=verify_tls)
