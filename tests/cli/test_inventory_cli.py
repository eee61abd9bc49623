"""``threatmesh inventory import | list`` against a live server."""

from __future__ import annotations

import json
from pathlib import Path

from pymisp import PyMISP
from tests.support import LiveServer
from typer.testing import CliRunner

from threatmesh.cli.main import app

INVENTORY = """\
hosts:
  - name: web-01
    exposure: internet
    software:
      - cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*
  - name: ssh-01
    software: ["cpe:2.3:a:libssh:libssh:0.7.6:*:*:*:*:*:*:*"]
"""


def test_import_then_list(sqlite_server: LiveServer, tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text(INVENTORY)
    auth = ["--url", sqlite_server.url, "--key", sqlite_server.admin_key]
    runner = CliRunner()
    imported = runner.invoke(app, ["inventory", "import", str(path), *auth, "--publish"])
    assert imported.exit_code == 0, imported.output
    assert "2 added, 0 updated" in imported.output
    listed = runner.invoke(app, ["inventory", "list", *auth, "--json"])
    assert listed.exit_code == 0, listed.output
    hosts = {h["name"]: h for h in json.loads(listed.output)}
    assert hosts["web-01"]["exposure"] == "internet"
    assert hosts["ssh-01"]["software"] == ["cpe:2.3:a:libssh:libssh:0.7.6:*:*:*:*:*:*:*"]
    # --publish wrote the MISP inventory events the risk engine reads; twice replaces.
    assert runner.invoke(app, ["inventory", "import", str(path), *auth, "--publish"]).exit_code == 0
    misp = PyMISP(sqlite_server.url, sqlite_server.admin_key, ssl=False, timeout=60)
    events = misp.search(tags=["threatmesh:inventory"], pythonify=True)
    assert sorted(e.info for e in events) == ["Asset inventory: ssh-01", "Asset inventory: web-01"]
    risk = runner.invoke(app, ["risk", "show", "web-01", *auth, "--json"])
    assert risk.exit_code == 0, risk.output


def test_an_invalid_file_is_refused(sqlite_server: LiveServer, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"hosts": [{"name": "web-01", "software": ["apache"]}]}')
    auth = ["--url", sqlite_server.url, "--key", sqlite_server.admin_key]
    result = CliRunner().invoke(app, ["inventory", "import", str(path), *auth])
    assert result.exit_code == 2
    assert "hosts[0].software[0]" in result.output
