"""The SMTP client against a real SMTP server on loopback (aiosmtpd): plain, STARTTLS
with a login (the certificate checked against a CA file), and its failures."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from tests.mail_sink import MailSink, mail_sink
from tests.support import free_port

from threatmesh.client.mail import Mailer, MailError, SmtpOptions

FROM = "misp@threatmesh.test"


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _check_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"bot", b"s3cret")
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


@pytest.fixture
def tls_sink(tmp_path: Path) -> Iterator[tuple[MailSink, Path]]:
    """A sink that wants STARTTLS, then a login; and the CA file that checks it."""
    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    options = {"tls_context": context, "require_starttls": True, "auth_required": True}
    with mail_sink(**options, auth_require_tls=True, authenticator=_check_login) as sink:
        yield sink, cert


def test_sends_one_message_per_recipient() -> None:
    with mail_sink() as sink:
        Mailer(SmtpOptions(sink.host, sink.port, FROM)).send(
            ["a@x.test", "b@x.test"], "Subject é", "Body\n", reply_to="r@y.test"
        )
    got = sink.messages()
    assert [m.rcpt_tos for m in got] == [["a@x.test"], ["b@x.test"]]
    assert {m.mail_from for m in got} == {FROM}
    msg = got[0].message
    assert (msg["From"], msg["To"], msg["Reply-To"]) == (FROM, "a@x.test", "r@y.test")
    assert msg["Subject"] == "Subject é" and msg.get_content().splitlines() == ["Body"]
    assert msg["Message-ID"].endswith("@threatmesh.test>") and msg["Date"]


def test_starttls_and_login(tls_sink: tuple[MailSink, Path]) -> None:
    sink, ca = tls_sink
    options = SmtpOptions(
        sink.host, sink.port, FROM, starttls=True, username="bot", password="s3cret",
        ca_file=str(ca),
    )  # fmt: skip
    Mailer(options).send(["a@x.test"], "s", "b")
    assert [m.rcpt_tos for m in sink.messages()] == [["a@x.test"]]


def test_tls_and_login_failures(tls_sink: tuple[MailSink, Path]) -> None:
    sink, ca = tls_sink
    base = SmtpOptions(sink.host, sink.port, FROM, starttls=True, ca_file=str(ca))
    plain = SmtpOptions(sink.host, sink.port, FROM)
    untrusted = SmtpOptions(sink.host, sink.port, FROM, starttls=True)  # system CAs
    wrong = SmtpOptions(**{**_fields(base), "username": "bot", "password": "nope"})
    expected = [
        (plain, "the mail server answered 530"),  # must STARTTLS first
        (untrusted, "the TLS handshake with the mail server failed"),
        (wrong, "the mail server refused the login (535)"),
    ]
    for options, reason in expected:
        with pytest.raises(MailError) as failed:
            Mailer(options).send(["a@x.test"], "s", "b")
        assert failed.value.message == reason and failed.value.status == 502
    assert sink.messages() == []


def test_unreachable_server() -> None:
    with pytest.raises(MailError, match=r"could not be reached \(ConnectionRefusedError\)"):
        Mailer(SmtpOptions("127.0.0.1", free_port(), FROM, timeout=5)).send(["a@x.test"], "s", "b")


def _fields(options: SmtpOptions) -> dict[str, Any]:
    return {name: getattr(options, name) for name in SmtpOptions.__slots__}
