"""Cowrie (from PyPI, in a venv of its own) run as an unprivileged process.

Cowrie refuses to run as root; when we are root it runs as ``user`` (``nobody`` by
default), and its home (configuration, keys, logs, downloads) belongs to that user.
Everything is configured in ``<home>/etc/cowrie.cfg``, which Cowrie reads from its
working directory; ``extra`` adds Cowrie settings (e.g. its MISP output) by section.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CowrieSetup", "start_cowrie", "wait_listening", "write_config"]


@dataclass(frozen=True)
class CowrieSetup:
    """Where and how one Cowrie sensor runs."""

    home: Path
    ssh_port: int = 2222
    bind: str = "127.0.0.1"
    sensor: str = "cowrie"
    hostname: str = "svr04"
    telnet_port: int | None = None
    extra: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def log(self) -> Path:
        """Cowrie's JSON log."""
        return self.home / "var" / "log" / "cowrie" / "cowrie.json"

    @property
    def downloads(self) -> Path:
        """Where Cowrie keeps the files sessions fetched (named by SHA-256)."""
        return self.home / "var" / "lib" / "cowrie" / "downloads"


def _sections(setup: CowrieSetup) -> dict[str, dict[str, str]]:
    state = setup.home / "var" / "lib" / "cowrie"
    telnet = {"enabled": "false"}
    if setup.telnet_port is not None:
        telnet = {
            "enabled": "true",
            "listen_endpoints": f"tcp:{setup.telnet_port}:interface={setup.bind}",
        }
    sections = {
        "honeypot": {
            "hostname": setup.hostname,
            "sensor_name": setup.sensor,
            "log_path": str(setup.log.parent),
            "state_path": str(state),
            "download_path": str(setup.downloads),
            "ttylog_path": str(state / "tty"),
        },
        "ssh": {
            "enabled": "true",
            "listen_endpoints": f"tcp:{setup.ssh_port}:interface={setup.bind}",
        },
        "telnet": telnet,
        "output_jsonlog": {"enabled": "true", "logfile": str(setup.log)},
    }
    for name, values in setup.extra.items():
        sections.setdefault(name, {}).update(values)
    return sections


def write_config(setup: CowrieSetup) -> Path:
    """Write ``<home>/etc/cowrie.cfg`` and create the folders Cowrie writes to."""
    for folder in (
        setup.home / "etc",
        setup.log.parent,
        setup.downloads,
        setup.home / "var" / "lib" / "cowrie" / "tty",
    ):
        folder.mkdir(parents=True, exist_ok=True)
    text = "".join(
        f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in values.items()) + "\n"
        for name, values in _sections(setup).items()
    )
    path = setup.home / "etc" / "cowrie.cfg"
    path.write_text(text, encoding="utf-8")
    return path


def _give_to(home: Path, user: str) -> tuple[int, int]:
    entry = pwd.getpwnam(user)
    for folder, _dirs, files in os.walk(home):
        shutil.chown(folder, entry.pw_uid, entry.pw_gid)
        for name in files:
            shutil.chown(os.path.join(folder, name), entry.pw_uid, entry.pw_gid)
    return entry.pw_uid, entry.pw_gid


def start_cowrie(
    setup: CowrieSetup, venv: Path, *, user: str = "nobody"
) -> subprocess.Popen[bytes]:
    """Start Cowrie from ``venv`` (a venv with ``cowrie`` installed) in the foreground of a
    child process; as ``user`` when we are root. Its output goes to ``<home>/cowrie.out``."""
    twistd = venv / "bin" / "twistd"
    if not twistd.exists():
        raise FileNotFoundError(f"{twistd} not found: is Cowrie installed in {venv}?")
    write_config(setup)
    ids: dict[str, object] = {}
    if os.geteuid() == 0:
        uid, gid = _give_to(setup.home, user)
        ids = {"user": uid, "group": gid, "extra_groups": []}
    # Cowrie reads any setting from COWRIE_<SECTION>_<OPTION> (e.g. its MISP output's):
    # those pass through, nothing else of our environment (keys, database URLs) does.
    env = {k: v for k, v in os.environ.items() if k.startswith("COWRIE_")}
    env.update(PATH=os.environ.get("PATH", "/usr/bin:/bin"), HOME=str(setup.home))
    env["PYTHONUNBUFFERED"] = "1"
    with (setup.home / "cowrie.out").open("ab") as out:
        return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
            [str(twistd), "-n", "--umask=0022", "--pidfile=", "cowrie"],
            cwd=setup.home,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            **ids,
        )


def wait_listening(
    host: str, port: int, process: subprocess.Popen[bytes], timeout: float = 60.0
) -> None:
    """Return once ``host:port`` accepts connections; raise if the process ends first or
    the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Cowrie exited with status {process.returncode} before listening")
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"Cowrie did not listen on {host}:{port} within {timeout:.0f} s")
