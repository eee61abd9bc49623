"""The honeynet end to end (issue 17, point 3): the real Cowrie 3.1.4 from PyPI, run by
``threatmesh honeynet run`` as an unprivileged user, attacked over SSH by a script (a
brute force, then a login that runs commands and uploads a file over SFTP), reported by
two routes into two ``threatmesh serve`` instances:

- **plugin**: Cowrie's own MISP output plugin, unchanged, configured through
  ``COWRIE_OUTPUT_MISP_*`` as an operator would;
- **ingest**: ``threatmesh honeynet ingest`` reading Cowrie's JSON log.

Checked with PyMISP: the session the plugin reports (it skips sessions without a login)
is in both instances with the same title, tags and object attributes (ours adds the
client's SSH version and HASSH, which the plugin misses); our ingest also reports the
brute-force sessions, sights what a CERT had reported of the attacker's address, and
reading the log again (or into the plugin's instance) writes no session twice.

Downloads are not driven: Cowrie's ``wget`` refuses loopback and private addresses by
design, and the tests use no other network (the malware-sample route is covered by
``test_cowrie_misp_output.py``).
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paramiko
import pytest
from pymisp import MISPAttribute, MISPEvent, PyMISP

from tests.interop.served import ServedInstance, served
from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
#: The venv holding Cowrie (``make cowrie-venv``); another one with THREATMESH_COWRIE_VENV.
COWRIE_VENV = Path(os.environ.get("THREATMESH_COWRIE_VENV", ROOT / ".cache" / "cowrie-venv"))
BIN = Path(sys.executable).with_name("threatmesh")
SENSOR = "hp-1"
UPLOAD = b"#!/bin/sh\n# staged by the attacker\n./miner -o pool.example:3333\n"
PLUGIN_MISSES = {"client-version", "client-hassh"}


def _reachable_by_nobody(path: Path) -> bool:
    """Whether an unprivileged user can run ``path`` (every folder above it searchable)."""
    probe = subprocess.run(
        ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "test", "-x", str(path)],
        check=False,
    )
    return probe.returncode == 0


@pytest.fixture(params=["sqlite", "postgresql"])
def instances(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[ServedInstance, ServedInstance]]:
    """Two fresh instances: the plugin's and the ingest's."""
    (tmp_path / "p").mkdir()
    (tmp_path / "i").mkdir()
    with (
        served(request.param, tmp_path / "p") as plugin,
        served(request.param, tmp_path / "i") as ours,
    ):
        yield plugin, ours


@pytest.fixture
def cowrie_home() -> Iterator[Path]:
    """Cowrie's folder, outside pytest's private temporary folder (the unprivileged user
    Cowrie runs as must reach it)."""
    twistd = COWRIE_VENV / "bin" / "twistd"
    if not twistd.exists():
        pytest.fail(f"{twistd} is missing: run `make cowrie-venv` (make test does)")
    if os.geteuid() == 0 and not _reachable_by_nobody(twistd):
        pytest.fail(f"{twistd} is not reachable by an unprivileged user: rebuild it with "
                    "`make cowrie-venv` (it uses a system Python for this)")  # fmt: skip
    home = Path(tempfile.mkdtemp(prefix="threatmesh-cowrie-"))
    yield home
    shutil.rmtree(home, ignore_errors=True)


def _ssh(port: int, password: str) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect("127.0.0.1", port, username="root", password=password, timeout=20,
                   look_for_keys=False, allow_agent=False)  # fmt: skip
    return client


def _attack(port: int) -> None:
    """Two failed logins (each its own session), then a login that runs two commands
    and uploads a file (Cowrie's default users: root with any password but these)."""
    for password in ("root", "123456"):
        with pytest.raises(paramiko.AuthenticationException):
            _ssh(port, password)
    client = _ssh(port, "hunter2")
    sftp = client.open_sftp()
    sftp.putfo(io.BytesIO(UPLOAD), "/tmp/miner.sh")
    sftp.close()
    shell = client.invoke_shell()
    for line in ("uname -a", "cat /etc/passwd", "exit"):
        shell.send(f"{line}\n".encode())
        time.sleep(1.0)
    client.close()


def _run_cowrie(home: Path, port: int, plugin: ServedInstance) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "COWRIE_OUTPUT_MISP_ENABLED": "true",
        "COWRIE_OUTPUT_MISP_BASE_URL": plugin.url,
        "COWRIE_OUTPUT_MISP_API_KEY": plugin.admin_key,
        "COWRIE_OUTPUT_MISP_VERIFY_CERT": "false",
    }
    args = [str(BIN), "honeynet", "run", "--home", str(home), "--port", str(port),
            "--sensor", SENSOR, "--cowrie-venv", str(COWRIE_VENV)]  # fmt: skip
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _wait_for(condition: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.5)


def _ingest(server: ServedInstance, log: Path, state: Path) -> str:
    done = subprocess.run(
        [str(BIN), "honeynet", "ingest", str(log), "--url", server.url, "--key",
         server.admin_key, "--state", str(state)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def _cowrie_events(misp: PyMISP) -> list[MISPEvent]:
    """Every Cowrie session event, in full."""
    index = misp.search_index(pythonify=True)
    ids = [e.id for e in index if isinstance(e, MISPEvent) and "(Cowrie Session " in e.info]
    return [misp.get_event(i, pythonify=True) for i in ids]


def _content(event: MISPEvent) -> tuple[set[str], set[tuple[str, str, str]], set[tuple[str, str]]]:
    tags = {t.name for t in event.tags}
    objects = {
        (o.name, a.object_relation, str(a.value))
        for o in event.objects
        for a in o.attributes
        if a.object_relation not in PLUGIN_MISSES
    }
    attributes = {(a.type, str(a.value)) for a in event.attributes if a.type != "text"}
    return tags, objects, attributes


def test_cowrie_sessions_by_plugin_and_by_ingest_agree(
    instances: tuple[ServedInstance, ServedInstance], cowrie_home: Path
) -> None:
    plugin, ours = instances
    cert = PyMISP(ours.url, ours.admin_key, ssl=False)
    report = MISPEvent()
    report.info = "CERT report: SSH scanners"
    attribute = MISPAttribute()
    attribute.from_dict(type="ip-dst", value="127.0.0.1", category="Network activity")
    report.add_attribute(**attribute)
    cert_event = cert.add_event(report, pythonify=True)
    port = free_port()
    cowrie = _run_cowrie(cowrie_home, port, plugin)
    log = cowrie_home / "var" / "log" / "cowrie" / "cowrie.json"
    try:
        _wait_for(lambda: _listening(port), "Cowrie to listen")
        _attack(port)
        by_plugin = PyMISP(plugin.url, plugin.admin_key, ssl=False)
        _wait_for(lambda: len(_cowrie_events(by_plugin)) == 1, "the plugin's event")
        _wait_for(lambda: log.exists() and log.read_text().count("cowrie.session.closed") >= 3,
                  "three closed sessions in Cowrie's log")  # fmt: skip
    finally:
        cowrie.send_signal(signal.SIGTERM)
        out, _ = cowrie.communicate(timeout=60)
    assert cowrie.returncode == 0, out.decode()

    state = cowrie_home / "ingest.state"
    assert _ingest(ours, log, state).startswith("total: sessions: 3 reported, 0 already there")
    mine = _cowrie_events(cert)
    assert sorted(e.info.split(" (")[0] for e in mine) == [
        "SSH Attempted Access from 127.0.0.1",
        "SSH Attempted Access from 127.0.0.1",
        "SSH Successful Login with 3 Commands and 1 Uploads from 127.0.0.1",
    ]
    theirs = _cowrie_events(by_plugin)[0]
    same = next(e for e in mine if e.info == theirs.info)
    assert _content(same) == _content(theirs)
    clients = {a.object_relation for o in same.objects for a in o.attributes}
    assert PLUGIN_MISSES <= clients

    sighted = cert.get_event(cert_event.id, pythonify=True).attributes[0].sightings
    assert {s.source for s in sighted} == {f"{SENSOR} (Cowrie)"}
    assert len(sighted) == 3

    # Reading the whole log again writes nothing; into the plugin's instance, only the
    # sessions the plugin left out.
    state.unlink()
    assert _ingest(ours, log, state).startswith("total: sessions: 0 reported, 3 already there")
    assert _ingest(plugin, log, cowrie_home / "p.state").startswith(
        "total: sessions: 2 reported, 1 already there"
    )
    assert len(_cowrie_events(by_plugin)) == 3


def _listening(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
