"""A fake SSH server on loopback (paramiko's server side), for the ``ssh`` backend's
tests without a remote host: password ``decoys``, any user; an exec request runs the
command as a local process (``python3`` is this interpreter), its stdout to the channel,
the channel's EOF closing its stdin, its exit status sent back."""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import paramiko

PASSWORD = "decoys"
_HOST_KEY = paramiko.RSAKey.generate(1024)


class _Server(paramiko.ServerInterface):
    def __init__(self, fake: FakeSsh) -> None:
        self.fake = fake

    def check_auth_password(self, username: str, password: str) -> int:
        ok = password == PASSWORD
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        ok = kind == "session"
        return paramiko.OPEN_SUCCEEDED if ok else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel: Any, command: bytes) -> bool:
        args = shlex.split(command.decode())
        args[0] = sys.executable if args[0] == "python3" else args[0]
        self.fake.commands.append(args)
        process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        self.fake.processes.append(process)
        threading.Thread(target=_pump_out, args=(process, channel), daemon=True).start()
        threading.Thread(target=_pump_in, args=(process, channel), daemon=True).start()
        return True


def _pump_out(process: subprocess.Popen[bytes], channel: Any) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        channel.sendall(line)
    process.stdout.close()
    channel.send_exit_status(process.wait())
    channel.close()


def _pump_in(process: subprocess.Popen[bytes], channel: Any) -> None:
    assert process.stdin is not None
    while data := channel.recv(4096):  # b"" once the client sends EOF
        process.stdin.write(data)
    process.stdin.close()


@dataclass
class FakeSsh:
    listener: socket.socket
    commands: list[list[str]] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    transports: list[paramiko.Transport] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            transport = paramiko.Transport(conn)
            transport.add_server_key(_HOST_KEY)
            transport.start_server(server=_Server(self))
            self.transports.append(transport)


@contextmanager
def fake_ssh() -> Iterator[FakeSsh]:
    """A fake SSH server in a thread; its processes stopped at the end."""
    listener = socket.create_server(("127.0.0.1", 0))
    fake = FakeSsh(listener)
    threading.Thread(target=fake.serve, daemon=True).start()
    try:
        yield fake
    finally:
        listener.close()
        for process in fake.processes:
            if process.poll() is None:
                process.kill()
                process.wait()
            for pipe in (process.stdin, process.stdout):
                if pipe is not None and not pipe.closed:
                    pipe.close()
        for transport in fake.transports:
            transport.close()
