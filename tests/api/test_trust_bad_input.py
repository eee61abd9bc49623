"""The trusted-sharing endpoints answer odd input with a 4xx, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support import LiveServer
from tests.trust_support import add_event, member

from threatmesh.client.uma import GRANT_TYPE

KEYS = st.sampled_from(
    ["event", "tag", "sharing_group", "resource_id", "scopes", "orgs", "sectors", "roles",
     "countries", "min_trust", "claims", "type", "ref", "resource_scopes", "attribute_uuid",
     "source", "timestamp"]
)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
    | st.sampled_from(["read", "sighting:add", "finance", "tlp:amber", "0", "1"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS | st.text(max_size=5),
                                                                inner, max_size=4),
    max_leaves=12,
)  # fmt: skip
FORMS = st.dictionaries(
    st.sampled_from(["grant_type", "ticket", "claim_token", "claim_token_format", "rpt", "scope"]),
    st.text(max_size=20) | st.just(GRANT_TYPE),
    max_size=6,
)


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, httpx.Client, str]]:
    from tests.support import live_server

    tmp = tmp_path_factory.mktemp("trust_fuzz")
    with live_server(f"sqlite:///{tmp / 'threatmesh.db'}", tmp) as server:
        server.platform.trust.issuer = server.url
        prod = member(server, "FUZZ-PROD")
        event = add_event(prod, ["192.0.2.200"])
        yield server, prod.http, event["uuid"]
        prod.http.close()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=JSON, form=FORMS)
def test_odd_input_never_500(
    site: tuple[LiveServer, httpx.Client, str], payload: Any, form: dict[str, str]
) -> None:
    _server, client, event_uuid = site
    for path in ("/uma/policies", "/uma/resources", "/uma/permission",
                 f"/uma/events/{event_uuid}/sightings"):  # fmt: skip
        r = client.post(path, json=payload)
        assert r.status_code < 500, (path, payload, r.text)
    r = client.post("/uma/token", data=form)
    assert r.status_code < 500, (form, r.text)
    assert r.status_code == 200 or "error" in r.json()
