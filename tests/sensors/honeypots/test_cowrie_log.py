"""Following Cowrie's JSON log: torn and foreign lines, and resuming after a restart."""

from __future__ import annotations

import json
from pathlib import Path

from tests.honeypots.ingest.test_cowrie import _records
from threatmesh.sensors.honeypots.cowrie_log import CowrieLog


def _write(path: Path, records: list[dict[str, object]], tail: str = "") -> None:
    with path.open("a") as f:
        f.write("".join(json.dumps(r) + "\n" for r in records) + tail)


def test_bad_lines_are_counted_and_skipped(tmp_path: Path) -> None:
    log = tmp_path / "cowrie.json"
    records = _records()
    _write(log, records[:3], "not json\n[1, 2]\n")
    _write(log, records[3:])
    reader = CowrieLog(log)
    assert [s.id for s in reader.read()] == [records[0]["session"]]
    assert reader.skipped == 2


def test_a_restart_goes_on_where_it_stopped_without_losing_an_open_session(
    tmp_path: Path,
) -> None:
    log, state = tmp_path / "cowrie.json", tmp_path / "state"
    records = _records()
    _write(log, records[:4], '{"session": "torn')  # the last line is still being written
    first = CowrieLog.resume(log, state)
    assert first.read() == [] and len(first.pending) == 1
    first.save(state)
    with log.open("r+") as f:  # the torn line is finished after the restart
        text = f.read()
        f.seek(0)
        f.write(text[: text.rindex('{"session": "torn')])
        f.truncate()
    _write(log, records[4:])
    second = CowrieLog.resume(log, state)
    closed = second.read()
    assert len(closed) == 1 and len(closed[0].logins) == 2
    assert second.read() == []
