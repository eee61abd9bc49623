"""Helpers of the trusted-sharing tests: organisations with attributes, their users,
events, all through the real API with httpx."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support import LiveServer


@dataclass
class Member:
    """A user of an organisation on the test server."""

    org_id: int
    org_name: str
    org_uuid: str
    key: str
    http: httpx.Client


def api(url: str, key: str) -> httpx.Client:
    """An httpx client authenticated MISP-style."""
    headers = {"Authorization": key, "Accept": "application/json"}
    return httpx.Client(base_url=url, headers=headers, timeout=60)


def member(
    server: LiveServer, name: str, *, sector: str = "", nationality: str = "", role_id: int = 3
) -> Member:
    """A new organisation and one user of it."""
    with api(server.url, server.admin_key) as admin:
        org = {"name": name, "sector": sector, "nationality": nationality}
        r = admin.post("/admin/organisations/add", json={"Organisation": org})
        assert r.status_code == 200, r.text
        created = r.json()["Organisation"]
        user = {"email": f"analyst-{uuid.uuid4().hex[:6]}@{name.lower()}.test",
                "org_id": created["id"], "role_id": role_id}  # fmt: skip
        r = admin.post("/admin/users/add", json={"User": user})
        assert r.status_code == 200, r.text
        key = r.json()["User"]["authkey"]
    return Member(int(created["id"]), name, created["uuid"], key, api(server.url, key))


def add_event(who: Member, values: list[str], **fields: Any) -> dict[str, Any]:
    """An event of ``who``'s organisation with one ip-dst attribute per value."""
    event = {
        "info": fields.pop("info", "trusted sharing test"),
        "distribution": fields.pop("distribution", 0),
        "Attribute": [{"type": "ip-dst", "value": v} for v in values],
        **fields,
    }
    r = who.http.post("/events/add", json={"Event": event})
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()["Event"]
    return found
