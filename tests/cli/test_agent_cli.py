"""``threatmesh agent run | status`` as an operator runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support import LiveServer
from typer.testing import CliRunner

from threatmesh.cli.main import app

BIN = Path(sys.executable).with_name("threatmesh")
INVENTORY = (
    "hosts: [{name: web-01, software: ['cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*']}]"
)


def test_run_until_sigterm(sqlite_server: LiveServer, tmp_path: Path) -> None:
    (tmp_path / "inventory.yaml").write_text(INVENTORY)
    state = tmp_path / "agent.json"
    args = [str(BIN), "agent", "run", "--url", sqlite_server.url, "--inventory",
            str(tmp_path / "inventory.yaml"), "--backend", "memory", "--interval", "0.2",
            "--state-file", str(state)]  # fmt: skip
    env = {**os.environ, "THREATMESH_MISP_KEY": sqlite_server.admin_key}
    agent = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not state.exists():
        assert agent.poll() is None, agent.communicate()
        assert time.monotonic() < deadline, "the agent wrote no status"
        time.sleep(0.1)
    agent.send_signal(signal.SIGTERM)
    assert agent.wait(timeout=60) == 0
    agent.communicate()
    shown = CliRunner().invoke(app, ["agent", "status", "--json", "--state-file", str(state)])
    assert shown.exit_code == 0 and json.loads(shown.output) == []


def test_errors(tmp_path: Path) -> None:
    (tmp_path / "inventory.yaml").write_text(INVENTORY)
    (tmp_path / "policy.yaml").write_text("rules: [{name: a, deploy: {ttl: -1}}]")
    runner = CliRunner()
    base = ["agent", "run", "--url", "http://127.0.0.1:9", "--key", "k" * 40,
            "--inventory", str(tmp_path / "inventory.yaml")]  # fmt: skip
    bad = runner.invoke(app, [*base, "--policy", str(tmp_path / "policy.yaml")])
    assert bad.exit_code == 2 and "policy.rules.0.deploy.ttl" in bad.output
    unknown = runner.invoke(app, [*base, "--backend", "ftp"])
    assert unknown.exit_code == 2 and "ftp" in unknown.output
    option = runner.invoke(app, [*base, "--backend", "ssh", "--backend-option", "no-equals"])
    assert option.exit_code == 2 and "KEY=VALUE" in option.output
    missing = runner.invoke(app, ["agent", "status", "--state-file", str(tmp_path / "none")])
    assert missing.exit_code == 1


def test_status_held(tmp_path: Path) -> None:
    state = tmp_path / "agent.json"
    reason = "budget: memory 64Mi in use + 32Mi over 64Mi on web-01"
    held = {"cve": "CVE-2018-10933", "host": "web-01", "action": "refused", "reason": reason,
            "at": int(time.time())}  # fmt: skip
    state.write_text(json.dumps({"updated": int(time.time()), "decoys": [], "held": [held]}))
    runner = CliRunner()
    text = runner.invoke(app, ["agent", "status", "--held", "--state-file", str(state)])
    assert text.exit_code == 0 and text.output.split(None, 3) == [
        "CVE-2018-10933", "web-01", "refused", reason + "\n"]  # fmt: skip
    shown = runner.invoke(app, ["agent", "status", "--held", "--json", "--state-file",
                                str(state)])  # fmt: skip
    assert json.loads(shown.output) == [held]
