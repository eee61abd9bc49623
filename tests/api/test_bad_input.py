"""Bad input gets a clear MISP-style 4xx, never a 500, and never half a write.

Every case goes over real HTTP on loopback (httpx, and PyMISP for the common calls)
and checks the status, the ``{"name", "message", "url"}`` body (the message says what
is wrong and where), and that the database holds exactly the rows it held before.

The main cases run on SQLite and PostgreSQL against one server per backend for the
whole module (built like the ``server`` fixture): every test compares row counts
before and after, so sharing the server is safe and keeps the file fast.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymisp import MISPEvent, PyMISP, PyMISPError
from tests.support import LiveServer, database_url, live_server

#: Tables an event add writes to; a rejected request must leave all of them alone.
WRITTEN_TABLES = (
    "events",
    "attributes",
    "objects",
    "object_references",
    "tags",
    "event_tags",
    "attribute_tags",
    "ip_index",
)
UNKNOWN_KEY = "Zz" * 20
Json = dict[str, Any]


# --------------------------------------------------------------------------- fixtures


@dataclass
class Site:
    """A live server with a user of a second organisation and two admin events."""

    server: LiveServer
    admin: httpx.Client
    other: httpx.Client  # a plain user (role 3) of the second organisation
    other_key: str
    private_event: Json  # distribution 0: invisible to the other organisation
    shared_event: Json  # distribution 1: visible to it, but not its own


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """One server per backend for the module, with the cross-organisation setup."""
    tmp_path = tmp_path_factory.mktemp(f"bad-input-{request.param}")
    with database_url(request.param, tmp_path) as url, live_server(url, tmp_path) as server:
        with client(server) as admin:
            other_key = add_org_user(admin, "Other Org")
            private_event = add_event(admin, {"info": "org only", "distribution": 0})
            shared_event = add_event(admin, {"info": "community", "distribution": 1})
            with client(server, other_key) as other:
                yield Site(server, admin, other, other_key, private_event, shared_event)


@pytest.fixture
def admin(site: Site) -> httpx.Client:
    return site.admin


@pytest.fixture
def other(site: Site) -> httpx.Client:
    return site.other


@pytest.fixture
def fuzz_client(sqlite_server: LiveServer) -> Iterator[httpx.Client]:
    with client(sqlite_server) as c:
        yield c


@pytest.fixture
def small_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A SQLite server that accepts request bodies of at most 2 KiB."""
    with live_server(f"sqlite:///{tmp_path / 'small.db'}", tmp_path, max_body_bytes=2048) as srv:
        yield srv


# --------------------------------------------------------------------------- helpers


def client(server: LiveServer, key: str | None = None) -> httpx.Client:
    headers = {"Accept": "application/json", "Authorization": key or server.admin_key}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30)


def pymisp(server: LiveServer, key: str | None = None) -> PyMISP:
    return PyMISP(server.url, key or server.admin_key, ssl=False, timeout=30)


def misp_event(info: str) -> MISPEvent:
    event = MISPEvent()
    event.info = info
    return event


def add_org_user(admin: httpx.Client, org_name: str) -> str:
    """Create an organisation and a plain user (role 3) in it; return the user's key."""
    org = admin.post("/admin/organisations/add", json={"name": org_name})
    assert org.status_code == 200, org.text
    org_id = org.json()["Organisation"]["id"]
    email = f"analyst@{org_name.replace(' ', '-').lower()}.test"
    user = admin.post("/admin/users/add", json={"email": email, "org_id": org_id, "role_id": 3})
    assert user.status_code == 200, user.text
    key: str = user.json()["User"]["authkey"]
    return key


def add_event(admin: httpx.Client, fields: Json) -> Json:
    """Add a small valid event (one attribute) and return it as the server shows it."""
    attribute = {"type": "ip-dst", "value": f"192.0.2.{len(fields['info'])}"}
    resp = admin.post("/events/add", json={"Event": {**fields, "Attribute": [attribute]}})
    assert resp.status_code == 200, resp.text
    event: Json = resp.json()["Event"]
    return event


COUNT_ROWS = sa.text(
    "SELECT " + ", ".join(f"(SELECT count(*) FROM {t}) AS {t}" for t in WRITTEN_TABLES)
)


def row_counts(server: LiveServer) -> dict[str, int]:
    with server.platform.engine.connect() as conn:
        return dict(conn.execute(COUNT_ROWS).mappings().one())


@contextmanager
def nothing_written(server: LiveServer) -> Iterator[None]:
    """Assert that the block leaves every table an event add writes to as it was."""
    before = row_counts(server)
    yield
    assert row_counts(server) == before


def assert_error(resp: httpx.Response, status: int, *needles: str) -> Json:
    """A MISP error body with ``status``; its message contains every needle."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body: Json = resp.json()
    assert {"name", "message", "url"} <= set(body), body
    assert body["name"] and body["message"]
    assert body["url"] == unquote(resp.request.url.path)
    for needle in needles:
        assert needle in body["message"], (needle, body["message"])
    return body


def assert_pymisp_error(result: Any, status: int, *needles: str) -> None:
    """PyMISP's ``{"errors": (status, body)}`` for a 4xx answer."""
    assert isinstance(result, dict) and "errors" in result, result
    got_status, body = result["errors"]
    assert got_status == status, body
    assert {"name", "message", "url"} <= set(body)
    for needle in needles:
        assert needle in body["message"], (needle, body["message"])


def good_attributes(n: int) -> list[Json]:
    """``n`` valid, tagged attributes (the tag must not survive a rejected add)."""
    tag = [{"name": "bad-input:never-stored"}]
    return [
        {"type": "ip-dst", "value": f"10.9.{i // 200}.{i % 200 + 1}", "Tag": tag} for i in range(n)
    ]


def event_body(*attributes: Any, **fields: Any) -> Json:
    event = {"info": "bad input", "Tag": [{"name": "bad-input:event-tag"}], **fields}
    return {"Event": {**event, "Attribute": [*good_attributes(1), *attributes]}}


def post_json(c: httpx.Client, path: str, payload: Any) -> httpx.Response:
    return c.post(path, content=json.dumps(payload), headers={"Content-Type": "application/json"})


# --------------------------------------------------------------------------- the body


@pytest.mark.parametrize(
    "raw",
    [b'{"info": "x",', b"{bad json}", b"\xff\xfe{}", b"NaN", b'{"info": "x"} trailing'],
    ids=["truncated", "unquoted", "not-utf8", "nan", "trailing"],
)
def test_malformed_json_is_400(site: Site, admin: httpx.Client, raw: bytes) -> None:
    with nothing_written(site.server):
        resp = admin.post("/events/add", content=raw, headers={"Content-Type": "application/json"})
    assert_error(resp, 400, "not valid JSON")


@pytest.mark.parametrize("payload", [[], [{"info": "x"}], "event", 42, None, True])
def test_json_that_is_not_an_object_is_400(site: Site, admin: httpx.Client, payload: Any) -> None:
    with nothing_written(site.server):
        resp = post_json(admin, "/events/add", payload)
    assert_error(resp, 400, "expected a JSON object", type(payload).__name__)


BAD_EVENTS: list[tuple[str, Json, tuple[str, ...]]] = [
    (
        "unknown-type",
        event_body({"type": "no-such-type", "value": "x"}),
        ("Event.Attribute[1].type", "no-such-type"),
    ),
    (
        "bad-ipv4",
        event_body({"type": "ip-dst", "value": "999.1.1.1"}),
        ("Event.Attribute[1].value", "999.1.1.1", "ip-dst"),
    ),
    (
        "md5-length",
        event_body({"type": "md5", "value": "d41d8cd98f00b204"}),
        ("Event.Attribute[1].value", "d41d8cd98f00b204", "md5"),
    ),
    (
        "port-range",
        event_body({"type": "port", "value": "70000"}),
        ("Event.Attribute[1].value", "70000", "port"),
    ),
    (
        "category",
        event_body({"type": "md5", "category": "Network activity", "value": "d" * 32}),
        ("Event.Attribute[1].category", "md5", "Network activity"),
    ),
    ("no-value", event_body({"type": "text"}), ("Event.Attribute[1].value",)),
    ("not-an-object", event_body("10.0.0.1"), ("Event.Attribute[1]", "expected a JSON object")),
    (
        "bad-uuid",
        event_body({"type": "text", "value": "x", "uuid": "not-a-uuid"}),
        ("Event.Attribute[1].uuid", "not-a-uuid"),
    ),
    ("distribution-7", event_body(distribution=7), ("Event.distribution", "7")),
    (
        "distribution-4-no-group",
        event_body(distribution=4),
        ("Event.sharing_group_id", "distribution 4"),
    ),
    (
        "unknown-sharing-group",
        event_body(distribution=4, sharing_group_id=999),
        ("sharing group 999",),
    ),
    (
        "attribute-distribution-9",
        event_body({"type": "text", "value": "x", "distribution": 9}),
        ("Event.Attribute[1].distribution", "9"),
    ),
    (
        "missing-info",
        {"Event": {"distribution": 1, "Attribute": good_attributes(2)}},
        ("Event.info",),
    ),
    ("blank-info", event_body(info="   "), ("Event.info",)),
    ("threat-level", event_body(threat_level_id=9), ("Event.threat_level_id", "9")),
    ("huge-timestamp", event_body(timestamp=10**30), ("Event.timestamp", "out of range")),
    (
        "huge-first-seen",
        event_body({"type": "text", "value": "x", "first_seen": 1e300}),
        ("Event.Attribute[1].first_seen", "out of range"),
    ),
    ("bad-date", event_body(date="31/12/2024"), ("Event.date", "31/12/2024")),
    (
        "object-relation",
        event_body(
            Object=[
                {
                    "name": "file",
                    "Attribute": [
                        {"type": "filename", "object_relation": "filename", "value": "a.exe"},
                        {"type": "text", "object_relation": "nope", "value": "x"},
                    ],
                }
            ]
        ),
        ("Event.Object[0].Attribute[1].object_relation", "'nope'", "'file'"),
    ),
    (
        "object-relation-type",
        event_body(
            Object=[
                {
                    "name": "file",
                    "Attribute": [
                        {"type": "ip-dst", "object_relation": "md5", "value": "10.0.0.1"}
                    ],
                }
            ]
        ),
        ("Event.Object[0].Attribute[0].type", "ip-dst"),
    ),
    (
        "duplicate-attribute-uuid",
        event_body(
            {"type": "text", "value": "a", "uuid": "3f1a6e7c-2b4d-4e5f-8a9b-0c1d2e3f4a5b"},
            {"type": "text", "value": "b", "uuid": "3f1a6e7c-2b4d-4e5f-8a9b-0c1d2e3f4a5b"},
        ),
        ("Event.Attribute[2].uuid", "Event.Attribute[1]"),
    ),
]


@pytest.mark.parametrize(
    ("payload", "needles"), [c[1:] for c in BAD_EVENTS], ids=[c[0] for c in BAD_EVENTS]
)
def test_invalid_event_is_400_and_adds_nothing(
    site: Site, admin: httpx.Client, payload: Json, needles: tuple[str, ...]
) -> None:
    with nothing_written(site.server):
        resp = admin.post("/events/add", json=payload)
    assert_error(resp, 400, *needles)


def test_fifty_valid_attributes_and_one_bad_add_nothing(site: Site, admin: httpx.Client) -> None:
    payload = event_body(*good_attributes(49), {"type": "ip-dst", "value": "999.1.1.1"})
    with nothing_written(site.server):
        resp = admin.post("/events/add", json=payload)
    assert_error(resp, 400, "Event.Attribute[50].value", "999.1.1.1")
    assert admin.get("/events/index", params={"eventinfo": "bad input"}).json() == []


def test_failure_inside_the_transaction_rolls_everything_back(
    site: Site, admin: httpx.Client
) -> None:
    """The event row and its tags are written before the attributes; an attribute UUID
    already used by another event then fails the insert: nothing may remain."""
    taken = site.private_event["Attribute"][0]["uuid"]
    clash = {"type": "text", "value": "clash", "uuid": taken}
    with nothing_written(site.server):
        resp = admin.post("/events/add", json=event_body(*good_attributes(20), clash))
    body = assert_error(resp, 409, "Event.Attribute[21].uuid: a different attribute already")
    assert "UNIQUE" not in body["message"] and "constraint" not in body["message"]


def test_pymisp_sees_the_error_and_nothing_is_added(site: Site) -> None:
    misp = pymisp(site.server)
    event = misp_event("bad input via PyMISP")
    for i in range(50):
        event.add_attribute("ip-dst", f"10.8.0.{i + 1}")
    event.add_attribute("ip-dst", "999.1.1.1")
    with nothing_written(site.server):
        result = misp.add_event(event)
    assert_pymisp_error(result, 400, "Attribute[50].value", "999.1.1.1")


def test_duplicate_event_uuid_is_409(site: Site, admin: httpx.Client) -> None:
    existing = site.shared_event["uuid"]
    with nothing_written(site.server):
        resp = admin.post("/events/add", json=event_body(uuid=existing))
    assert_error(resp, 409, "already exists")
    again = misp_event("again")
    again.uuid = existing
    assert_pymisp_error(pymisp(site.server).add_event(again), 409, "already exists")


@pytest.mark.parametrize(
    "payload",
    [
        {"info": "nul \u0000 byte"},
        event_body({"type": "text", "value": "nul\u0000"}),
        event_body(sharing_group_id=2**70, distribution=4),
        event_body(date=1e300),
        event_body(Object=[{"name": "custom", "uuid": "5", "Attribute": []}]),
    ],
    ids=["nul-info", "nul-value", "huge-group", "huge-date", "bad-object-uuid"],
)
def test_odd_values_never_500(site: Site, admin: httpx.Client, payload: Json) -> None:
    """Values the databases differ on (PostgreSQL refuses NUL bytes) are a 200 or a 400,
    and a 400 writes nothing."""
    before = row_counts(site.server)
    resp = admin.post("/events/add", json=payload)
    assert resp.status_code in (200, 400), resp.text
    if resp.status_code == 400:
        assert_error(resp, 400)
        assert row_counts(site.server) == before


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ({"info": "x", "Attribute": True}, "Event.Attribute: expected a JSON array"),
        ({"Event": {"info": "x", "Attribute": 5}}, "Event.Attribute: expected a JSON array"),
        ({"info": "x", "Object": "o"}, "Event.Object: expected a JSON array"),
        (
            {"info": "x", "Object": [{"name": "custom", "Attribute": True}]},
            "Event.Object[0].Attribute: expected a JSON array",
        ),
    ],
    ids=["attribute-true", "wrapped-attribute-int", "object-string", "object-attribute-true"],
)
def test_a_list_field_that_is_not_a_list_is_400(
    site: Site, admin: httpx.Client, payload: Json, needle: str
) -> None:
    """Found by test_random_json_never_500: the attachment scan ran before validation and
    iterated over whatever ``Attribute`` held (a 500 for ``true``)."""
    with nothing_written(site.server):
        assert_error(admin.post("/events/add", json=payload), 400, needle)


# --------------------------------------------------------------------------- authentication


@pytest.mark.parametrize(
    ("key", "needle"),
    [
        (None, "Authorization"),
        ("", "Authorization"),
        (UNKNOWN_KEY, "Authorization"),
        ("short", "40 alphanumeric"),
        ("!" * 40, "40 alphanumeric"),
        ("a" * 41, "40 alphanumeric"),
    ],
    ids=["absent", "empty", "unknown", "short", "symbols", "too-long"],
)
def test_missing_or_wrong_key_is_401(site: Site, key: str | None, needle: str) -> None:
    headers = {"Accept": "application/json"} | ({} if key is None else {"Authorization": key})
    with (
        httpx.Client(base_url=site.server.url, headers=headers) as anon,
        nothing_written(site.server),
    ):
        assert_error(anon.get("/events/index"), 401, needle)
        assert_error(anon.post("/events/add", json=event_body()), 401, needle)


def test_pymisp_with_an_unknown_key_fails_to_connect(site: Site) -> None:
    with pytest.raises(PyMISPError, match="401"):
        pymisp(site.server, UNKNOWN_KEY)


# --------------------------------------------------------------------------- other orgs' events


def private_refs(site: Site) -> list[str]:
    return [site.private_event["id"], site.private_event["uuid"]]


@pytest.mark.parametrize(
    ("method", "action"),
    [
        ("GET", "events/view"),
        ("POST", "events/edit"),
        ("POST", "events/delete"),
        ("POST", "attributes/add"),
    ],
)
def test_another_orgs_private_event_is_404(
    site: Site, other: httpx.Client, method: str, action: str
) -> None:
    body = {"info": "taken over", "type": "text", "value": "x"}
    for ref in private_refs(site):
        with nothing_written(site.server):
            resp = other.request(
                method, f"/{action}/{ref}", json=body if method == "POST" else None
            )
        assert_error(resp, 404, "Invalid event")
    assert other.head(f"/events/view/{site.private_event['id']}").status_code == 404


def test_another_orgs_private_attribute_is_404(site: Site, other: httpx.Client) -> None:
    attribute = site.private_event["Attribute"][0]
    for ref in (attribute["id"], attribute["uuid"]):
        assert_error(other.get(f"/attributes/view/{ref}"), 404, "Invalid attribute")
        with nothing_written(site.server):
            assert_error(other.post(f"/attributes/delete/{ref}"), 404, "Invalid attribute")
            assert_error(other.post(f"/attributes/edit/{ref}", json={"value": "x"}), 404)


def test_pymisp_another_orgs_private_event_is_404(site: Site) -> None:
    misp = pymisp(site.server, site.other_key)
    event_id = site.private_event["id"]
    with nothing_written(site.server):
        assert_pymisp_error(misp.get_event(event_id), 404, "Invalid event")
        assert_pymisp_error(misp.delete_event(event_id), 404, "Invalid event")
        # No publish permission: MISP's ACL refusal comes before the lookup.
        assert_pymisp_error(misp.publish(event_id), 403, "use this functionality")
        assert_pymisp_error(
            misp.update_event(misp_event("taken over"), event_id=event_id), 404, "Invalid event"
        )


@pytest.mark.parametrize(
    ("action", "needle"),
    [
        ("events/edit", "not allowed to modify"),
        ("events/delete", "not allowed to modify"),
        ("attributes/add", "permission"),
    ],
)
def test_another_orgs_visible_event_is_403_to_change(
    site: Site, other: httpx.Client, action: str, needle: str
) -> None:
    event_id = site.shared_event["id"]
    assert other.get(f"/events/view/{event_id}").status_code == 200
    with nothing_written(site.server):
        resp = other.post(
            f"/{action}/{event_id}", json={"info": "taken over", "type": "text", "value": "x"}
        )
    assert_error(resp, 403, needle)
    assert other.get(f"/events/view/{event_id}").json()["Event"]["info"] == "community"


def test_publishing_without_the_permission_is_misps_acl_refusal(
    site: Site, other: httpx.Client
) -> None:
    """A role without ``perm_publish`` gets MISP's ACL refusal before any lookup: the
    same for a visible event, a hidden one and one that does not exist."""
    refs = [site.shared_event["id"], *private_refs(site), "999999"]
    for action in ("events/publish", "events/unpublish"):
        for ref in refs:
            with nothing_written(site.server):
                resp = other.post(f"/{action}/{ref}")
            assert_error(resp, 403, "You do not have permission to use this functionality.")


# --------------------------------------------------------------------------- ids and routes


@pytest.mark.parametrize("action", ["events/view", "attributes/view", "events/delete"])
def test_id_that_is_neither_number_nor_uuid_is_400(admin: httpx.Client, action: str) -> None:
    method = "GET" if action.endswith("view") else "POST"
    for ref in ("abc", "1.5", "-1", "12abc", "²", "%00", "0x1f"):
        assert_error(
            admin.request(method, f"/{action}/{ref}"), 400, "id or UUID", repr(unquote(ref))
        )


@pytest.mark.parametrize(
    "path",
    [
        "/events/view/{}",
        "/attributes/view/{}",
        "/organisations/view/{}",
        "/users/view/{}",
        "/sharing_groups/view/{}",
        "/objects/delete/{}",
    ],
)
def test_unknown_or_out_of_range_id_is_404(admin: httpx.Client, path: str) -> None:
    """Ids past 64 bits name no row: a 404 like any unknown id (not a database error)."""
    method = "POST" if "delete" in path else "GET"
    for ref in ("9" * 30, str(2**63), str(2**63 - 1), str(uuid.uuid4()), "0"):
        assert_error(admin.request(method, path.format(ref)), 404, "Invalid")


def test_unknown_route_is_404_json(admin: httpx.Client) -> None:
    assert_error(admin.get("/no/such/route"), 404, "not found")
    assert_error(admin.post("/events/nope/1", json={}), 404, "not found")


def test_wrong_method_is_405_json(admin: httpx.Client) -> None:
    assert_error(admin.get("/events/add"), 405)


# --------------------------------------------------------------------------- searches


BAD_FILTERS: list[tuple[Json, tuple[str, ...]]] = [
    ({"limit": -1}, ("limit",)),
    ({"limit": "ten"}, ("limit", "ten")),
    ({"page": -3}, ("page",)),
    ({"page": 10**30}, ("page", "out of range")),
    ({"deleted": "x"}, ("deleted", "'x'")),
    ({"from": "notadate"}, ("notadate",)),
    ({"to": "2024-13-45"}, ("2024-13-45",)),
    ({"timestamp": [1, 2, 3]}, ("timestamp",)),
    ({"to_ids": "maybe"}, ("to_ids", "maybe")),
    ({"published": {"a": 1}}, ("published",)),
    ({"value": {"XOR": ["a"]}}, ("value", "XOR")),
    ({"type": [{"nested": 1}]}, ("type", "nested")),
    ({"distribution": "public"}, ("distribution", "public")),
]


@pytest.mark.parametrize(
    ("body", "needles"), BAD_FILTERS, ids=[json.dumps(b[0]) for b in BAD_FILTERS]
)
def test_search_with_a_bad_filter_is_400(
    admin: httpx.Client, body: Json, needles: tuple[str, ...]
) -> None:
    for path in ("/attributes/restSearch", "/events/restSearch", "/events/index"):
        assert_error(admin.post(path, json=body), 400, *needles)


@pytest.mark.parametrize("fmt", ["openioc", "yara", "nope", 5])
def test_unsupported_return_format_is_400_not_json(admin: httpx.Client, fmt: Any) -> None:
    """An export this instance cannot write is refused, never answered as JSON."""
    for path in ("/attributes/restSearch", "/events/restSearch"):
        assert_error(admin.post(path, json={"returnFormat": fmt}), 400, "returnFormat")


@pytest.mark.parametrize(
    "body",
    [
        {"eventid": "9" * 30},
        {"org": "9" * 30},
        {"tags": "9" * 30},
        {"deleted": []},
        {"value": "\u0000"},
        {"last": "999999999w"},
        {"last": "soon"},
        {"request": {"limit": 1, "page": 999999}},
        {"request": 5},
    ],
    ids=[
        "huge-eventid",
        "huge-org",
        "huge-tag",
        "deleted-empty",
        "nul",
        "long-ago",
        "not-a-duration",
        "far-page",
        "request-not-object",
    ],
)
def test_odd_search_filters_never_break(admin: httpx.Client, body: Json) -> None:
    """Odd filters answer a 4xx, or a complete JSON document (never a cut stream)."""
    for path in ("/attributes/restSearch", "/events/restSearch", "/events/index"):
        resp = admin.post(path, json=body)
        assert resp.status_code < 500, resp.text
        json.loads(resp.content)


@pytest.mark.parametrize("value", [{"a": 1}, [["1.2.3.4"]]], ids=["object", "nested-list"])
def test_sighting_of_a_value_that_is_not_text_is_400(admin: httpx.Client, value: Any) -> None:
    assert_error(admin.post("/sightings/add", json={"value": value}), 400, "Sighting.value")


def test_pymisp_search_with_a_bad_filter(site: Site) -> None:
    result = pymisp(site.server).search(controller="attributes", limit=-1)
    assert_pymisp_error(result, 400, "limit")


# --------------------------------------------------------------------------- body size


def big_event(n: int) -> bytes:
    return json.dumps(event_body(*good_attributes(n))).encode()


def test_oversize_body_with_content_length_is_413(small_server: LiveServer) -> None:
    with client(small_server) as c, nothing_written(small_server):
        resp = c.post(
            "/events/add", content=big_event(100), headers={"Content-Type": "application/json"}
        )
    assert_error(resp, 413, "2048 bytes")


def test_oversize_chunked_body_is_413(small_server: LiveServer) -> None:
    """Without a Content-Length the limit is enforced while reading."""
    body = big_event(100)

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(body), 512):
            yield body[i : i + 512]

    with client(small_server) as c, nothing_written(small_server):
        resp = c.post("/events/add", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in resp.request.headers
    assert_error(resp, 413, "2048 bytes")


def test_body_under_the_limit_is_accepted(small_server: LiveServer) -> None:
    with client(small_server) as c:
        resp = c.post(
            "/events/add", content=big_event(2), headers={"Content-Type": "application/json"}
        )
    assert resp.status_code == 200, resp.text


# --------------------------------------------------------------------------- fuzzing

FIELD_NAMES = st.sampled_from(
    [
        "Event",
        "request",
        "info",
        "Attribute",
        "Object",
        "Tag",
        "type",
        "value",
        "category",
        "distribution",
        "sharing_group_id",
        "uuid",
        "timestamp",
        "date",
        "first_seen",
        "to_ids",
        "object_relation",
        "name",
        "ObjectReference",
        "referenced_uuid",
        "threat_level_id",
        "analysis",
        "published",
        "limit",
        "page",
        "deleted",
        "from",
        "to",
        "last",
        "eventid",
        "org",
        "tags",
        "includeCorrelations",
        "returnFormat",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["ip-dst", "md5", "text", "file", "1.2.3.4", "4", "5d"])
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(FIELD_NAMES | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=24,
)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=JSON_VALUES)
def test_random_json_never_500(fuzz_client: httpx.Client, payload: Any) -> None:
    for path in ("/events/add", "/attributes/restSearch"):
        resp = post_json(fuzz_client, path, payload)
        assert resp.status_code < 500, (path, payload, resp.text)
        body = json.loads(resp.content)  # complete, even when streamed
        if resp.status_code >= 400:
            assert {"name", "message", "url"} <= set(body)
