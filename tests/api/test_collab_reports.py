"""Event reports (``eventReports/*``) with PyMISP: CRUD, soft and hard delete, the
report in the event view, and the event's access rules."""

from __future__ import annotations

import uuid

from pymisp import MISPEvent, MISPEventReport, MISPOrganisation, MISPUser, PyMISP
from tests.support import LiveServer


def _org_user(admin: PyMISP, name: str) -> PyMISP:
    org = MISPOrganisation()
    org.name = name
    created = admin.add_organisation(org, pythonify=True)
    user = MISPUser()
    user.email, user.org_id, user.role_id = f"u@{name.lower()}.test", created.id, 3
    added = admin.add_user(user)
    return PyMISP(admin.root_url, added["User"]["authkey"], ssl=False, timeout=60)


def _event(client: PyMISP, distribution: int) -> MISPEvent:
    event = MISPEvent()
    event.info, event.distribution = "report test", distribution
    event.add_attribute("domain", f"{uuid.uuid4().hex}.example")
    added = client.add_event(event, pythonify=True)
    assert isinstance(added, MISPEvent), added
    return added


def _report(name: str, distribution: int = 5) -> MISPEventReport:
    report = MISPEventReport()
    report.name, report.content, report.distribution = name, "# markdown", distribution
    return report


def test_report_lifecycle(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    user = _org_user(admin, "REPORTERS")
    event = _event(user, 1)
    report = user.add_event_report(event.id, _report("Test Event Report"), pythonify=True)
    assert isinstance(report, MISPEventReport), report
    assert report.event_id == event.id
    view = user.get_event(event.id, pythonify=True)
    assert [r.id for r in view.event_reports] == [report.id]
    report.name, report.content = "Updated Event Report", "Updated content"
    updated = user.update_event_report(report, pythonify=True)
    assert (updated.name, updated.content) == ("Updated Event Report", "Updated content")
    assert [r.id for r in user.get_event_reports(event.id, pythonify=True)] == [report.id]
    soft = user.delete_event_report(report)
    assert soft["success"] and soft["name"] == f"Event Report {report.uuid} soft deleted"
    assert user.get_event_reports(event.id) == []
    assert user.get_event(event.id)["Event"]["EventReport"] == []
    deleted = user.get_event(event.id, deleted=[0, 1])["Event"]
    assert [r["deleted"] for r in deleted["EventReport"]] == [True]
    hard = user.delete_event_report(report, hard=True)
    assert hard["success"] and hard["name"] == f"Event Report {report.uuid} hard deleted"
    assert user.get_event_report(report)["errors"][0] == 404


def test_report_access(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    owner, other = _org_user(admin, "OWNER"), _org_user(admin, "OTHER")
    private = _event(owner, 0)
    hidden = owner.add_event_report(private.id, _report("private"), pythonify=True)
    missing = other.get_event_report(hidden.uuid)
    assert missing["errors"][0] == 404
    absent = other.get_event_report(str(uuid.uuid4()))
    assert absent["errors"][1]["message"] == missing["errors"][1]["message"]
    shared = _event(owner, 1)
    open_report = owner.add_event_report(shared.id, _report("open"), pythonify=True)
    owner.add_event_report(shared.id, _report("own org only", distribution=0))
    seen = other.get_event(shared.id)["Event"]["EventReport"]
    assert [r["name"] for r in seen] == ["open"]
    assert other.get_event_report(open_report.id, pythonify=True).name == "open"
    # Seeing is not modifying: another organisation may not edit or add.
    open_report.name = "taken over"
    assert other.update_event_report(open_report)["errors"][0] == 403
    assert other.add_event_report(shared.id, _report("x"))["errors"][0] == 403
    assert other.delete_event_report(open_report)["errors"][0] == 403
