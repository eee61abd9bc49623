"""Shared helpers of the benchmarks: databases, a server process, realistic indicators.

Everything here runs on loopback: the server is ``threatmesh serve`` in a child process
(so client and server do not share a GIL), on SQLite in a temporary directory or on a
fresh PostgreSQL database that is dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import random
import socket
import string
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from threatmesh.model.drafts import AttributeDraft, EventDraft, TagRef
from threatmesh.model.validation.values import normalize_value
from threatmesh.storage.correlation.value_index import row_keys

POSTGRES_ADMIN_URL = os.environ.get(
    "THREATMESH_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
THREATMESH = Path(sys.executable).with_name("threatmesh")

# ---------------------------------------------------------------------------
# Databases


@contextmanager
def bench_database(postgres: bool) -> Iterator[tuple[str, Path]]:
    """A fresh database URL and a scratch directory; both are removed afterwards.

    SQLite: ``threatmesh.db`` in the scratch directory. PostgreSQL: a new database
    ``tm_bench_<random>`` on the server of ``POSTGRES_ADMIN_URL``, dropped at the end.
    """
    with tempfile.TemporaryDirectory(prefix="tm_bench_") as tmp:
        scratch = Path(tmp)
        if not postgres:
            yield f"sqlite:///{scratch / 'threatmesh.db'}", scratch
            return
        name = f"tm_bench_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}", scratch
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def server_env(db_url: str, scratch: Path) -> dict[str, str]:
    """The environment of ``threatmesh`` commands on ``db_url``."""
    env = dict(os.environ)
    env.update(THREATMESH_DATABASE_URL=db_url, THREATMESH_DATA_DIR=str(scratch))
    return env


def init_admin(db_url: str, scratch: Path) -> str:
    """Migrate ``db_url`` and create a site admin; return its API key."""
    out = subprocess.run(
        [str(THREATMESH), "admin", "init", "--org", "BENCH-ORG", "--email", "bench@bench.test"],
        env=server_env(db_url, scratch),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return out.stdout.strip()


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A ``threatmesh serve`` child process on loopback."""

    url: str
    key: str
    process: subprocess.Popen[bytes]


@contextmanager
def serve(
    db_url: str, scratch: Path, key: str, extra_env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Run ``threatmesh serve`` on a free loopback port until the block ends
    (``THREATMESH_BASE_URL`` is set to its URL unless ``extra_env`` says otherwise)."""
    port = free_port()
    log = (scratch / f"server-{port}.log").open("wb")
    env = server_env(db_url, scratch) | {"THREATMESH_BASE_URL": f"http://127.0.0.1:{port}"}
    proc = subprocess.Popen(
        [str(THREATMESH), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"],
        env=env | (extra_env or {}),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(f"http://127.0.0.1:{port}", key, proc)
    try:
        wait_ready(server)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
        log.close()


def wait_ready(server: Server, timeout: float = 30.0) -> None:
    """Wait until the server answers an authenticated ``servers/getVersion``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.process.returncode}")
        try:
            r = httpx.get(f"{server.url}/servers/getVersion", headers=auth_headers(server.key))
            if r.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not start in time")


def auth_headers(key: str) -> dict[str, str]:
    """Headers of an authenticated JSON request."""
    return {"Authorization": key, "Accept": "application/json", "Content-Type": "application/json"}


def admin_org_id(engine: sa.Engine) -> int:
    """The id of the benchmark's organisation."""
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT id FROM organisations WHERE name = 'BENCH-ORG'")).first()
    if row is None:
        raise RuntimeError("no BENCH-ORG organisation: was init_admin run?")
    return int(row[0])


# ---------------------------------------------------------------------------
# Realistic indicators


@dataclass(frozen=True, slots=True)
class Spec:
    """One attribute as a client would submit it (value already in normal form)."""

    type: str
    category: str
    value1: str
    value2: str
    to_ids: bool
    comment: str
    tag: str | None

    @property
    def value(self) -> str:
        """The one-string value MISP clients send."""
        return f"{self.value1}|{self.value2}" if self.value2 else self.value1


# (type, category, weight): roughly the mix of a MISP community feed.
TYPE_MIX: tuple[tuple[str, str, int], ...] = (
    ("ip-dst", "Network activity", 20),
    ("ip-src", "Network activity", 8),
    ("domain", "Network activity", 15),
    ("hostname", "Network activity", 5),
    ("url", "Network activity", 12),
    ("sha256", "Payload delivery", 10),
    ("md5", "Payload delivery", 8),
    ("sha1", "Payload delivery", 4),
    ("filename|sha256", "Payload delivery", 6),
    ("filename", "Payload delivery", 3),
    ("email-src", "Payload delivery", 3),
    ("ip-dst|port", "Network activity", 3),
    ("domain|ip", "Network activity", 2),
    ("text", "Other", 1),
)
_TLDS = ("com", "net", "org", "ru", "cn", "io", "info", "xyz", "top", "de")
_EXTS = ("exe", "dll", "doc", "xlsm", "js", "zip", "ps1", "lnk")
_TAGS = ("tlp:amber", 'admiralty-scale:source-reliability="b"', "kill-chain:command-and-control")
_NOW = 1_735_689_600  # 2025-01-01, fixed so runs are comparable


class Indicators:
    """A seeded source of realistic, mostly unique indicators.

    About 3% of values come from a pool of 500 "popular" indicators shared across
    events (so correlations exist); 10% carry a comment and 10% an attribute tag.
    """

    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.counter = 0
        self.types = [t for t, _, _ in TYPE_MIX]
        self.weights = [w for _, _, w in TYPE_MIX]
        self.category = {t: c for t, c, _ in TYPE_MIX}
        self.popular = [self._fresh(t) for t in self.rng.choices(self.types, self.weights, k=500)]

    def _word(self, lo: int = 5, hi: int = 12) -> str:
        return "".join(self.rng.choices(string.ascii_lowercase, k=self.rng.randint(lo, hi)))

    def _ip(self) -> str:
        r = self.rng
        if r.random() < 0.02:
            return f"{r.randint(11, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.0/24"
        return f"{r.randint(11, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"

    def _domain(self) -> str:
        self.counter += 1
        return f"{self._word()}{self.counter}.{self.rng.choice(_TLDS)}"

    def _hash(self, bits: int) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def _filename(self) -> str:
        return f"{self._word()}.{self.rng.choice(_EXTS)}"

    def _values(self, type_: str) -> tuple[str, str]:
        makers: dict[str, Callable[[], tuple[str, str]]] = {
            "ip-dst": lambda: (self._ip(), ""),
            "ip-src": lambda: (self._ip(), ""),
            "domain": lambda: (self._domain(), ""),
            "hostname": lambda: (f"{self._word(3, 6)}.{self._domain()}", ""),
            "url": lambda: (
                f"https://{self._domain()}/{self._word()}/{self._word()}.php?id="
                f"{self.rng.randint(1, 99999)}",
                "",
            ),
            "sha256": lambda: (self._hash(256), ""),
            "md5": lambda: (self._hash(128), ""),
            "sha1": lambda: (self._hash(160), ""),
            "filename|sha256": lambda: (self._filename(), self._hash(256)),
            "filename": lambda: (self._filename(), ""),
            "email-src": lambda: (f"{self._word()}@{self._domain()}", ""),
            "ip-dst|port": lambda: (self._ip().split("/")[0], str(self.rng.randint(1, 65535))),
            "domain|ip": lambda: (self._domain(), self._ip().split("/")[0]),
            "text": lambda: (f"Campaign note {self._word()} {self.rng.randint(1, 10**6)}", ""),
        }
        return makers[type_]()

    def _fresh(self, type_: str) -> Spec:
        value1, value2 = self._values(type_)
        r = self.rng
        return Spec(
            type=type_,
            category=self.category[type_],
            value1=value1,
            value2=value2,
            to_ids=type_ not in ("text", "filename"),
            comment=f"seen in campaign {r.randint(1, 500)}" if r.random() < 0.1 else "",
            tag=r.choice(_TAGS) if r.random() < 0.1 else None,
        )

    def specs(self, n: int) -> list[Spec]:
        """``n`` indicators of the realistic type mix."""
        out = []
        for type_ in self.rng.choices(self.types, self.weights, k=n):
            if self.rng.random() < 0.03:
                out.append(self.rng.choice(self.popular))
            else:
                out.append(self._fresh(type_))
        return out


def check_normal_form(specs: Sequence[Spec]) -> None:
    """Fail if the generator produced a value the server would store differently."""
    for s in specs:
        got = normalize_value(s.type, s.value)
        if got != (s.value1, s.value2):
            raise AssertionError(f"{s.type} {s.value!r} normalises to {got!r}")


def event_draft(specs: Sequence[Spec], info: str) -> EventDraft:
    """A published event draft (as ``threatmesh.storage.events.writes`` writes them)."""
    return EventDraft(
        uuid=str(uuid.uuid4()),
        info=info,
        date=dt.date(2025, 1, 1),
        threat_level_id=2,
        analysis=2,
        distribution=1,
        sharing_group_id=0,
        published=True,
        timestamp=_NOW,
        publish_timestamp=_NOW,
        disable_correlation=False,
        extends_uuid="",
        tags=[TagRef("tlp:green")],
        attributes=[attribute_draft(s) for s in specs],
    )


def attribute_draft(s: Spec) -> AttributeDraft:
    """The draft of one indicator."""
    return AttributeDraft(
        uuid=str(uuid.uuid4()),
        type=s.type,
        category=s.category,
        value1=s.value1,
        value2=s.value2,
        to_ids=s.to_ids,
        distribution=5,
        sharing_group_id=0,
        comment=s.comment,
        disable_correlation=False,
        timestamp=_NOW,
        tags=[TagRef(s.tag)] if s.tag else [],
    )


def raw_event_row(info: str, org_id: int) -> dict[str, Any]:
    """An ``events`` row for the raw Core baseline."""
    return {
        "uuid": str(uuid.uuid4()),
        "org_id": org_id,
        "orgc_id": org_id,
        "user_id": 1,
        "date": dt.date(2025, 1, 1),
        "info": info,
        "threat_level_id": 2,
        "analysis": 2,
        "distribution": 1,
        "sharing_group_id": 0,
        "published": False,
        "timestamp": _NOW,
        "attribute_count": 0,
    }


def raw_attribute_rows(specs: Sequence[Spec]) -> list[dict[str, Any]]:
    """``attributes`` rows for the raw Core baseline (``event_id`` set when inserting)."""
    return [
        {
            "uuid": str(uuid.uuid4()),
            "event_id": 0,
            "object_id": 0,
            "object_relation": None,
            "type": s.type,
            "category": s.category,
            "value1": s.value1,
            "value2": s.value2,
            **row_keys(s.value1, s.value2),
            "to_ids": s.to_ids,
            "distribution": 5,
            "sharing_group_id": 0,
            "comment": s.comment,
            "deleted": False,
            "disable_correlation": False,
            "timestamp": _NOW,
            "first_seen": None,
            "last_seen": None,
        }
        for s in specs
    ]


# ---------------------------------------------------------------------------
# Reporting


def percentile(samples: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) of ``samples``, nearest-rank."""
    ordered = sorted(samples)
    rank = min(len(ordered), max(1, math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds used so far by process ``pid`` (its threads included),
    from ``/proc``; None where there is no ``/proc``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine() -> str:
    """One line describing where the benchmark ran."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"SQLAlchemy {sa.__version__}, {platform.system()} {platform.release()}; "
        f"load average before the run {load}"
    )


def db_label(engine: sa.Engine) -> str:
    """``SQLite 3.x`` or ``PostgreSQL 15.x``."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return f"SQLite {conn.execute(sa.text('SELECT sqlite_version()')).scalar_one()}"
        return "PostgreSQL " + str(conn.execute(sa.text("SHOW server_version")).scalar_one())
