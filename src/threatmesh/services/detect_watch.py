"""The detection service's loop: watch a directory, process each input once it is whole."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from threatmesh.client.misp_detections import MispDetections
from threatmesh.services.detect import DetectConfig, FileReport, Scorer, process_file

log = logging.getLogger("threatmesh.detect")
SUFFIXES = {".pcap", ".cap", ".pcapng", ".csv"}


@dataclass
class Watcher:
    """Polls ``directory``; a file is processed when its size and mtime held for one poll
    (a capture still being written keeps changing), and again only if it changes."""

    directory: Path
    scorer: Scorer
    sink: MispDetections
    cfg: DetectConfig
    bank: Path | None = None
    poll_seconds: float = 1.0
    done: dict[str, tuple[int, float]] = field(default_factory=dict)
    pending: dict[str, tuple[int, float]] = field(default_factory=dict)
    reports: list[FileReport] = field(default_factory=list)

    def poll(self, *, wait_stable: bool = True) -> list[FileReport]:
        """Process what is ready now; return those reports."""
        out = []
        for path in sorted(self.directory.iterdir()):
            if path.name.startswith(".") or path.suffix.lower() not in SUFFIXES:
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            sig = (stat.st_size, stat.st_mtime)
            if self.done.get(path.name) == sig:
                continue
            if wait_stable and self.pending.get(path.name) != sig:
                self.pending[path.name] = sig
                continue
            report = process_file(path, self.scorer, self.sink, self.cfg, self.bank)
            log.info(
                "%s: %d flows, %d detections, %d objects, %d sightings%s",
                path.name,
                report.flows,
                report.detections,
                report.objects,
                report.sightings,
                f" ({report.error})" if report.error else "",
            )
            self.done[path.name] = sig
            out.append(report)
        self.reports.extend(out)
        return out

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set."""
        while not stop.is_set():
            self.poll()
            stop.wait(self.poll_seconds)
