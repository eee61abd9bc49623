"""``threatmesh anonymize``: a real CIRCL event file in, the anonymized file out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.privacy.fixtures import CIRCL_OSINT, ROOT, pymisp_event

BIN = Path(sys.executable).with_name("threatmesh")
POLICIES = Path(__file__).resolve().parents[2] / "docs" / "policies"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "anonymize", *args], capture_output=True, text=True, timeout=120
    )


def test_file_in_file_out_with_a_stable_key(tmp_path: Path) -> None:
    pymisp_event()  # fails clearly if the fixtures are missing
    source, key = str(ROOT / CIRCL_OSINT), tmp_path / "strict.key"
    outs = []
    for n in range(2):
        out = tmp_path / f"out{n}.json"
        done = _run(
            source,
            "--policy",
            str(POLICIES / "strict.yaml"),
            "-o",
            str(out),
            "--key-file",
            str(key),
            "--report",
            str(tmp_path / "report.json"),
        )
        assert done.returncode == 0, done.stderr
        outs.append(json.loads(out.read_text())["Event"])
    assert key.stat().st_mode & 0o777 == 0o600
    assert outs[0]["Attribute"] == outs[1]["Attribute"]  # same key, same pseudonyms
    original = pymisp_event()
    assert outs[0]["Attribute"][3]["value"] != original["Attribute"][3]["value"]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report[0]["rules"]["rules[1] 'addresses'"]["changed"] > 0


def test_a_bad_policy_is_a_clear_error(tmp_path: Path) -> None:
    policy = tmp_path / "bad.yaml"
    policy.write_text("name: bad\nrules:\n  - name: oops\n    technique: rot13\n")
    done = _run(str(ROOT / CIRCL_OSINT), "--policy", str(policy))
    assert done.returncode == 2
    assert "rules[0] 'oops': technique: unknown technique 'rot13'" in done.stderr
    assert done.stdout == ""


def test_a_restsearch_answer_of_many_events_keeps_its_shape(tmp_path: Path) -> None:
    event = pymisp_event("mispevent_testfiles/existing_event.json")
    source = tmp_path / "search.json"
    source.write_text(json.dumps({"response": [{"Event": event}] * 60}))
    done = _run(str(source), "--policy", str(POLICIES / "strict.yaml"))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)["response"]
    assert len(out) == 60 and all("Event" in e for e in out)
    assert out[0]["Event"]["Attribute"] != event["Attribute"]
