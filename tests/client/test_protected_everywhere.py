"""Issue 5: a protected value leaks nowhere else either: not through the event stream
(outbox and SSE), not through an anonymizer export, not through sync to another
instance. The producer's client encrypts before upload; the platform only ever holds
the envelope, and so does everything it sends on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.services.sync.federation import Instance, _instance
from tests.support import live_server

from threatmesh.client import envelopes
from threatmesh.client.http import ThreatmeshClient
from threatmesh.client.keyring import Keyring
from threatmesh.client.protected import ProtectedClient
from threatmesh.storage.stream.outbox import notifications

POLICY = "(sector:finance or org:CERT) and role:analyst"
SECRET_IP, SECRET_HOST = "203.0.113.199", "c2.secret-campaign.example"


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    """A (with a key authority) pushes to B."""
    abe = {"abe_role_attributes": {"User": ["analyst"]}}
    with ExitStack() as stack:
        made = []
        for name in "AB":
            scratch = tmp_path / name
            scratch.mkdir()
            srv = stack.enter_context(
                live_server(
                    f"sqlite:///{scratch / 'db.sqlite'}",
                    scratch,
                    abe_authority_dir=scratch / "authority",
                    **abe,  # type: ignore[arg-type]
                )
            )
            made.append(_instance(name, srv, stack))
        yield made[0], made[1]


def _user(inst: Instance, org: dict[str, str]) -> str:
    org_id = inst.call("POST", "/admin/organisations/add", org)["Organisation"]["id"]
    email = f"analyst@{org['name'].lower()}.test"
    user = inst.call("POST", "/admin/users/add", {"email": email, "org_id": org_id})
    return str(user["User"]["authkey"])


def _no_secret(where: str, text: str) -> None:
    for secret in (SECRET_IP, SECRET_HOST):
        assert secret not in text, f"{secret} found in {where}"


def _protected_event(a: Instance, producer_key: str) -> dict[str, Any]:
    event = {
        "info": "Campaign with a protected C2",
        "distribution": 3,
        "published": True,
        "Attribute": [
            {"type": "ip-dst", "value": SECRET_IP, "to_ids": True},
            {"type": "domain", "value": SECRET_HOST},
            {"type": "sha256", "value": "cd" * 32},
        ],
    }
    with ThreatmeshClient(a.url, producer_key) as producer:
        stored = ProtectedClient(producer, Keyring()).protect_event(
            event, POLICY, select=lambda attr: attr["type"] != "sha256"
        )
    # Publishing is what sends the event on (sync pushes published events only); a
    # plain User may not publish, the site admin does.
    a.call("POST", f"/events/publish/{stored['id']}")
    return stored


def test_no_plaintext_in_stream_exports_or_sync(pair: tuple[Instance, Instance]) -> None:
    a, b = pair
    producer = _user(a, {"name": "PRODUCER", "sector": "telecom"})
    bank = _user(a, {"name": "BANK", "sector": "finance"})
    stored = _protected_event(a, producer)
    _no_secret("the stored event", str(stored))

    # The event stream: every notification written, and what a subscriber receives.
    with a.srv.platform.read() as conn:
        payloads = list(conn.execute(sa.select(notifications.c.payload)).scalars())
    assert payloads
    _no_secret("the outbox", "\n".join(payloads))
    with a.http.stream("GET", "/stream/events", params={"last_event_id": 0}, timeout=10) as sse:
        frames = ""
        for line in sse.iter_lines():
            frames += line + "\n"
            if stored["uuid"] in frames and frames.count("misp_json_event") >= 2:
                break
    _no_secret("the SSE stream", frames)

    # An export through the outbound hook (no policy bound: the envelope leaves as is).
    export = a.call(
        "POST",
        f"/anonymizer/export/{stored['id']}",
        {"recipient": {"kind": "export", "ident": "json"}},
    )
    _no_secret("an anonymizer export", str(export))

    # Sync: A pushes to B; B holds the envelope, never the value.
    key_on_b = b.sync_user("ORG-A", a.org_uuid)
    a_to_b = a.connect(b, key_on_b, push=True, pull=False)
    a.call("POST", f"/servers/push/{a_to_b}")
    copy = b.event(stored["uuid"])
    assert copy is not None
    _no_secret("B's copy", str(copy))
    with b.srv.platform.read() as conn:
        for table in ("attributes", "notifications", "events"):
            rows = conn.execute(sa.text(f"SELECT * FROM {table}")).all()
            _no_secret(f"B's {table} table", str(rows))

    # The sealed copy still opens for a reader the policy allows, on A.
    with ThreatmeshClient(a.url, bank) as client:
        revealed, sealed = ProtectedClient(client, Keyring()).reveal_event(stored["id"])
    assert sealed == 0
    assert {SECRET_IP, SECRET_HOST} <= {attr["value"] for attr in revealed["Attribute"]}
    # And B's copy carries the same envelopes (what travelled is decryptable there).
    protected = [attr for attr in copy["Attribute"] if "Protected" in attr]
    assert len(protected) == len([x for x in stored["Attribute"] if "Protected" in x])
    assert envelopes.epochs(copy) == envelopes.epochs(stored)
