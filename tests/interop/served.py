"""Test support for the interoperability tests: a fresh threatmesh instance set up and
served exactly as the README says (``threatmesh db upgrade``, ``threatmesh admin init``,
``threatmesh serve``), each command a subprocess, on SQLite or PostgreSQL.

Only the CLI and HTTP are used, so these tests measure what an operator deploys."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import database_url, free_port

BIN = Path(sys.executable).with_name("threatmesh")
#: uvicorn's access line: ``127.0.0.1:5555 - "GET /path HTTP/1.1" 500 Internal Server Error``.
ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3})')


@dataclass
class ServedInstance:
    """A ``threatmesh serve`` subprocess: its URL, the site admin's key, its log."""

    url: str
    admin_key: str
    log: Path

    def access_lines(self) -> list[tuple[str, str, int]]:
        """(method, path, status) of every request the server logged so far."""
        found = ACCESS_LINE.finditer(self.log.read_text(encoding="utf-8", errors="replace"))
        return [(m["method"], m["path"], int(m["status"])) for m in found]

    def server_errors(self) -> list[str]:
        """Every 5xx answer and every traceback in the server's log."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        errors = [f"{m} {p} -> {s}" for m, p, s in self.access_lines() if s >= 500]
        if "Traceback (most recent call last)" in text:
            errors.append(f"a traceback in the server log {self.log}")
        return errors


def _run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run a threatmesh command; its stdout (the test fails with stderr if it fails)."""
    done = subprocess.run(
        [str(BIN), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        pytest.fail(f"threatmesh {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def _wait_until_up(proc: subprocess.Popen[bytes], url: str, key: str, log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            pytest.fail(f"threatmesh serve exited ({proc.returncode}):\n{log.read_text()}")
        try:
            r = httpx.get(f"{url}/servers/getVersion", headers={"Authorization": key}, timeout=5)
            if r.status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"threatmesh serve did not answer within 90 s:\n{log.read_text()}")
        time.sleep(0.1)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)


@contextmanager
def served(
    kind: str,
    tmp_path: Path,
    *,
    org: str = "ORGNAME",
    library: bool = False,
    settings: dict[str, str] | None = None,
) -> Iterator[ServedInstance]:
    """A fresh database of ``kind`` ("sqlite" or "postgresql"; PostgreSQL skips when
    absent, fails under CI=true), migrated, with ``org`` and its site admin
    ``admin@admin.test``, served on a free loopback port until the block ends. With
    ``library``, MISP's knowledge library is loaded first (``threatmesh library update``,
    as MISP's installer loads it); ``settings``: more ``THREATMESH_*`` variables."""
    home = tmp_path / "server"
    home.mkdir()
    with database_url(kind, home) as db_url:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "THREATMESH_DATABASE_URL": db_url,
            "THREATMESH_DATA_DIR": str(home / "data"),
            "THREATMESH_BASE_URL": url,
            **(settings or {}),
        }
        _run(["db", "upgrade"], env, home)
        key = _run(["admin", "init", "--org", org, "--email", "admin@admin.test"], env, home)
        if library:
            _run(["library", "update"], env, home)
        log = home / "serve.log"
        with log.open("wb") as out:
            # --no-migrate: the schema is already there; log_level info = access lines.
            proc = subprocess.Popen(
                [str(BIN), "serve", "--port", str(port), "--no-migrate"],
                env=env,
                cwd=home,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_up(proc, url, key.strip(), log)
            yield ServedInstance(url, key.strip(), log)
        finally:
            _stop(proc)


def run_pymisp_suite(work: Path, test_file: str, timeout: int) -> tuple[Path, Path]:
    """Run one of PyMISP's live test files in ``work`` with pytest, in a subprocess with
    none of our plugins or paths; its junit XML report and its console output."""
    junit, console = work / "junit.xml", work / "console.txt"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only PyMISP's suite, no plugins of ours
    args = ["-p", "no:cacheprovider", "-o", "addopts=", f"--junitxml={junit}", test_file]
    with console.open("wb") as out:
        subprocess.run(
            [sys.executable, "-m", "pytest", *args],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    if not junit.exists():
        pytest.fail(f"{test_file} wrote no report:\n{console.read_text()[-3000:]}")
    return junit, console
