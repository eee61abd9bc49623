"""What the adaptive tests share: a live server with a host organisation (its agent's
key) and a CERT that publishes vulnerability intelligence, and the host's risk."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
from pymisp import MISPAttribute, MISPEvent, MISPOrganisation, MISPUser, PyMISP

from tests.support import LiveServer
from threatmesh.honeypots.decoys.base import Decoy
from threatmesh.honeypots.decoys.records import Interaction
from threatmesh.sensors.decoys.listener import DecoyListener

APACHE = "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"
LIBSSH = "cpe:2.3:a:libssh:libssh:0.7.6:*:*:*:*:*:*:*"


def org_key(server: LiveServer, name: str, role: int = 3) -> str:
    """A new organisation's user (3: user, 4: publisher); its API key."""
    admin = PyMISP(server.url, server.admin_key, ssl=False, timeout=60)
    org = MISPOrganisation()
    org.name = name
    created = admin.add_organisation(org, pythonify=True)
    user = MISPUser()
    user.email = f"ops@{name.lower()}.test"
    user.org_id = created.id
    user.role_id = role
    return str(admin.add_user(user)["User"]["authkey"])


@dataclass
class World:
    server: LiveServer
    hosts_key: str
    cert: PyMISP

    def publish_cve(self, cve: str, cpes: list[str], *, threat_level: int = 1) -> MISPAttribute:
        """The CERT publishes a ``vulnerability`` attribute with the products' CPEs."""
        event = MISPEvent()
        event.info = f"{cve} exploited in the wild"
        event.distribution = 3
        event.threat_level_id = threat_level
        attribute = event.add_attribute("vulnerability", cve)
        for cpe in cpes:
            event.add_attribute("cpe", cpe)
        created = self.cert.add_event(event, pythonify=True)
        assert isinstance(created, MISPEvent), created
        self.cert.publish(created)
        return next(a for a in created.attributes if a.uuid == attribute.uuid)

    def risk(self, host: str) -> dict[str, float]:
        answer = httpx.get(f"{self.server.url}/risk/hosts/{host}",
                           headers={"Authorization": self.hosts_key}, timeout=60)  # fmt: skip
        assert answer.status_code == 200, answer.text
        risk = answer.json()["Risk"]
        return {"p": risk["probability"], **{f["factor"]: f["log_odds"] for f in risk["factors"]}}


def make_world(server: LiveServer) -> World:
    cert = PyMISP(server.url, org_key(server, "CERT", role=4), ssl=False, timeout=60)
    return World(server, org_key(server, "HOSTS"), cert)


async def _fire(port: int, decoy: Decoy) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for chunk in decoy.probe:
        writer.write(chunk)
    await writer.drain()
    writer.write_eof()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return answer


def fire_probe(port: int, decoy: Decoy) -> bytes:
    """Send ``decoy``'s exploit probe to 127.0.0.1:``port``; the answer."""
    return asyncio.run(_fire(port, decoy))


def hit_in_process(decoy: Decoy, host: str) -> Interaction:
    """Serve ``decoy`` in this process, fire its probe; the recorded interaction."""

    async def run() -> list[Interaction]:
        hits: list[Interaction] = []
        listener = DecoyListener(decoy, host=host, record=hits.append)
        port = await listener.start()
        await _fire(port, decoy)
        for _ in range(200):
            if hits:
                break
            await asyncio.sleep(0.01)
        await listener.stop()
        return hits

    (hit,) = asyncio.run(run())
    return hit
