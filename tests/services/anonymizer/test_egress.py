"""Every event leaving the organisation passes through ``egress.outbound``, and what it
returns is what leaves."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Connection

from tests.services.sync.federation import Federation, federation
from threatmesh.services.anonymizer import egress
from threatmesh.services.platform import Platform


@pytest.fixture
def fed(tmp_path: Path) -> Iterator[Federation]:
    urls = tuple(f"sqlite:///{tmp_path / n}.db" for n in "abc")
    with federation(urls, tmp_path) as f:  # type: ignore[arg-type]
        yield f


def test_pushed_and_pulled_events_pass_the_hook(
    fed: Federation, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, egress.Recipient]] = []

    def strip_comments(
        platform: Platform,
        conn: Connection,
        event: dict[str, Any],
        recipient: egress.Recipient,
        *,
        charge: bool = True,
    ) -> dict[str, Any]:
        seen.append((platform.base_url, recipient))
        kept = [a for a in event["Attribute"] if not a["comment"].startswith("secret")]
        return {**event, "Attribute": kept}

    monkeypatch.setattr(egress, "outbound", strip_comments)
    body = {
        "info": "hooked",
        "distribution": 3,
        "published": True,
        "Attribute": [
            {"type": "domain", "value": "public.example", "uuid": str(uuid.uuid4())},
            {"type": "domain", "value": "hidden.example", "comment": "secret source"},
        ],
    }
    ev = fed.a.call("POST", "/events/add", body)["Event"]
    fed.sync()
    assert seen == [
        (fed.a.url, egress.Recipient("server", fed.a_to_b, fed.b.org_uuid)),
        (fed.b.url, egress.Recipient("organisation", fed.c.org_uuid, fed.c.org_uuid)),
    ]
    for inst in (fed.b, fed.c):
        got = inst.event(ev["uuid"])
        assert got is not None
        assert [a["value"] for a in got["Attribute"]] == ["public.example"]
