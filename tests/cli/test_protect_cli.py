"""``threatmesh protect | protect-file | reveal`` against a live server, as users run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support import live_server

from threatmesh.services.admin import organisations, users
from threatmesh.services.platform import Platform

BIN = Path(sys.executable).with_name("threatmesh")
POLICY = "(sector:finance or org:CERT) and role:analyst"


def _user(platform: Platform, org: str, sector: str, email: str) -> str:
    org_id = organisations.add_org(platform, None, {"name": org, "sector": sector})["id"]
    user = users.add_user(platform, None, {"email": email, "org_id": org_id, "role_id": 3})
    return str(user["User"]["authkey"])


def _run(args: list[str], url: str, key: str, keyring: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "THREATMESH_URL": url,
        "THREATMESH_KEY": key,
        "THREATMESH_KEYRING": str(keyring),
    }
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=120)


def test_protect_then_reveal(sqlite_url: str, tmp_path: Path) -> None:
    with live_server(sqlite_url, tmp_path, abe_role_attributes={"User": ["analyst"]}) as srv:
        producer = _user(srv.platform, "PRODUCER", "telecom", "p@producer.test")
        bank = _user(srv.platform, "BANK", "finance", "a@bank.test")
        shop = _user(srv.platform, "SHOP", "retail", "a@shop.test")
        event = {
            "info": "CLI",
            "distribution": 3,
            "Attribute": [
                {"type": "ip-dst", "value": "192.0.2.200"},
                {"type": "comment", "value": "kept in clear"},
            ],
        }
        (tmp_path / "event.json").write_text(json.dumps({"Event": event}))
        model = tmp_path / "detector.onnx"
        model.write_bytes(bytes(range(256)) * 8)

        made = _run(
            ["protect", str(tmp_path / "event.json"), "--policy", POLICY, "--only", "ip-dst"],
            srv.url,
            producer,
            tmp_path / "p.json",
        )
        assert made.returncode == 0, made.stderr
        event_id = made.stdout.strip()
        attached = _run(
            ["protect-file", event_id, str(model), "--policy", POLICY],
            srv.url,
            producer,
            tmp_path / "p.json",
        )
        assert attached.returncode == 0, attached.stderr

        mine = _run(["reveal", event_id], srv.url, bank, tmp_path / "bank.json")
        assert mine.returncode == 0, mine.stderr
        attrs = {a["value"]: a for a in json.loads(mine.stdout)["Event"]["Attribute"]}
        assert {"192.0.2.200", "kept in clear", "detector.onnx"} <= set(attrs)
        assert (tmp_path / "bank.json").stat().st_mode & 0o777 == 0o600

        theirs = _run(["reveal", event_id], srv.url, shop, tmp_path / "shop.json")
        assert theirs.returncode == 0, theirs.stderr
        assert "2 protected attribute(s) stay sealed" in theirs.stderr
        assert "192.0.2.200" not in theirs.stdout and "detector.onnx" not in theirs.stdout
        assert "kept in clear" in theirs.stdout

        bad = _run(
            ["protect", str(tmp_path / "event.json"), "--policy", "a and"],
            srv.url,
            producer,
            tmp_path / "p.json",
        )
        assert bad.returncode == 2 and "policy: ends too early" in bad.stderr
        (tmp_path / "broken.json").write_text("{}")
        broken = _run(["reveal", event_id], srv.url, bank, tmp_path / "broken.json")
        assert broken.returncode == 2 and "not a threatmesh keyring" in broken.stderr
