"""Correlation exclusions (``correlation_exclusions/*``) with PyMISP: CRUD, and the
values they cover stop correlating at once (and correlate again once removed)."""

from __future__ import annotations

import uuid

import pytest
from pymisp import MISPCorrelationExclusion, MISPEvent, PyMISP
from tests.support import LiveServer


def _event(admin: PyMISP, value: str) -> MISPEvent:
    event = MISPEvent()
    event.info = "exclusion test"
    event.add_attribute("domain", value)
    added = admin.add_event(event, pythonify=True)
    assert isinstance(added, MISPEvent), added
    return added


def _related(admin: PyMISP, event: MISPEvent) -> set[str]:
    view = admin.get_event(event.id)
    return {r["Event"]["id"] for r in view["Event"].get("RelatedEvent", [])}


def _attributes(admin: PyMISP, value: str) -> list[dict[str, object]]:
    found = admin.search(controller="attributes", value=value, include_correlations=True)
    assert isinstance(found, dict) and len(found["Attribute"]) == 2, found
    return list(found["Attribute"])


def test_exclusion_crud(server: LiveServer) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    new = MISPCorrelationExclusion()
    new.value, new.comment = "test-correlation-exclusion", "noise"
    added = admin.add_correlation_exclusion(new, pythonify=True)
    assert added.value == new.value and added.comment == "noise"
    assert admin.add_correlation_exclusion(new)["errors"][0] == 409
    listed = admin.correlation_exclusions(pythonify=True)
    assert [e.value for e in listed] == [new.value]
    assert admin.get_correlation_exclusion(listed[0], pythonify=True).value == new.value
    assert admin.delete_correlation_exclusion(listed[0])["success"]
    assert admin.get_correlation_exclusion(listed[0])["errors"][0] == 404
    assert admin.clean_correlation_exclusions()["success"]


@pytest.mark.parametrize("rule", ["shared-{u}.example", "%{u}.example", "shared-{u}%", "%{u}%"])
def test_excluded_values_do_not_correlate(server: LiveServer, rule: str) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    u = uuid.uuid4().hex
    first, second = _event(admin, f"shared-{u}.example"), _event(admin, f"shared-{u}.example")
    assert _related(admin, second) == {str(first.id)}
    assert all(a.get("RelatedAttribute") for a in _attributes(admin, f"shared-{u}.example"))
    new = MISPCorrelationExclusion()
    new.value = rule.format(u=u)
    added = admin.add_correlation_exclusion(new, pythonify=True)
    assert _related(admin, second) == set()
    assert not any(a.get("RelatedAttribute") for a in _attributes(admin, f"shared-{u}.example"))
    admin.delete_correlation_exclusion(added)
    assert _related(admin, second) == {str(first.id)}
