"""The watcher processes a file once it stops changing, and again only if it changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from threatmesh.detection.batch import Matrix
from threatmesh.detection.network import F32
from threatmesh.services.detect.service import DetectConfig
from threatmesh.services.detect.watch import Watcher


class _Zero:
    def score(self, features: Matrix) -> F32:
        return np.zeros(len(features), np.float32)


def test_waits_for_a_stable_file_and_skips_bad_ones(tmp_path: Path) -> None:
    # Bad inputs never reach the platform, so no sink is needed here.
    watcher = Watcher(tmp_path, _Zero(), None, DetectConfig())  # type: ignore[arg-type]
    growing = tmp_path / "cap.pcap"
    growing.write_bytes(b"\xd4\xc3\xb2\xa1")
    (tmp_path / ".staging.pcap").write_bytes(b"x")
    assert watcher.poll() == []  # first sight: wait one poll
    with growing.open("ab") as fh:
        fh.write(b"\x00" * 10)
    assert watcher.poll() == []  # it changed: wait again
    (report,) = watcher.poll()
    assert "truncated pcap header" in report.error and report.path.endswith("cap.pcap")
    assert watcher.poll() == []  # done, unchanged
    growing.write_bytes(b"not a capture at all, longer")
    watcher.poll()
    (again,) = watcher.poll()
    assert "not a pcap file" in again.error
