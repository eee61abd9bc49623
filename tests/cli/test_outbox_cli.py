"""``threatmesh outbox status | prune``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from threatmesh.storage.core.database import create_engine
from threatmesh.storage.stream import outbox

BIN = Path(sys.executable).with_name("threatmesh")


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(BIN), *args], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout.strip()


def test_status_and_prune_keep_what_the_bus_has_not_taken(tmp_path: Path, sqlite_url: str) -> None:
    env = {
        **os.environ,
        "THREATMESH_DATA_DIR": str(tmp_path),
        "THREATMESH_DATABASE_URL": sqlite_url,
    }
    _run(["admin", "init", "--org", "ORG", "--email", "a@org.test"], env)  # 2 notifications
    assert _run(["outbox", "status"], env) == "newest 2, undelivered 2"
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:  # as if the relay had delivered the first one long ago
        conn.execute(
            outbox.notifications.update().where(outbox.notifications.c.id == 1).values(delivered=5)
        )
    assert _run(["outbox", "prune", "--older-than-days", "1"], env) == (
        "deleted 1 delivered notifications"
    )
    with engine.connect() as conn:
        assert list(conn.execute(sa.select(outbox.notifications.c.id)).scalars()) == [2]
    engine.dispose()
    assert _run(["outbox", "status"], env) == "newest 2, undelivered 1"
