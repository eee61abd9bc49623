"""``events/publish|unpublish`` answers and ``events/index``'s ``eventinfo`` matching,
with PyMISP on the live server (SQLite and PostgreSQL), as PyMISP's live suite reads them
(``test_simple_event``)."""

from __future__ import annotations

from pymisp import MISPEvent, PyMISP
from tests.support import LiveServer


def _event(admin: PyMISP, info: str) -> MISPEvent:
    event = MISPEvent()
    event.info = info
    event.add_attribute("text", "publish me")
    added = admin.add_event(event, pythonify=True)
    assert isinstance(added, MISPEvent), added
    return added


def test_publish_answers_misp_save_success(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    event = _event(admin, "to publish")
    done = admin.publish(event)
    assert done == {
        "saved": True,
        "success": True,
        "name": "Job queued",
        "message": "Job queued",
        "url": f"/events/publish/{event.id}",
        "id": str(event.id),
    }
    assert admin.get_event(event, pythonify=True).published is True
    undone = admin.unpublish(event)
    assert undone["success"] is True and undone["message"] == "Event unpublished."
    assert admin.get_event(event, pythonify=True).published is False


def test_index_eventinfo_is_a_substring_with_backslash_escapes(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    event = _event(admin, r"C:\Windows\System32\notepad.exe")
    _event(admin, "something else")
    # MISP: lower(Event.info) LIKE '%term%', where ``\\`` is one literal backslash.
    found = admin.search_index(eventinfo=r"C:\\Windows\\System32\\notepad.exe", pythonify=True)
    assert [e.id for e in found] == [event.id]
    assert [e.id for e in admin.search_index(eventinfo="SYSTEM32", pythonify=True)] == [event.id]
    assert admin.search_index(eventinfo=r"C:\Windows", pythonify=True) == []
    # restSearch keeps its exact match unless the term brings its own %.
    assert admin.search(eventinfo="notepad", pythonify=True) == []


def test_contact_reporter_without_mail_server_says_so(server: LiveServer) -> None:
    """No ``THREATMESH_SMTP_HOST``: MISP's failure answer says e-mail is not configured
    (with a mail server: tests/api/test_event_contact.py)."""
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    event = _event(admin, "contact me")
    status, body = admin.contact_event_reporter(event.id, "This is a test")["errors"]
    assert status == 403 and body["saved"] is False
    assert body["message"] == "Could not contact Event"
    assert body["errors"] == (
        "Sending of email failed: e-mail is not configured on this instance "
        "(no SMTP server is set)."
    )
    assert body["url"] == f"/events/contact/{event.id}"
    empty = admin.contact_event_reporter(event.id, "")["errors"]
    assert empty[0] == 400 and empty[1]["message"] == "You must specify a message."
    absent = admin.contact_event_reporter(424242, "hi")["errors"]
    assert absent[0] == 404
