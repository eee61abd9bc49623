"""Versioned serialisation of FAME keys and ciphertexts; malformed input is rejected.

Keys are JSON objects (``{"format": "threatmesh-fame", "v": 1, "kind": ..., ...}``) with
group elements as base64 of mcl's compressed encodings (G1 48 bytes, G2 96, GT 576,
scalars 32). A ciphertext header is compact binary: ``b"TMF1"``, the epoch (4 bytes),
the row count (2 bytes), ``ct0`` (3 x G2) and 3 x G1 per row; its policy travels beside
it (in clear, in the envelope) and must give the same number of rows.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any, TypeVar

from threatmesh.privacy.abe import lsss, policy
from threatmesh.privacy.abe.errors import MalformedData
from threatmesh.privacy.abe.fame import Ciphertext, MasterKey, PublicKey, SecretKey
from threatmesh.privacy.abe.group import G1, G2, GT, ORDER, Fr

FORMAT = "threatmesh-fame"
VERSION = 1
_MAGIC = b"TMF1"
#: Where a ciphertext header keeps ``ct0`` (3 x G2) and its rows (3 x G1 each).
CT0, ROWS = slice(10, 10 + 3 * 96), slice(10 + 3 * 96, None)
_SIZES: dict[type, int] = {G1: 48, G2: 96, GT: 576, Fr: 32}
E = TypeVar("E", G1, G2, GT, Fr)


def _pack(elements: Sequence[G1 | G2 | GT | Fr]) -> str:
    return base64.b64encode(b"".join(e.serialize() for e in elements)).decode()


def _unpack(raw: Any, kind: type[E], count: int, where: str) -> list[E]:
    if not isinstance(raw, str):
        raise MalformedData(f"{where}: expected base64 text")
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedData(f"{where}: not valid base64") from None
    return _split(data, kind, count, where)


def _split(data: bytes, kind: type[E], count: int, where: str) -> list[E]:
    size = _SIZES[kind]
    check_length(data, size, count, where)
    out = []
    for i in range(count):
        try:
            out.append(kind.deserialize(data[i * size : (i + 1) * size]))
        except ValueError:
            raise MalformedData(f"{where}[{i}]: not a valid {kind.__name__} element") from None
    return out


def _header(kind: str, epoch: int) -> dict[str, Any]:
    return {"format": FORMAT, "v": VERSION, "kind": kind, "epoch": epoch}


def _load(text: str | bytes, kind: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise MalformedData(f"{kind} key: not JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise MalformedData(f"{kind} key: not a {FORMAT} document")
    if data.get("v") != VERSION:
        raise MalformedData(f"{kind} key: unsupported version {data.get('v')!r}")
    if data.get("kind") != kind:
        raise MalformedData(f"{kind} key: this is a {data.get('kind')!r} key")
    epoch = data.get("epoch")
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 1:
        raise MalformedData(f"{kind} key: epoch must be a positive integer")
    return data


def dump_public(pk: PublicKey) -> str:
    """The public key as JSON text."""
    return json.dumps(_header("public", pk.epoch) | {"H": _pack(pk.H), "T": _pack(pk.T)})


def load_public(text: str | bytes) -> PublicKey:
    """Inverse of :func:`dump_public`."""
    d = _load(text, "public")
    h = _unpack(d.get("H"), G2, 2, "public key H")
    t = _unpack(d.get("T"), GT, 2, "public key T")
    return PublicKey(d["epoch"], (h[0], h[1]), (t[0], t[1]))


def dump_master(msk: MasterKey) -> str:
    """The master key as JSON text (for the authority's own key store only)."""
    return json.dumps(
        _header("master", msk.epoch) | {"scalars": _pack([*msk.a, *msk.b]), "gd": _pack(msk.gd)}
    )


def load_master(text: str | bytes) -> MasterKey:
    """Inverse of :func:`dump_master`."""
    d = _load(text, "master")
    s = _unpack(d.get("scalars"), Fr, 4, "master key scalars")
    if any(x.is_zero() for x in s):
        raise MalformedData("master key scalars: zero is not allowed")
    gd = _unpack(d.get("gd"), G1, 3, "master key gd")
    return MasterKey(d["epoch"], (s[0], s[1]), (s[2], s[3]), (gd[0], gd[1], gd[2]))


def dump_secret(sk: SecretKey) -> str:
    """A user's key as JSON text."""
    comps = {a: _pack(c) for a, c in sorted(sk.components.items())}
    body = {"attributes": list(sk.attributes), "sk0": _pack(sk.sk0), "sk_prime": _pack(sk.sk_prime)}
    return json.dumps(_header("secret", sk.epoch) | body | {"components": comps})


def load_secret(text: str | bytes) -> SecretKey:
    """Inverse of :func:`dump_secret`; the components must match the attributes."""
    d = _load(text, "secret")
    attrs = d.get("attributes")
    if not isinstance(attrs, list) or not all(isinstance(a, str) for a in attrs):
        raise MalformedData("secret key attributes: expected a list of strings")
    comps = d.get("components")
    expected = policy.key_attributes(attrs)
    if not isinstance(comps, dict) or set(comps) != expected:
        raise MalformedData("secret key components: do not match the key's attributes")
    sk0 = _unpack(d.get("sk0"), G2, 3, "secret key sk0")
    skp = _unpack(d.get("sk_prime"), G1, 3, "secret key sk_prime")
    parsed = {
        a: _triple(_unpack(c, G1, 3, f"secret key components[{a!r}]")) for a, c in comps.items()
    }
    return SecretKey(d["epoch"], tuple(attrs), (sk0[0], sk0[1], sk0[2]), parsed, _triple(skp))


def _triple(x: list[G1]) -> tuple[G1, G1, G1]:
    return (x[0], x[1], x[2])


def dump_ciphertext(ct: Ciphertext) -> bytes:
    """The compact binary header (the policy is not included)."""
    head = _MAGIC + ct.epoch.to_bytes(4, "big") + len(ct.rows).to_bytes(2, "big")
    rows = b"".join(e.serialize() for row in ct.rows for e in row)
    return head + b"".join(e.serialize() for e in ct.ct0) + rows


def header_layout(data: bytes, policy_text: str) -> tuple[int, int]:
    """The epoch and row count of the header ``data`` under ``policy_text``, checked
    (magic, rows the policy needs, positive epoch, length); its points are not decoded:
    ``ct0`` is ``data[CT0]``, the rows ``data[ROWS]``."""
    if len(data) < 10 or data[:4] != _MAGIC:
        raise MalformedData("ciphertext: not a threatmesh FAME ciphertext (bad magic)")
    epoch, n = int.from_bytes(data[4:8], "big"), int.from_bytes(data[8:10], "big")
    want = len(lsss.span_program(policy.parse(policy_text), ORDER).labels)
    if n != want:
        raise MalformedData(f"ciphertext: {n} rows, but its policy needs {want}")
    if epoch < 1:
        raise MalformedData("ciphertext: epoch must be positive")
    check_length(data[CT0], 96, 3, "ciphertext ct0")
    check_length(data[ROWS], 48, 3 * n, "ciphertext rows")
    return epoch, n


def check_length(data: bytes, size: int, count: int, where: str) -> None:
    """:class:`MalformedData` unless ``data`` holds exactly ``count`` elements of ``size``."""
    if len(data) != size * count:
        raise MalformedData(f"{where}: expected {count} x {size} bytes, got {len(data)}")


def load_ciphertext(data: bytes, policy_text: str) -> Ciphertext:
    """Inverse of :func:`dump_ciphertext` for a ciphertext under ``policy_text``."""
    epoch, n = header_layout(data, policy_text)
    ct0 = _split(data[CT0], G2, 3, "ciphertext ct0")
    flat = _split(data[ROWS], G1, 3 * n, "ciphertext rows")
    rows = tuple(_triple(flat[3 * i : 3 * i + 3]) for i in range(n))
    return Ciphertext(epoch, policy_text, (ct0[0], ct0[1], ct0[2]), rows)
