"""Sending e-mail over SMTP: the one place threatmesh talks to a mail server.

:class:`Mailer` opens one SMTP connection per call to :meth:`Mailer.send`, upgrades it
with STARTTLS and logs in if asked to, and sends one message per recipient (so no
recipient sees the others' addresses, as MISP sends one e-mail per user). It blocks:
callers run it in a worker thread (FastAPI runs the sync routes that call it in its
thread pool), never on an event loop.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from threatmesh.model.errors import ThreatmeshError


class MailError(ThreatmeshError):
    """The mail server could not be reached or refused the message (502: the failure is
    upstream). ``message`` says why without the server's address or credentials."""

    status = 502
    name = "Mail not sent"


@dataclass(frozen=True, slots=True)
class SmtpOptions:
    """Where and how to send: the server, the sender address, the transport security."""

    host: str
    port: int = 25
    sender: str = "threatmesh@localhost"
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    #: CA bundle that verifies the server's certificate (STARTTLS); default: the system's.
    ca_file: str | None = None


def compose(sender: str, to: str, subject: str, body: str, reply_to: str = "") -> EmailMessage:
    """One plain-text message from ``sender`` to ``to`` (``reply_to``: who answers go to)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(body)
    return msg


def _reason(exc: Exception) -> str:
    """What went wrong, for the requester: the SMTP reply or the kind of failure."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"the mail server refused the recipient ({', '.join(map(str, codes))})"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"the mail server refused the login ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the mail server answered {exc.smtp_code}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return "the mail server does not support STARTTLS or login"
    if isinstance(exc, ssl.SSLError):
        return "the TLS handshake with the mail server failed"
    return f"the mail server could not be reached ({type(exc).__name__})"


@dataclass(frozen=True, slots=True)
class Mailer:
    """An SMTP client with fixed options (see :class:`SmtpOptions`)."""

    options: SmtpOptions

    def send(self, recipients: Sequence[str], subject: str, body: str, reply_to: str = "") -> None:
        """Send ``subject``/``body`` to each of ``recipients``, one message each, over one
        connection; :class:`MailError` if any of them was not accepted."""
        try:
            with self._connect() as smtp:
                for to in recipients:
                    smtp.send_message(compose(self.options.sender, to, subject, body, reply_to))
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(_reason(exc)) from exc

    def _connect(self) -> smtplib.SMTP:
        """A connection ready to send: STARTTLS and login done if configured."""
        o = self.options
        smtp = smtplib.SMTP(o.host, o.port, timeout=o.timeout)
        try:
            if o.starttls:
                smtp.starttls(context=ssl.create_default_context(cafile=o.ca_file))
            if o.username:
                smtp.login(o.username, o.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp
