"""Schemathesis over ``/openapi.json``: every operation answers as its schema says.

An outside review (at 9856e5e, 39,315 schemathesis cases) found a path parameter the
schema did not declare, 90 undocumented status codes and 17 ``Allow`` headers that
disagreed with the routes. This runs schemathesis' coverage and fuzzing phases over
every operation, authenticated as a site admin (``Authorization``), against the real
app in-process (ASGI), on SQLite and PostgreSQL, with a bounded number of cases
(``MAX_EXAMPLES`` per operation, derandomized, no example database on disk).

Each operation gets a fresh app on a copy of one seeded database (an event with
attributes, a tag, an object and a sighting; a second organisation and its user; a
sharing group; an anonymization policy, binding and budget): a destructive case, such
as the admin deleting its own user, cuts short only the operation it belongs to. About
half the generated ids in paths are replaced by seeded ones, so paths reach real data.

Every operation is tested: none is excluded (MISP's library updates, which take no
parameter and reload whole data packages, get one example and the coverage phase).
``positive_data_acceptance`` (a request the schema allows must not get a 400) runs on
the operations without a body: a body
is one of MISP's documents, whose validity (types, values, templates, ids) the schema
cannot state, so it is declared as any JSON and the server answers 400 with what is
wrong and where.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
import sqlalchemy as sa
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from tests.support import database_url, live_server

from threatmesh.api.app import create_app
from threatmesh.api.settings import Settings
from threatmesh.storage.schema import metadata

MAX_EXAMPLES = 20
#: An event stream never ends: it is checked on its first event, or on what it sent
#: in this time (its first frame comes at once; the margin is for a loaded machine).
STREAM_SECONDS = 0.5
#: When even the stream's headers took longer than STREAM_SECONDS (seen on PostgreSQL with
#: both cores busy), the same case once more with this much time: a slow start under load is
#: not a documentation defect, and only slow cases pay for the longer wait.
STREAM_RETRY_SECONDS = 5.0
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
]
#: Operations without a body where a request the schema allows may still get a 400.
NOT_POSITIVE = {
    "GET /stream/events": "a last_event_id past the newest notification is refused; "
    "which ids are past the newest depends on the data, which a schema cannot state",
    **dict.fromkeys(
        ("GET /eventDelegations/view/{ref}", "POST /eventDelegations/acceptDelegation/{ref}",
         "POST /eventDelegations/deleteDelegation/{ref}"),
        "MISP answers a delegation request that does not exist (or that the caller may not "
        "act on) 405 'You are not authorised to do that.', not 404; which ids exist depends "
        "on the data",
    ),
}  # fmt: skip
Json = dict[str, Any]


class Switch:
    """The ASGI app schemathesis calls: it passes each request to the app under test,
    and answers the lifespan itself (the bus and the relay are not under test here)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Json, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await self.app(scope, receive, send)


@dataclass
class Site:
    """One backend's database holding the seeded data, which every operation starts from."""

    kind: str
    url: str  # on SQLite, the file each operation gets a copy of
    tmp: Path
    key: str
    restore: list[str]  # on PostgreSQL, the statements that put the seeded rows back
    count: int = 0
    #: Operations ``ignored_auth`` has probed; once is enough (it sends a successful
    #: request again without a key and with wrong ones: three more calls each time).
    auth_checked: set[str] = field(default_factory=set)

    def fresh(self) -> FastAPI:
        """A new app on the seeded data (a copy of the file; the rows put back)."""
        self.count += 1
        data = self.tmp / f"op{self.count}"
        data.mkdir()
        if self.kind == "sqlite":
            shutil.copyfile(self.url.removeprefix("sqlite:///"), data / "threatmesh.db")
            return create_app(_settings(f"sqlite:///{data / 'threatmesh.db'}", data))
        _execute(self.url, self.restore)
        return create_app(_settings(self.url, data))


def _execute(url: str, statements: list[str]) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    engine.dispose()


def _snapshot(url: str) -> list[str]:
    """Copy every table's rows into schema ``seed``; the statements that restore them.
    A new database per operation (CREATE DATABASE ... TEMPLATE, then DROP) took about
    a second each; this takes a fraction. Rows go back parents first; sequences go on
    from where they are, so new rows never take a seeded id."""
    tables = [f'"{table.name}"' for table in metadata.sorted_tables]
    _execute(
        url,
        ["CREATE SCHEMA seed", *(f"CREATE TABLE seed.{t} AS TABLE public.{t}" for t in tables)],
    )
    return [
        f"TRUNCATE {', '.join(f'public.{t}' for t in tables)}",
        *(f"INSERT INTO public.{t} OVERRIDING SYSTEM VALUE SELECT * FROM seed.{t}" for t in tables),
    ]


def _settings(url: str, data: Path) -> Settings:
    return Settings(database_url=url, data_dir=data, relay=False)  # type: ignore[arg-type]


def _seed(url: str, key: str) -> dict[tuple[str, str], list[str]]:
    """Real data through the real API; the ids paths can point at, by (prefix, name)."""
    with httpx.Client(base_url=url, headers={"Authorization": key}) as http:

        def post(path: str, body: Any) -> Json:
            answer = http.post(path, json=body)
            assert answer.status_code < 300, (path, answer.text)
            data: Json = answer.json()
            return data

        event = post(
            "/events/add",
            {
                "info": "seeded",
                "distribution": 1,
                "Tag": [{"name": "tlp:green"}],
                "Attribute": [
                    {"type": "ip-dst", "value": "198.51.100.7"},
                    {"type": "domain", "value": "example.org"},
                ],
            },
        )["Event"]
        obj = post(
            f"/objects/add/{event['id']}",
            {
                "Object": {
                    "name": "domain-ip",
                    "Attribute": [
                        {"object_relation": "domain", "type": "domain", "value": "example.com"}
                    ],
                }
            },
        )["Object"]
        attribute = event["Attribute"][0]
        post(f"/sightings/add/{attribute['id']}", {})
        org = post("/admin/organisations/add", {"name": "Partner"})["Organisation"]
        user = post("/admin/users/add", {"email": "u@partner.test", "org_id": org["id"]})["User"]
        group = post("/sharing_groups/add", {"SharingGroup": {"name": "Partners"}})["SharingGroup"]
        policy = {
            "name": "strict",
            "rules": [{"match": {"kinds": ["ip"]}, "technique": "suppress"}],
        }
        post("/anonymizer/policies", policy)
        recipient = {"kind": "organisation", "ident": org["uuid"]}
        post("/anonymizer/bindings", {**recipient, "policy": "strict"})
        post("/anonymizer/budgets", {**recipient, "epsilon": 1.0})
    event_refs = [event["id"], event["uuid"]]
    return {
        ("/events/", "ref"): event_refs,
        ("/events/checkuuid/", "uuid"): [event["uuid"]],
        ("/provenance/events/", "uuid"): [event["uuid"]],
        ("/uma/events/", "uuid"): [event["uuid"]],
        ("/anonymizer/", "ref"): [event["id"], "strict"],
        ("/anonymizer/", "ident"): [org["uuid"], org["name"]],
        ("/attributes/", "ref"): [attribute["id"], attribute["uuid"]],
        ("/objects/", "ref"): [obj["id"]],
        ("/sightings/listSightings/", "ref"): event_refs,
        ("/", "event_ref"): event_refs,
        ("/", "attribute_ref"): [attribute["id"]],
        ("/admin/organisations/", "ref"): [org["id"]],
        ("/organisations/", "ref"): [org["id"], org["uuid"]],
        ("/reputation/organisations/", "ref"): [org["id"], org["name"]],
        ("/admin/users/", "ref"): [user["id"], "me"],
        ("/users/", "ref"): [user["id"], "me"],
        ("/auth_keys/", "ref"): [user["id"]],
        ("/abe/revoke/", "user_ref"): [user["id"]],
        ("/sharing_groups/", "ref"): [group["id"], group["uuid"]],
        ("/sharingGroups/", "ref"): [group["id"], group["uuid"]],
    }


#: What every request reaches; its app is replaced for each operation.
SWITCH = Switch(create_app(_settings("sqlite://", Path("/nonexistent"))))
#: The seeded ids of the backend under test, by (path prefix, parameter name).
SEEDED: dict[tuple[str, str], list[str]] = {}
#: MISP's library updates take no parameter and no body, and each call parses the whole
#: data package (45,495 galaxy clusters, 2.5 million warninglist entries: seconds each).
#: Fuzzing has nothing to vary on them, so they get the examples and coverage phases with
#: one example: every check still runs on each, without a dozen identical reloads.
LIBRARY_UPDATES = (
    r"^/(taxonomies|warninglists|noticelists|objectTemplates|galaxies|decayingModel)/update$"
)


def _load(*, max_examples: int, phases: list[str]) -> Any:
    """The schema, loaded from an app that serves nothing (its database is never opened)."""
    loaded = schemathesis.openapi.from_asgi("/openapi.json", SWITCH)
    loaded.config.generation.update(max_examples=max_examples, deterministic=True, database="none")
    loaded.config.phases.update(phases=phases)
    loaded.config.max_stream_events = 1
    return loaded


schema = _load(max_examples=MAX_EXAMPLES, phases=["examples", "coverage", "fuzzing"]).exclude(
    path_regex=LIBRARY_UPDATES
)
updates = _load(max_examples=1, phases=["examples", "coverage"]).include(path_regex=LIBRARY_UPDATES)


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: Json) -> Any:
    """About half the time, seeded ids instead of the generated ones."""
    path = context.operation.path
    if not path_parameters:
        return st.just(path_parameters)
    seeded = {
        name: values
        for (prefix, name), values in SEEDED.items()
        if name in path_parameters and path.startswith(prefix)
    }
    if not seeded:
        return st.just(path_parameters)
    real = st.fixed_dictionaries({n: st.sampled_from(v) for n, v in seeded.items()})
    return st.one_of(st.just(path_parameters), real.map(lambda r: {**path_parameters, **r}))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """One backend's database with the seeded data (through the real API, on loopback)."""
    tmp = tmp_path_factory.mktemp(f"schemathesis-{request.param}")
    seed_dir = tmp / "seed"
    seed_dir.mkdir()
    with database_url(request.param, seed_dir) as url:
        # The server is gone, its sessions closed, before the data is copied.
        with live_server(url, seed_dir) as server:
            key, ids = server.admin_key, _seed(server.url, server.admin_key)
        restore = _snapshot(url) if request.param == "postgresql" else []
        SEEDED.clear()
        SEEDED.update(ids)
        yield Site(request.param, url, tmp, key, restore)
        SEEDED.clear()


@pytest.fixture
def app(site: Site) -> Iterator[FastAPI]:
    """A fresh app for one operation: a destructive case cuts short only its own."""
    fresh = site.fresh()
    SWITCH.app = fresh
    yield fresh
    fresh.state.platform.engine.dispose()


@schema.parametrize()
# The app is fresh per operation, shared by its cases, on purpose.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_answer_is_documented(case: Any, site: Site, app: FastAPI) -> None:
    _call_and_validate(case, site)


@updates.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_library_updates_are_documented(case: Any, site: Site, app: FastAPI) -> None:
    _call_and_validate(case, site)


def _call_and_validate(case: Any, site: Site) -> None:
    """One case with every check that applies to its operation."""
    label = case.operation.label
    checks = list(CHECKS)
    if "requestBody" not in case.operation.definition.raw and label not in NOT_POSITIVE:
        checks.append(positive_data_acceptance)
    if label not in site.auth_checked:
        checks.append(ignored_auth)
    stream = label == "GET /stream/events"
    try:
        response = case.call_and_validate(
            headers={"Authorization": site.key},
            checks=checks,
            timeout=STREAM_SECONDS if stream else 60,
        )
    except requests.exceptions.ReadTimeout:
        if not stream:
            raise
        response = case.call_and_validate(
            headers={"Authorization": site.key}, checks=checks, timeout=STREAM_RETRY_SECONDS
        )
    if 200 <= response.status_code < 300:  # ignored_auth has probed this operation
        site.auth_checked.add(label)
