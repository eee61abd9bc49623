"""The detection service's loop: watch a directory, process each input once it is whole."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from threatmesh.client.misp_detections import MispDetections
from threatmesh.services.detect.service import DetectConfig, FileReport, Scorer, process_file

log = logging.getLogger("threatmesh.detect")
SUFFIXES = {".pcap", ".cap", ".pcapng", ".csv"}


@dataclass
class Watcher:
    """Polls ``directory``; a file is processed when its size and mtime held for one poll
    (a capture still being written keeps changing), and again only if it changes."""

    directory: Path | None
    scorer: Scorer
    sink: MispDetections
    cfg: DetectConfig
    bank: Path | None = None
    poll_seconds: float = 1.0
    done: dict[str, tuple[int, float]] = field(default_factory=dict)
    pending: dict[str, tuple[int, float]] = field(default_factory=dict)
    reports: list[FileReport] = field(default_factory=list)
    # One input at a time: the directory and a NATS subject may both hand files over,
    # and the PyMISP session is not meant for concurrent use.
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def process(self, path: Path) -> FileReport:
        """Process one input (from the directory or named on NATS); log what it gave."""
        with self._lock:
            report = process_file(path, self.scorer, self.sink, self.cfg, self.bank)
            self.reports.append(report)
        note = f" ({report.error})" if report.error else ""
        log.info(
            "%s: %d flows, %d detections, %d objects, %d sightings%s",
            path.name,
            report.flows,
            report.detections,
            report.objects,
            report.sightings,
            note,
        )
        return report

    def _ready(self, path: Path, wait_stable: bool) -> tuple[int, float] | None:
        if path.name.startswith(".") or path.suffix.lower() not in SUFFIXES:
            return None
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        sig = (stat.st_size, stat.st_mtime)
        if self.done.get(path.name) == sig:
            return None
        if wait_stable and self.pending.get(path.name) != sig:
            self.pending[path.name] = sig
            return None
        return sig

    def poll(self, *, wait_stable: bool = True) -> list[FileReport]:
        """Process what is ready in the directory now; return those reports."""
        out = []
        for path in sorted(self.directory.iterdir()) if self.directory else []:
            sig = self._ready(path, wait_stable)
            if sig is not None:
                out.append(self.process(path))
                self.done[path.name] = sig
        return out

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set."""
        while not stop.is_set():
            self.poll()
            stop.wait(self.poll_seconds)
