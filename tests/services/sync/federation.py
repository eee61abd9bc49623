"""Live threatmesh instances on loopback, wired as MISP sync wires them.

A, B and C each run on their own database with their own host organisation
(ORG-A, ORG-B, ORG-C). In :func:`federation`, A pushes to B (A holds the key of a sync
user of ORG-A on B) and C pulls from B (C holds the key of a sync user of ORG-C on B);
in :func:`chain`, A pushes to B and B pushes to C, with each server's background pusher
running (publishing pushes, as in MISP). Everything goes through the HTTP API, as an
operator would set it up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import sqlalchemy as sa
from pymisp import PyMISP

from tests.support import LiveServer, live_server
from threatmesh.services.admin import setup
from threatmesh.services.platform import Platform
from threatmesh.services.sync import servers
from threatmesh.storage.core import database
from threatmesh.storage.core.tables import organisations


@dataclass
class Instance:
    """One live instance and its site admin's HTTP client."""

    name: str
    srv: LiveServer
    org_uuid: str
    http: httpx.Client

    @property
    def url(self) -> str:
        return self.srv.url

    def call(self, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        """A request as the site admin (or as ``key``); the JSON answer; 2xx required."""
        headers = {"Authorization": key} if key else None
        r = self.http.request(method, path, json=body, headers=headers)
        assert r.status_code < 300, f"{self.name} {method} {path}: {r.status_code} {r.text}"
        return r.json()

    def status(self, method: str, path: str, body: Any = None, key: str | None = None) -> int:
        """Only the HTTP status of a request."""
        headers = {"Authorization": key} if key else None
        return self.http.request(method, path, json=body, headers=headers).status_code

    def pymisp(self, key: str | None = None) -> PyMISP:
        """PyMISP as the site admin (or as ``key``)."""
        return PyMISP(self.url, key or self.srv.admin_key, ssl=False, timeout=60)

    def event(self, uuid: str) -> dict[str, Any] | None:
        """The event as this instance's site admin sees it, or None."""
        r = self.http.get(f"/events/view/{uuid}")
        return r.json()["Event"] if r.status_code == 200 else None

    def sync_user(self, org_name: str, org_uuid: str) -> str:
        """Create the remote organisation (by UUID) and a sync user in it; its key."""
        orgs = self.call("GET", "/organisations/index/scope:all")
        org = next((o["Organisation"] for o in orgs if o["Organisation"]["uuid"] == org_uuid), None)
        if org is None:
            org = self.call(
                "POST",
                "/admin/organisations/add",
                {"name": org_name, "uuid": org_uuid, "local": False},
            )
        org_id = org.get("Organisation", org)["id"]
        user = self.call(
            "POST",
            "/admin/users/add",
            {
                "email": f"sync-{org_name.lower()}@{self.name.lower()}.test",
                "org_id": org_id,
                "role_id": 5,
            },
        )
        return str(user["User"]["authkey"])

    def connect(self, other: Instance, key: str, *, push: bool, pull: bool) -> str:
        """A server connection from this instance to ``other``; its id."""
        server = self.call(
            "POST",
            "/servers/add",
            {
                "name": other.name,
                "url": other.url,
                "authkey": key,
                "push": push,
                "pull": pull,
                "push_sightings": push,
                "RemoteOrg": {"uuid": other.org_uuid, "name": f"ORG-{other.name}"},
            },
        )
        return str(server["Server"]["id"])


def _instances(
    names: str, urls: tuple[str, ...], tmp_path: Path, stack: ExitStack, lifespan: str
) -> list[Instance]:
    """Live instances ``names`` on databases ``urls``; ``lifespan="on"`` runs their
    background tasks (the outbox relay and the background pusher)."""
    inst = []
    for name, url in zip(names, urls, strict=True):
        scratch = tmp_path / name
        scratch.mkdir()
        srv = stack.enter_context(live_server(url, scratch, lifespan=lifespan))
        inst.append(_instance(name, srv, stack))
    return inst


def _instance(name: str, srv: LiveServer, stack: ExitStack) -> Instance:
    srv.platform.base_url = srv.url
    with srv.platform.write() as conn:
        conn.execute(organisations.update().values(name=f"ORG-{name}"))
        org_uuid = conn.execute(sa.select(organisations.c.uuid)).scalar_one()
    http = stack.enter_context(
        httpx.Client(base_url=srv.url, headers={"Authorization": srv.admin_key}, timeout=120)
    )
    return Instance(name, srv, org_uuid, http)


@dataclass
class Federation:
    """A -> B (push) and B -> C (C pulls); the server ids on A and C."""

    a: Instance
    b: Instance
    c: Instance
    a_to_b: str
    c_from_b: str

    def sync(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """A pushes to B, then C pulls from B; both run summaries."""
        pushed = self.a.call("POST", f"/servers/push/{self.a_to_b}")
        pulled = self.c.call("POST", f"/servers/pull/{self.c_from_b}")
        return pushed, pulled


@contextmanager
def federation(urls: tuple[str, str, str], tmp_path: Path) -> Iterator[Federation]:
    """Three instances on the databases ``urls``, connected A -> B -> C."""
    with ExitStack() as stack:
        a, b, c = _instances("ABC", urls, tmp_path, stack, "off")
        a_key_on_b = b.sync_user("ORG-A", a.org_uuid)
        c_key_on_b = b.sync_user("ORG-C", c.org_uuid)
        a_to_b = a.connect(b, a_key_on_b, push=True, pull=False)
        c_from_b = c.connect(b, c_key_on_b, push=False, pull=True)
        yield Federation(a, b, c, a_to_b, c_from_b)


@dataclass
class Puller:
    """An instance that is not serving: a database, its admin, a pull connection."""

    platform: Platform
    admin_key: str
    server_id: int


def puller(db_url: str, source: LiveServer) -> Puller:
    """A fresh instance (ORG-B) on ``db_url`` with a connection pulling from ``source``,
    through a new sync user of ORG-B there."""
    with httpx.Client(base_url=source.url, headers={"Authorization": source.admin_key}) as http:
        org = http.post("/admin/organisations/add", json={"name": "ORG-B", "uuid": str(uuid4())})
        user = http.post(
            "/admin/users/add",
            json={
                "email": "sync-b@a.test",
                "org_id": org.json()["Organisation"]["id"],
                "role_id": 5,
            },
        )
        key = user.json()["User"]["authkey"]
    platform = Platform(engine=database.create_engine(db_url))
    database.upgrade(platform.engine)
    admin_key = setup.bootstrap(platform, org_name="ORG-B", email="admin@b.test")
    who = platform.identify(admin_key)
    assert who is not None
    server = servers.add(
        platform, who, {"url": source.url, "name": "A", "authkey": key, "pull": True}
    )
    return Puller(platform, admin_key, int(server["Server"]["id"]))


@dataclass
class Pair:
    """A and B wired as MISP deployments are: each holds a sync user for the other's
    host organisation, and a connection to the other naming that organisation. A
    pushes to B (``a_to_b``, with B's sync user for ORG-A) and B pulls from A
    (``b_from_a``, with A's sync user for ORG-B)."""

    a: Instance
    b: Instance
    a_to_b: str
    b_from_a: str
    #: the key of ORG-B's sync user on A (what B pulls with)
    b_key_on_a: str
    #: the key of ORG-A's sync user on B (what A pushes with)
    a_key_on_b: str

    def push(self) -> dict[str, Any]:
        """A pushes to B now; the run's summary."""
        return dict(self.a.call("POST", f"/servers/push/{self.a_to_b}"))

    def pull(self) -> dict[str, Any]:
        """B pulls from A now; the run's summary."""
        return dict(self.b.call("POST", f"/servers/pull/{self.b_from_a}"))


@contextmanager
def pair(urls: tuple[str, str], tmp_path: Path, *, lifespan: str = "off") -> Iterator[Pair]:
    """Two instances on the databases ``urls``: A pushes to B and B pulls from A
    (``lifespan="on"``: publishing on A pushes to B in the background)."""
    with ExitStack() as stack:
        a, b = _instances("AB", urls, tmp_path, stack, lifespan)
        a_key_on_b = b.sync_user("ORG-A", a.org_uuid)
        b_key_on_a = a.sync_user("ORG-B", b.org_uuid)
        a_to_b = a.connect(b, a_key_on_b, push=True, pull=False)
        b_from_a = b.connect(a, b_key_on_a, push=False, pull=True)
        yield Pair(a, b, a_to_b, b_from_a, b_key_on_a, a_key_on_b)


@dataclass
class Chain:
    """A pushes to B, B pushes to C, each with its background pusher running; the
    connection ids on A and on B."""

    a: Instance
    b: Instance
    c: Instance
    a_to_b: str
    b_to_c: str


@contextmanager
def chain(urls: tuple[str, str, str], tmp_path: Path) -> Iterator[Chain]:
    """Three instances on the databases ``urls``, A -> B -> C by push, the pushers on."""
    with ExitStack() as stack:
        a, b, c = _instances("ABC", urls, tmp_path, stack, "on")
        a_key_on_b = b.sync_user("ORG-A", a.org_uuid)
        b_key_on_c = c.sync_user("ORG-B", b.org_uuid)
        a_to_b = a.connect(b, a_key_on_b, push=True, pull=False)
        b_to_c = b.connect(c, b_key_on_c, push=True, pull=False)
        yield Chain(a, b, c, a_to_b, b_to_c)
