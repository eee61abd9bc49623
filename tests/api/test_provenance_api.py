"""The provenance log through the API and the CLI: every platform write leaves a
verified record, and each kind of tampering is detected and named."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from pymisp import MISPAttribute, MISPEvent, PyMISP
from tests.support import LiveServer
from tests.trust_support import add_event, api, member

from threatmesh.privacy.provenance.chain import Head, Signer
from threatmesh.storage.provenance.tables import provenance_records

BIN = Path(sys.executable).with_name("threatmesh")
COLUMNS = ("kind", "subject", "created", "payload", "prev_hash", "record_hash", "signature")


def _history(server: LiveServer, uuid: str) -> dict[str, Any]:
    with api(server.url, server.admin_key) as admin:
        r = admin.get(f"/provenance/events/{uuid}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def _verify(server: LiveServer) -> dict[str, Any]:
    with api(server.url, server.admin_key) as admin:
        r = admin.get("/provenance/verify")
    assert r.status_code == 200, r.text
    return dict(r.json())


def _lifecycle(server: LiveServer) -> str:
    """An event added, extended, published and sighted through PyMISP."""
    misp = PyMISP(server.url, server.admin_key, ssl=False)
    event = MISPEvent()
    event.info = "provenance"
    event.distribution = 1
    event.add_attribute("domain", "prov.example")
    created = misp.add_event(event, pythonify=True)
    attribute = MISPAttribute()
    attribute.from_dict(type="ip-dst", value="192.0.2.44")
    misp.add_attribute(created.id, attribute)
    misp.publish(created.id)
    misp.add_sighting({"value": "192.0.2.44", "source": "ids"})
    return str(created.uuid)


def test_every_write_is_recorded_and_verifies(server: LiveServer) -> None:
    uuid = _lifecycle(server)
    history = _history(server, uuid)
    assert [(r["kind"], r["payload"].get("action")) for r in history["records"]] == [
        ("event-version", "add"),
        ("event-version", "content"),
        ("event-version", "publish"),
        ("sighting", None),
    ]
    assert history["verified"] and history["matches_latest_version"]
    assert all(r["verified"] for r in history["records"])
    report = _verify(server)
    assert report["ok"] and report["checked"] == 4 and report["head"]["seq"] == 4

    # Content changed behind the platform's back no longer matches the last version.
    with server.platform.engine.begin() as conn:
        conn.execute(sa.text("UPDATE attributes SET value1 = 'evil.example' "
                             "WHERE value1 = 'prov.example'"))  # fmt: skip
    assert not _history(server, uuid)["matches_latest_version"]


def test_concurrent_writers_keep_one_chain(server: LiveServer) -> None:
    writers = [member(server, f"ORG-{i}") for i in range(3)]

    def work(index: int) -> None:
        for j in range(3):
            add_event(writers[index], [f"192.0.2.{10 * index + j + 1}"])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in writers:
        w.http.close()
    report = _verify(server)
    assert report["ok"], report["problems"]
    assert report["checked"] == 9


def _rows(server: LiveServer) -> list[dict[str, Any]]:
    with server.platform.engine.connect() as conn:
        q = sa.select(provenance_records).order_by(provenance_records.c.seq)
        return [dict(r) for r in conn.execute(q).mappings()]


def _tamper(server: LiveServer, how: str) -> None:
    rows = _rows(server)
    t = provenance_records
    with server.platform.engine.begin() as conn:
        if how == "altered":
            payload = rows[1]["payload"].replace('"content"', '"edit"')
            conn.execute(t.update().where(t.c.seq == 2).values(payload=payload))
        elif how == "deleted":
            conn.execute(t.delete().where(t.c.seq == 2))
        elif how == "reordered":
            for seq, source in ((2, rows[2]), (3, rows[1])):
                values = {c: source[c] for c in COLUMNS}
                conn.execute(t.update().where(t.c.seq == seq).values(**values))
        elif how == "bad-signature":
            conn.execute(t.update().where(t.c.seq == 3).values(signature=rows[0]["signature"]))
        elif how == "truncated":
            conn.execute(t.delete().where(t.c.seq == 4))


@pytest.mark.parametrize(
    ("how", "seq", "problem"),
    [
        ("altered", 2, "altered"),
        ("deleted", 3, "missing"),
        ("reordered", 2, "reordered"),
        ("bad-signature", 3, "bad-signature"),
        ("truncated", 3, "truncated"),
    ],
)
def test_tampering_is_detected_and_named(
    sqlite_server: LiveServer, tmp_path: Path, how: str, seq: int, problem: str
) -> None:
    server = sqlite_server
    uuid = _lifecycle(server)
    assert _verify(server)["ok"]
    _tamper(server, how)
    report = _verify(server)
    assert not report["ok"]
    assert {"seq": seq, "problem": problem} in [
        {"seq": p["seq"], "problem": p["problem"]} for p in report["problems"]
    ], report["problems"]
    if how != "truncated":
        assert not _history(server, uuid)["verified"]
    done = _run_cli(server, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"seq {seq}" in done.stdout and problem in done.stdout and "TAMPERED" in done.stdout


def _run_cli(server: LiveServer, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "THREATMESH_DATABASE_URL": server.settings.resolved_database_url(),
        "THREATMESH_DATA_DIR": str(tmp_path),
    }
    return subprocess.run(
        [str(BIN), "provenance", "verify", *extra],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _resign_everything(server: LiveServer) -> None:
    """What someone holding the database could do: rewrite the whole chain with a key
    of their own and put that key in the database."""
    forger = Signer.generate()
    head = Head()
    rows = _rows(server)  # read first: SQLite's write transaction below locks others out
    with server.platform.engine.begin() as conn:
        for row in rows:
            payload = json.loads(row["payload"])
            if payload.get("action") == "add":
                payload["actor_user_id"] = 999  # the lie the forger wants to tell
            record = forger.seal(head, kind=row["kind"], subject=row["subject"],
                                 created=row["created"], payload=payload)  # fmt: skip
            values = {
                "payload": json.dumps(payload), "prev_hash": record.prev_hash,
                "record_hash": record.record_hash, "signature": record.signature,
                "key_id": record.key_id,
            }  # fmt: skip
            conn.execute(provenance_records.update().where(
                provenance_records.c.seq == row["seq"]).values(**values))  # fmt: skip
            head = Head(record.seq, record.record_hash)
        conn.execute(
            sa.text("UPDATE provenance_head SET record_hash = :h"), {"h": head.record_hash}
        )
        conn.execute(
            sa.text(
                "UPDATE signing_keys SET private_key = :k, kid = :i WHERE purpose = 'provenance'"
            ),
            {"k": forger.private_pem(), "i": forger.key_id},
        )


def test_a_pinned_key_exposes_a_resigned_log(sqlite_server: LiveServer, tmp_path: Path) -> None:
    server = sqlite_server
    _lifecycle(server)
    with api(server.url, server.admin_key) as admin:
        key = admin.get("/provenance/key").json()
    pem = tmp_path / "provenance.pem"
    pem.write_text(key["public_key"])
    assert _run_cli(server, tmp_path, "--public-key", str(pem)).returncode == 0
    _resign_everything(server)
    assert _run_cli(server, tmp_path).returncode == 0  # consistent with the database's key...
    pinned = _run_cli(server, tmp_path, "--public-key", str(pem))
    assert pinned.returncode == 1 and "bad-signature" in pinned.stdout  # ...not the pinned one
    assert httpx.get(server.url + "/provenance/verify").status_code == 401
