"""A real SMTP server on loopback that keeps what it receives (aiosmtpd), for the tests
of threatmesh's e-mail: the server under test talks SMTP to it as to any mail server."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support import free_port


@dataclass
class Received:
    """One message as the server took it: envelope sender and recipients, the message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class MailSink:
    """What the sink received so far; ``refuse``: an SMTP reply given to every RCPT."""

    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    refuse: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def messages(self) -> list[Received]:
        """A copy of the messages received (the sink's thread appends to the list)."""
        with self._lock:
            return list(self.received)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refuse is not None:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


@contextmanager
def mail_sink(**controller_options: Any) -> Iterator[MailSink]:
    """An SMTP server on a free loopback port until the block ends."""
    sink = MailSink("127.0.0.1", free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port, **controller_options)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
