"""``events/contact`` with PyMISP on the live server (SQLite and PostgreSQL), sending real
e-mail over SMTP to a real mail server on loopback (aiosmtpd): who gets it (MISP's
``Event::sendContactEmail``), what it says, and the answers when it cannot be sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from pymisp import MISPEvent, MISPOrganisation, MISPUser, PyMISP
from tests.mail_sink import MailSink, mail_sink
from tests.support import LiveServer, free_port, live_server

from threatmesh.api.settings import Settings

SENDER = "misp@threatmesh.test"


@pytest.fixture
def sink() -> Iterator[MailSink]:
    with mail_sink() as s:
        yield s


@pytest.fixture
def mailing(db_url: str, tmp_path: Path, sink: MailSink) -> Iterator[LiveServer]:
    """A live server whose mail server is ``sink``."""
    smtp = {"smtp_host": sink.host, "smtp_port": sink.port, "smtp_from": SENDER}
    with live_server(db_url, tmp_path, **smtp) as srv:
        yield srv


def _user(admin: PyMISP, email: str, org_id: int | str, **flags: bool) -> str:
    """A new user's API key; ``flags`` set by admin/users/edit (users/add ignores
    ``contactalert``)."""
    user = MISPUser()
    user.email, user.org_id, user.role_id = email, org_id, 3
    added = admin.add_user(user)
    if flags:
        edit = {"id": added["User"]["id"], **flags}
        assert "User" in admin.update_user(edit, added["User"]["id"]), edit
    return str(added["User"]["authkey"])


def _client(admin: PyMISP, key: str) -> PyMISP:
    return PyMISP(admin.root_url, key, ssl=False, timeout=60)


def _asker(admin: PyMISP) -> PyMISP:
    """A user of another organisation, who sees events shared with all communities."""
    org = MISPOrganisation()
    org.name = "ASKERS"
    created = admin.add_organisation(org, pythonify=True)
    return _client(admin, _user(admin, "asker@askers.test", created.id))


def _event(admin: PyMISP, *tags: str) -> MISPEvent:
    event = MISPEvent()
    event.info, event.distribution = "Phishing wave", 3
    event.add_attribute("url", "http://evil.example/login", to_ids=True)
    event.add_attribute("ip-dst", "198.51.100.7")
    for tag in tags:
        event.add_tag(tag)
    added = admin.add_event(event, pythonify=True)
    assert isinstance(added, MISPEvent), added
    return added


def test_contact_sends_the_reporter_an_email(mailing: LiveServer, sink: MailSink) -> None:
    admin = PyMISP(mailing.url, mailing.admin_key, ssl=False, timeout=60)
    event = _event(admin, "tlp:green")
    asker = _asker(admin)
    answer = asker.contact_event_reporter(event.id, "Is 198.51.100.7 still active?")
    assert answer == {
        "saved": True,
        "success": True,
        "name": "Email sent to the reporter.",
        "message": "Email sent to the reporter.",
        "url": f"/events/contact/{event.id}",
        "id": str(event.id),
    }
    [got] = sink.messages()
    assert got.mail_from == SENDER and got.rcpt_tos == ["admin@admin.test"]
    msg = got.message
    assert msg["To"] == "admin@admin.test" and msg["From"] == SENDER
    assert msg["Reply-To"] == "asker@askers.test"
    assert msg["Subject"] == f"[ADMIN-ORG MISP] Need info about event {event.id} - TLP:GREEN"
    body = msg.get_content()
    assert "You can reach them at asker@askers.test" in body
    assert "Is 198.51.100.7 still active?" in body
    assert f"Event ID    : {event.id}" in body and "Description : Phishing wave" in body
    assert "Network activity/url" in body and "hxxp://evil[.]example/login (IDS)" in body
    assert "198[.]51[.]100[.]7" in body and "Tags: tlp:green" in body


def test_contact_recipients_follow_misp(mailing: LiveServer, sink: MailSink) -> None:
    """The creator org's enabled users with contact alerts and the creator; with
    ``person`` the creator alone."""
    admin = PyMISP(mailing.url, mailing.admin_key, ssl=False, timeout=60)
    org_id = admin.get_user("me", pythonify=True).org_id
    _user(admin, "alerts@admin.test", org_id, contactalert=True)
    _user(admin, "quiet@admin.test", org_id, contactalert=False)
    _user(admin, "gone@admin.test", org_id, contactalert=True, disabled=True)
    event = _event(admin)
    asker = _asker(admin)
    assert asker.contact_event_reporter(event.id, "hello")["saved"] is True
    to_org = {m.rcpt_tos[0] for m in sink.messages()}
    assert to_org == {"admin@admin.test", "alerts@admin.test"}
    assert all(len(m.rcpt_tos) == 1 for m in sink.messages())  # one message per user
    subjects = {m.message["Subject"] for m in sink.messages()}
    assert subjects == {f"[ADMIN-ORG MISP] Need info about event {event.id} - TLP:AMBER"}
    sink.received.clear()
    person = asker.direct_call(f"events/contact/{event.id}", {"message": "hi", "person": 1})
    assert person["saved"] is True
    assert [m.rcpt_tos for m in sink.messages()] == [["admin@admin.test"]]


def test_contact_mail_server_refusal_is_a_clear_failure(
    mailing: LiveServer, sink: MailSink
) -> None:
    admin = PyMISP(mailing.url, mailing.admin_key, ssl=False, timeout=60)
    event = _event(admin)
    sink.refuse = "550 5.1.1 No such mailbox"
    status, body = admin.contact_event_reporter(event.id, "anyone?")["errors"]
    assert status == 403 and body["saved"] is False
    assert body["name"] == body["message"] == "Could not contact Event"
    assert body["errors"] == (
        "Sending of email failed: the mail server refused the recipient (550)."
    )
    assert body["url"] == f"/events/contact/{event.id}" and body["id"] == str(event.id)
    assert sink.messages() == []


def test_contact_unreachable_mail_server(sqlite_url: str, tmp_path: Path) -> None:
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": free_port(), "smtp_from": SENDER}
    with live_server(sqlite_url, tmp_path, **smtp) as srv:
        admin = PyMISP(srv.url, srv.admin_key, ssl=False, timeout=60)
        event = _event(admin)
        status, body = admin.contact_event_reporter(event.id, "anyone?")["errors"]
    assert status == 403 and body["message"] == "Could not contact Event"
    assert body["errors"] == (
        "Sending of email failed: the mail server could not be reached (ConnectionRefusedError)."
    )


def test_contact_with_nobody_to_write_to(mailing: LiveServer, sink: MailSink) -> None:
    """``person`` names a creator who has left (disabled): nobody is written to."""
    admin = PyMISP(mailing.url, mailing.admin_key, ssl=False, timeout=60)
    org_id = admin.get_user("me", pythonify=True).org_id
    author = _client(admin, _user(admin, "author@admin.test", org_id))
    event = _event(author)
    me = author.get_user("me", pythonify=True)
    me.disabled = True
    assert "User" in admin.update_user(me)
    request = {"message": "still there?", "person": "1"}
    status, body = admin.direct_call(f"events/contact/{event.id}", request)["errors"]
    assert status == 403 and body["errors"] == (
        "Sending of email failed: the event's reporter has no enabled user to write to."
    )
    assert sink.messages() == []


def test_mail_server_needs_a_sender() -> None:
    with pytest.raises(ValidationError, match="set THREATMESH_SMTP_FROM as well"):
        Settings(smtp_host="127.0.0.1")
    assert Settings(smtp_host="mail", smtp_from="m@x.test").smtp_port == 25
