"""MISP's success body (``saveSuccessResponse``): what deletes and membership changes
answer, the same shape on every route that spells it (live server, both databases)."""

from __future__ import annotations

from typing import Any

import httpx
from tests.support import LiveServer


def _http(srv: LiveServer) -> httpx.Client:
    headers = {"Authorization": srv.admin_key, "Accept": "application/json"}
    return httpx.Client(base_url=srv.url, headers=headers, timeout=60)


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _success(message: str, url: str, **extra: str) -> dict[str, Any]:
    return {"saved": True, "success": True, "name": message, "message": message, "url": url,
            **extra}  # fmt: skip


def test_deletes_and_membership_changes_answer_misps_success_body(server: LiveServer) -> None:
    with _http(server) as http:
        event_id = _ok(http.post("/events/add", json={"Event": {"info": "x"}}))["Event"]["id"]
        assert _ok(http.post(f"/events/delete/{event_id}")) == _success(
            "Event deleted.", f"/events/delete/{event_id}", id=event_id
        )
        org = _ok(http.post("/admin/organisations/add", json={"name": "MEMBER"}))
        org_uuid = org["Organisation"]["uuid"]
        sg_id = _ok(http.post("/sharing_groups/add", json={"name": "G"}))["SharingGroup"]["id"]
        member = {"sg_id": sg_id, "org_id": org_uuid}
        assert _ok(http.post("/sharingGroups/addOrg", json=member)) == _success(
            "Organisation added to the sharing group.", "/sharingGroups/addOrg"
        )
        assert _ok(http.post("/sharingGroups/removeOrg", json=member)) == _success(
            "Organisation removed from the sharing group.", "/sharingGroups/removeOrg"
        )
        assert _ok(http.post(f"/sharingGroups/delete/{sg_id}")) == _success(
            "SharingGroup deleted", f"/sharingGroups/delete/{sg_id}"
        )
        assert _ok(http.post(f"/admin/organisations/delete/{org_uuid}")) == _success(
            "Organisation deleted", f"/admin/organisations/delete/{org_uuid}"
        )
