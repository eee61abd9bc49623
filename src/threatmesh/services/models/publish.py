"""Use case: publish a trained model as a signed ``ml-model`` object on an event."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from threatmesh.client.http import ThreatmeshClient
from threatmesh.detection import modelfile
from threatmesh.model.errors import InvalidInput
from threatmesh.services.models import objects, protection

#: Tags of an event created to carry a model (taxonomies MISP ships).
EVENT_TAGS = ("tlp:green",)


@dataclass(frozen=True, slots=True)
class Published:
    """Where a model went: its event and object, and what was signed."""

    event: str
    object: str
    sha256: str
    signer: str
    protection: str  # cp-abe:<policy> when the file is sealed, else ""


def private_key(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM file (unencrypted PKCS#8)."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise InvalidInput(f"{path}: cannot read the signing key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(f"{path}: the signing key is not an Ed25519 key")
    return key


def metadata(manifest: dict[str, Any], *, name: str, created: str) -> dict[str, Any]:
    """The signed metadata of a model file, from its manifest."""
    training = manifest.get("training") or {}
    classes = {c for chunk in training.get("chunks", []) for c in chunk.get("classes", {})}
    figures = {"validation_f1": manifest.get("validation_f1", {}),
               "threshold": manifest.get("threshold"), **manifest.get("metrics", {})}  # fmt: skip
    return {
        "name": name,
        "framework": f"pytorch {manifest.get('torch_version', '')}".strip(),
        "format": f"{manifest['format']}/{manifest['format_version']}",
        "input-features": json.dumps(manifest["inputs"]),
        "training-data": json.dumps(training, sort_keys=True),
        "attack-classes": sorted(classes - {"BENIGN"}),
        "metrics": json.dumps(figures, sort_keys=True),
        "created": manifest.get("created") or created,
    }


def publish(
    client: ThreatmeshClient,
    model: Path,
    key: Ed25519PrivateKey,
    *,
    event: str | None = None,
    name: str = "",
    created: str,
    policy: str = "",
) -> Published:
    """Sign ``model`` and add it as an ``ml-model`` object to ``event`` (a new event
    when None). Only a readable threatmesh model file is published. With ``policy``, the
    file is sealed under that CP-ABE policy (the server's key authority's public key),
    its metadata left in clear and signed with ``protection`` (:mod:`.protection`);
    nothing is sent if the policy does not parse."""
    try:
        data = model.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{model}: cannot read the model file: {exc.strerror}") from None
    manifest = modelfile.manifest_of(data, str(model))
    name = name or f"{manifest.get('detector', 'model')} {model.stem}"
    meta = metadata(manifest, name=name, created=created)
    if policy:
        meta[objects.PROTECTION] = protection.declared(policy)
    obj = objects.build(file_name=model.name, data=data, meta=meta, key=key)
    if policy:
        obj = protection.seal_file(obj, policy, protection.authority_key(client))
    if event is None:
        event = client.add_event({
            "info": f"Shared detection model: {name}", "distribution": 1,
            "threat_level_id": 4, "analysis": 2,
            "Tag": [{"name": t} for t in EVENT_TAGS],
        })["uuid"]  # fmt: skip
    stored = client.add_object(event, obj)
    values = {a["object_relation"]: a["value"] for a in obj["Attribute"]}
    return Published(str(event), str(stored["uuid"]), values["sha256"], values["signer"],
                     values.get(objects.PROTECTION, ""))  # fmt: skip
