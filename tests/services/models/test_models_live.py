"""Models shared between organisations on a live server (SQLite and PostgreSQL), as
operators run it: B publishes with ``threatmesh models publish``, A reads the object with
PyMISP and imports it with ``threatmesh models import``; a tampered object is refused
and nothing is written. Then the file sealed under a CP-ABE policy (``--abe-policy``):
A's keys satisfy it, C's do not, and a changed ciphertext is refused."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pymisp import MISPOrganisation, MISPUser, PyMISP

from tests.services.models.conftest import DATA, pem_files
from tests.support import LiveServer
from threatmesh.client.http import ThreatmeshClient
from threatmesh.detection.detectors import Detector
from threatmesh.model import envelope
from threatmesh.services.abe.client_side import Remote, reveal_event
from threatmesh.services.detect.training import load, save
from threatmesh.services.models.objects import fingerprint

BIN = Path(sys.executable).with_name("threatmesh")


def _user(admin: PyMISP, org_name: str) -> str:
    org = MISPOrganisation()
    org.name = org_name
    created = admin.add_organisation(org, pythonify=True)
    user = MISPUser()
    user.email, user.org_id, user.role_id = f"ml@{org_name.lower()}.test", created.id, 3
    return str(admin.add_user(user)["User"]["authkey"])


def _models(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(BIN), "models", *args], capture_output=True, text=True, timeout=600, check=False
    )
    assert (done.returncode == 0) == ok, done.stderr
    return done


def test_b_publishes_a_imports_a_tampered_model_is_refused(
    server: LiveServer,
    tmp_path: Path,
    org_a: Detector,
    model_b: Path,
    signing_key: Ed25519PrivateKey,
) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False)
    key_a, key_b = _user(admin, "ORG-A"), _user(admin, "ORG-B")
    private, public = pem_files(signing_key, tmp_path)
    ours = tmp_path / "a.ebids"
    save(org_a, ours)

    sent = _models("publish", str(model_b), "--url", server.url, "--key", key_b,
                   "--signing-key", str(private), "--name", "B floods")  # fmt: skip
    published = json.loads(sent.stdout)
    data = model_b.read_bytes()
    assert published["sha256"] == hashlib.sha256(data).hexdigest()
    assert published["signer"] == fingerprint(signing_key.public_key())

    # What A sees, read with PyMISP: the object, its file, its metadata.
    a = PyMISP(server.url, key_a, ssl=False)
    event = a.get_event(published["event"], pythonify=True)
    (obj,) = [o for o in event.objects if o.name == "ml-model"]
    rel = {attr.object_relation: attr for attr in obj.attributes}
    assert rel["model-file"].data.getvalue() == data
    assert rel["sha256"].value == published["sha256"]
    assert sorted(a.value for a in obj.attributes if a.object_relation == "attack-classes") == [
        "DoS-Hping",
        "Slowloris",
    ]
    assert json.loads(rel["training-data"].value)["chunks"][0]["name"] == "day2"

    auth = ["--url", server.url, "--key", key_a, "--trust", str(public), "--validate",
            str(DATA / "holdout.flows.csv"), "--into", str(ours)]  # fmt: skip
    out = tmp_path / "a-with-b.ebids"
    done = json.loads(_models("import", published["object"], *auth, "--out", str(out)).stdout)
    assert done["name"] == "B floods" and done["experts"][-2] == "imported:B floods"
    with_b, _ = load(out)
    assert with_b.models == done["experts"]
    # By its event too; here under the guarded combiner, the expert's cut set on day 1.
    again = tmp_path / "again.ebids"
    _models("import", published["event"], *auth, "--out", str(again), "--combiner",
            "ebids-guarded", "--calibrate", str(DATA / "day1.flows.csv"))  # fmt: skip
    guarded = load(again)[0]
    assert guarded.models == done["experts"] and guarded.name == "ebids-guarded"
    assert guarded.ensemble is not None and guarded.ensemble.calibration_x is not None

    # A stranger's key is not trusted.
    stranger = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    (tmp_path / "stranger").mkdir()
    other = pem_files(stranger, tmp_path / "stranger")
    refused = _models("import", published["object"], *auth[:4], "--trust", str(other[1]),
                      *auth[6:], "--out", str(tmp_path / "no.ebids"), ok=False)  # fmt: skip
    assert "not a trusted key" in refused.stderr

    # B's metrics edited on the server afterwards: the signature no longer holds.
    admin.update_attribute({"value": '{"validation_f1": {"pooled": 1.0}}'}, rel["metrics"].uuid)
    refused = _models("import", published["object"], *auth, "--out",
                      str(tmp_path / "tampered.ebids"), ok=False)  # fmt: skip
    assert refused.stderr.startswith("refused: ") and "bad signature" in refused.stderr
    assert not (tmp_path / "tampered.ebids").exists()


def _model_object(event: dict[str, Any]) -> dict[str, Any]:
    (obj,) = [o for o in event["Object"] if o["name"] == "ml-model"]
    return {a["object_relation"]: a for a in obj["Attribute"]}


def test_a_sealed_model_opens_for_its_policy_only(
    server: LiveServer,
    tmp_path: Path,
    org_a: Detector,
    model_b: Path,
    signing_key: Ed25519PrivateKey,
) -> None:
    admin = PyMISP(server.url, server.admin_key, ssl=False)
    key_a, key_b, key_c = (_user(admin, org) for org in ("ORG-A", "ORG-B", "ORG-C"))
    private, public = pem_files(signing_key, tmp_path)
    ours = tmp_path / "a.ebids"
    save(org_a, ours)
    policy = "org:ORG-A or org:CERT"

    sent = _models("publish", str(model_b), "--url", server.url, "--key", key_b,
                   "--signing-key", str(private), "--name", "B floods",
                   "--abe-policy", policy)  # fmt: skip
    published = json.loads(sent.stdout)
    data = model_b.read_bytes()
    assert published["sha256"] == hashlib.sha256(data).hexdigest()  # the plaintext's
    assert published["protection"] == f"cp-abe:{policy}"

    # What any organisation reads with PyMISP: the metadata in clear, the file sealed.
    rel = _model_object(PyMISP(server.url, key_c, ssl=False).get_event(published["event"])["Event"])
    assert rel["sha256"]["value"] == published["sha256"]
    assert rel["protection"]["value"] == f"cp-abe:{policy}"
    assert not rel["model-file"].get("data") and envelope.is_marker(rel["model-file"]["value"])
    assert rel["model-file"]["Protected"]["policy"] == policy
    # The envelope is protect-file's: what `threatmesh reveal` runs opens it for A.
    revealed, _ = reveal_event(Remote(server.url, key_a, tmp_path / "a.keys"), published["event"])
    assert base64.b64decode(_model_object(revealed)["model-file"]["data"]) == data

    auth = ["--url", server.url, "--trust", str(public), "--validate",
            str(DATA / "holdout.flows.csv"), "--into", str(ours)]  # fmt: skip
    a = [*auth, "--key", key_a, "--keyring", str(tmp_path / "a.keys")]
    out = tmp_path / "a-with-b.ebids"
    done = json.loads(_models("import", published["object"], *a, "--out", str(out)).stdout)
    assert done["protection"] == f"cp-abe:{policy}" and done["experts"][-2] == "imported:B floods"
    assert load(out)[0].models == done["experts"]

    # C's keys (org:ORG-C, issued to C's fresh keyring) do not satisfy the policy.
    c = [*auth, "--key", key_c, "--keyring", str(tmp_path / "c.keys")]
    refused = _models("import", published["object"], *c, "--out", str(tmp_path / "c.ebids"),
                      ok=False)  # fmt: skip
    assert f"the model file is sealed under {policy} and your keys do not satisfy it" in (
        refused.stderr
    )
    assert not (tmp_path / "c.ebids").exists()

    # The sealed file's ciphertext changed on the server: it does not open.
    sealed = dict(rel["model-file"]["Protected"])
    body = bytearray(base64.b64decode(sealed["body"]))
    body[100] ^= 1
    sealed["body"] = base64.b64encode(bytes(body)).decode()
    with ThreatmeshClient(server.url, server.admin_key) as site_admin:
        site_admin.request("POST", f"/attributes/edit/{rel['model-file']['uuid']}",
                           json={"Attribute": {"Protected": sealed}})  # fmt: skip
    refused = _models("import", published["object"], *a, "--out", str(tmp_path / "t.ebids"),
                      ok=False)  # fmt: skip
    assert refused.stderr.startswith("refused: ") and "does not open" in refused.stderr
    assert not (tmp_path / "t.ebids").exists()
