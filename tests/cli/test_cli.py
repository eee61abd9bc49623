"""The ``threatmesh`` command as operators script it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from tests.support import free_port

from threatmesh.storage.core.database import head_revision

BIN = Path(sys.executable).with_name("threatmesh")


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=120)


def _env(tmp_path: Path, db_url: str) -> dict[str, str]:
    return {**os.environ, "THREATMESH_DATA_DIR": str(tmp_path), "THREATMESH_DATABASE_URL": db_url}


def test_admin_init_prints_only_the_key(tmp_path: Path, db_url: str) -> None:
    env = _env(tmp_path, db_url)
    done = _run(["admin", "init", "--org", "CIRCL", "--email", "admin@circl.test"], env)
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip()
    assert len(key) == 40 and key.isalnum() and done.stdout.count("\n") == 1
    again = _run(["admin", "init", "--org", "CIRCL", "--email", "admin@circl.test"], env)
    assert again.returncode == 2 and "already exists" in again.stderr and again.stdout == ""
    user = _run(["admin", "add-user", "analyst@circl.test", "--org", "CIRCL"], env)
    assert user.returncode == 0, user.stderr
    assert len(user.stdout.strip()) == 40


def test_db_upgrade_is_idempotent(tmp_path: Path, sqlite_url: str) -> None:
    env = _env(tmp_path, sqlite_url)
    for _ in range(2):
        done = _run(["db", "upgrade"], env)
        assert done.returncode == 0, done.stderr
        assert f"schema at {head_revision()}" in done.stderr


def test_serve_answers_pymisp_handshake(tmp_path: Path, sqlite_url: str) -> None:
    env = _env(tmp_path, sqlite_url)
    key = _run(["admin", "init", "--org", "ORG", "--email", "a@org.test"], env).stdout.strip()
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                answer = httpx.get(
                    f"{url}/servers/getVersion", headers={"Authorization": key}, timeout=2
                )
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise AssertionError(
                        proc.stderr.read() if proc.stderr else "server died"
                    ) from None
                time.sleep(0.1)
        assert answer.status_code == 200
        assert answer.json()["perm_sync"] is True
        spec = httpx.get(f"{url}/openapi.json", timeout=5).json()
        assert "/events/restSearch" in spec["paths"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stderr:
            proc.stderr.close()
