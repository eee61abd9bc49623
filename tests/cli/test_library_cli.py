"""``threatmesh library update``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).with_name("threatmesh")


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=300)


def test_library_update_loads_then_finds_nothing_new(tmp_path: Path, sqlite_url: str) -> None:
    env = {
        **os.environ,
        "THREATMESH_DATA_DIR": str(tmp_path),
        "THREATMESH_DATABASE_URL": sqlite_url,
    }
    assert _run(["db", "upgrade"], env).returncode == 0
    first = _run(["library", "update", "taxonomies", "noticelists"], env)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith("taxonomies: Successfully updated ")
    assert lines[1] == "noticelists: Successfully updated 1 noticelists."
    again = _run(["library", "update", "taxonomies"], env)
    assert again.stdout.strip() == "taxonomies: All taxonomy libraries are up to date already."
    wrong = _run(["library", "update", "galaxys"], env)
    assert wrong.returncode != 0 and "unknown kind" in wrong.stderr
