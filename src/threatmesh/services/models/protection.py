"""A shared model's file sealed under a CP-ABE policy, its metadata in clear.

Only the ``model-file`` attachment is sealed, with the envelope ``threatmesh
protect-file`` makes (:func:`threatmesh.client.envelopes.protect_attributes`: the file
name and bytes in one AES-256-GCM payload, its key wrapped by FAME under the policy,
bound to the attribute's type and UUID), so ``threatmesh reveal`` opens it too. The
rest of the object stays in clear and signed, so an importer checks the signer and the
signature before it opens anything; ``sha256`` is the hash of the plaintext file, so the
signature means what it means for a clear model.

The object says how its file is sealed in ``protection`` (``cp-abe:<policy>``), which is
signed (message version 2, :mod:`.objects`): the publisher's stated audience is part of
what the importer verifies, and the importer refuses a copy whose envelope is sealed
under another policy, or that arrives in clear (a copy taken out of the publisher's
protection). The policy is also bound to the ciphertext (it is in the AES-GCM
associated data, and FAME's header is built for it): an edited envelope does not open.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from threatmesh.client.envelopes import protect_attributes, reveal_attribute
from threatmesh.client.http import ClientError, ThreatmeshClient
from threatmesh.client.keyring import Keyring
from threatmesh.client.protected import ProtectedClient
from threatmesh.model import envelope
from threatmesh.model.errors import InvalidInput
from threatmesh.privacy.abe import fame
from threatmesh.privacy.abe.errors import DecryptionFailed, PolicyNotSatisfied
from threatmesh.services.models.objects import PROTECTION, ModelRefused, SharedModel

#: How ``protection`` names a CP-ABE policy (the only protection there is).
SCHEME = "cp-abe:"

#: The importer's CP-ABE key of an authority epoch; None when the authority issues none.
KeySource = Callable[[int], fame.SecretKey | None]


def declared(policy: str) -> str:
    """The ``protection`` value of a file sealed under ``policy``."""
    return SCHEME + policy


def authority_key(client: ThreatmeshClient) -> fame.PublicKey:
    """The server's key authority's current public key (what sealing needs)."""
    try:
        return ProtectedClient(client, Keyring()).public_key()
    except ClientError as exc:
        if exc.status != 404:
            raise
        raise InvalidInput(
            f"{client.url} has no CP-ABE key authority (a threatmesh server has one, "
            "MISP has not): cannot seal the model file"
        ) from None


def seal_file(obj: dict[str, Any], policy: str, pk: fame.PublicKey) -> dict[str, Any]:
    """``obj`` (from :func:`.objects.build`, signed with ``protection``) with its
    ``model-file`` attachment sealed under ``policy``."""
    attrs = list(obj["Attribute"])
    (i,) = [i for i, a in enumerate(attrs) if a["object_relation"] == "model-file"]
    attrs[i] = protect_attributes([attrs[i]], policy, pk)[0]
    return {**obj, "Attribute": attrs}


def keyring_keys(client: ThreatmeshClient, path: Path) -> KeySource:
    """Keys from the keyring at ``path``, issued by ``client``'s authority when the
    keyring lacks one (and kept in it). The keyring is read only when a sealed file
    needs a key, so a clear model's import never touches it."""
    return lambda epoch: ProtectedClient(client, Keyring(path)).secret_key(epoch)


def open_file(model: SharedModel, keys: KeySource | None) -> SharedModel:
    """``model`` with its file in clear: as it came if it was not sealed, else opened
    with ``keys``. Run after the signature check: it trusts ``protection``.
    :class:`ModelRefused` says why a file does not open."""
    where = f"object {model.uuid}"
    stated = model.one(PROTECTION) if PROTECTION in model.values else None
    if stated is not None and not stated.startswith(SCHEME):
        raise ModelRefused(f"{where}: unknown protection {stated!r} (known: {SCHEME}<policy>)")
    if model.sealed is None:
        if stated is None:
            return model
        raise ModelRefused(
            f"{where}: its publisher sealed the model file ({stated}) but this copy carries "
            "it in clear: a copy taken out of the publisher's protection"
        )
    sealed = envelope.parse(model.sealed["Protected"])  # its shape was checked by parse
    if stated is None:
        raise ModelRefused(
            f"{where}: the model file is sealed (under {sealed.policy}) but the signed "
            "metadata declares no protection"
        )
    policy = stated.removeprefix(SCHEME)
    if sealed.policy != policy:
        raise ModelRefused(
            f"{where}: the model file is sealed under {sealed.policy}, but its publisher "
            f"signed {policy}"
        )
    return dataclasses.replace(model, file=_opened(model, sealed, keys))


def _opened(model: SharedModel, sealed: envelope.Envelope, keys: KeySource | None) -> bytes:
    """The plaintext bytes of ``model``'s sealed file."""
    where, policy = f"object {model.uuid}", sealed.policy
    sk = None if keys is None else keys(sealed.epoch)
    if sk is None:
        raise ModelRefused(
            f"{where}: the model file is sealed under {policy} (authority epoch "
            f"{sealed.epoch}) and you hold no key of that epoch (the authority issues "
            "none to a revoked user)"
        )
    assert model.sealed is not None
    try:
        data = reveal_attribute(model.sealed, sk)["data"]
        return base64.b64decode(data, validate=True)
    except PolicyNotSatisfied:
        raise ModelRefused(
            f"{where}: the model file is sealed under {policy} and your keys do not satisfy "
            f"it (they carry {', '.join(sk.attributes)})"
        ) from None
    except DecryptionFailed as exc:
        raise ModelRefused(
            f"{where}: the sealed model file does not open: its ciphertext was changed or "
            f"its envelope moved from another attribute ({exc.message})"
        ) from None
    except (InvalidInput, KeyError, TypeError, ValueError, binascii.Error) as exc:
        detail = exc.message if isinstance(exc, InvalidInput) else "no file in its payload"
        raise ModelRefused(f"{where}: the sealed model file is malformed: {detail}") from None
