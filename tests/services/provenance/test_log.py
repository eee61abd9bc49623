"""Appending to the provenance log: on SQLite a process seals after the head it left
last and the guarded head move checks that guess; a stale or rolled-back guess falls
back to reading the head, and the chain always verifies."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from threatmesh.services.platform import Platform
from threatmesh.services.provenance import log as provenance
from threatmesh.storage.provenance import log as provenance_log
from threatmesh.storage.provenance.tables import provenance_head, provenance_records


def _append(platform: Platform, subject: str) -> None:
    with platform.write() as conn:
        provenance.append(platform, conn, kind="test", subject=subject, payload={"n": subject})


def _statements(platform: Platform, subject: str) -> list[str]:
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement.split()[0].upper())

    sa.event.listen(platform.engine, "before_cursor_execute", note)
    try:
        _append(platform, subject)
    finally:
        sa.event.remove(platform.engine, "before_cursor_execute", note)
    return [s for s in seen if s in ("SELECT", "INSERT", "UPDATE", "WITH")]


def _verified(platform: Platform) -> int:
    report = provenance.verify_log(platform)
    assert report["ok"], report["problems"]
    return int(report["checked"])


def test_a_remembered_head_saves_the_head_read_on_sqlite(platform: Platform) -> None:
    _append(platform, "first")  # creates the signing key
    _append(platform, "second")  # reads it back, committed, and keeps it
    done = _statements(platform, "third")
    if platform.engine.dialect.name == "sqlite":
        assert done == ["UPDATE", "INSERT"]
    assert _verified(platform) == 3


def test_another_writer_makes_the_guess_stale_and_nothing_breaks(platform: Platform) -> None:
    other = Platform(engine=platform.engine)  # another process on the same database
    _append(platform, "mine")
    _append(other, "theirs")
    _append(platform, "mine again")  # its guess is one record behind
    _append(other, "theirs again")
    assert _verified(platform) == 4
    with platform.read() as conn:
        seqs = [r["seq"] for r in provenance_log.records(conn)]
    assert seqs == [1, 2, 3, 4]


def test_a_rolled_back_append_leaves_a_wrong_guess_that_is_caught(platform: Platform) -> None:
    _append(platform, "kept")
    with pytest.raises(RuntimeError), platform.write() as conn:
        provenance.append(platform, conn, kind="test", subject="lost", payload={})
        raise RuntimeError("the change fails after its record")
    _append(platform, "next")
    assert _verified(platform) == 2
    with platform.read() as conn:
        head = conn.execute(sa.select(provenance_head.c.seq)).scalar_one()
        subjects = conn.execute(sa.select(provenance_records.c.subject)).scalars().all()
    assert head == 2 and sorted(subjects) == ["kept", "next"]
