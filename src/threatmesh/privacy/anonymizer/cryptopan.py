"""Prefix-preserving IP address anonymization: Crypto-PAn (Xu, Fan, Ammar, Moon, 2002).

Bit ``i`` of the output is bit ``i`` of the input XOR the first bit of
``AES_k(first i bits of the address || the pad's remaining bits)``, where the pad is
``AES_k(second half of the key)``. Two addresses sharing a ``p``-bit prefix therefore share
exactly a ``p``-bit prefix after anonymization, and the map is a bijection for a key.
IPv4 addresses are placed in the top 32 bits of the 128-bit block, as the reference
implementations (Crypto-PAn 1.0, ``yacryptopan``) do, so outputs are bit-identical to theirs.

Why it is fast: every level's block depends only on the *input* prefix, never on earlier
outputs, so all 32 (or 128) blocks of an address, and the blocks of a whole batch of
addresses, go through AES in one ECB call; numpy builds the blocks and gathers the bits.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from threatmesh.privacy.anonymizer.errors import MissingExtra

if TYPE_CHECKING:
    import numpy as np

_ALL = (1 << 128) - 1
# Bounds the memory of one AES call: addresses per chunk x levels x 16 bytes (<= 8 MiB).
_CHUNK_BLOCKS = 1 << 19
_HIGH_BIT = bytes(b"1"[0] if b & 0x80 else b"0"[0] for b in range(256))


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise MissingExtra("numpy") from None
    return numpy


def _cipher(key: bytes) -> Any:
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    except ImportError:
        raise MissingExtra("cryptography") from None
    return Cipher(algorithms.AES(key), modes.ECB()).encryptor()


class CryptoPAn:
    """Crypto-PAn under a 32-byte key (16 bytes AES key, 16 bytes pad seed).

    Holds one OpenSSL ECB context, reused for every call (ECB keeps no state between
    blocks): an instance is cheap to build but must not be shared between threads.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError(f"a Crypto-PAn key is 32 bytes, not {len(key)}")
        self._enc = _cipher(key[:16])
        pad = int.from_bytes(self._enc.update(key[16:]), "big")
        # Level p keeps the address's first p bits and fills the rest from the pad.
        self._keep = [_ALL ^ (_ALL >> p) for p in range(128)]
        self._fill = [pad & (_ALL >> p) for p in range(128)]
        self._tables: tuple[Any, Any] | None = None

    # -- one address -------------------------------------------------------------

    def _flips(self, ext: int, levels: int) -> int:
        keep, fill = self._keep, self._fill
        blocks = b"".join(((ext & keep[p]) | fill[p]).to_bytes(16, "big") for p in range(levels))
        firsts = self._enc.update(blocks)[::16]
        return int(firsts.translate(_HIGH_BIT), 2)

    def anonymize_int(self, value: int, version: int) -> int:
        """The anonymized form of an address given as an integer (``version`` 4 or 6)."""
        if version == 4:
            if not 0 <= value < 1 << 32:
                raise ValueError(f"{value} is not an IPv4 address")
            return value ^ self._flips(value << 96, 32)
        if version == 6:
            if not 0 <= value < 1 << 128:
                raise ValueError(f"{value} is not an IPv6 address")
            return value ^ self._flips(value, 128)
        raise ValueError(f"IP version {version} is neither 4 nor 6")

    def anonymize(self, address: str) -> str:
        """The anonymized form of one textual IPv4 or IPv6 address."""
        family, packed = parse(address)
        version = 4 if family == socket.AF_INET else 6
        out = self.anonymize_int(int.from_bytes(packed, "big"), version)
        return socket.inet_ntop(family, out.to_bytes(len(packed), "big"))

    # -- batches -----------------------------------------------------------------

    def _masks(self) -> tuple[Any, Any]:
        if self._tables is None:
            np = _numpy()
            keep = b"".join(k.to_bytes(16, "big") for k in self._keep)
            fill = b"".join(f.to_bytes(16, "big") for f in self._fill)
            self._tables = (
                np.frombuffer(keep, dtype=np.uint8).reshape(128, 16),
                np.frombuffer(fill, dtype=np.uint8).reshape(128, 16),
            )
        return self._tables

    def anonymize_packed(self, packed: np.ndarray, version: int) -> np.ndarray:
        """Anonymize a ``(n, 4)`` (IPv4) or ``(n, 16)`` (IPv6) uint8 array of addresses."""
        npy = _numpy()
        width = 4 if version == 4 else 16
        levels = width * 8
        if packed.ndim != 2 or packed.shape[1] != width:
            raise ValueError(f"expected an (n, {width}) array of IPv{version} addresses")
        word = npy.uint32 if version == 4 else npy.uint64
        words = width // npy.dtype(word).itemsize
        keep, fill = self._masks()
        # Past the address's own bytes every block is the pad: only the first ``width``
        # bytes of a block depend on the address, and they are worked on as machine words.
        keep_w = npy.ascontiguousarray(keep[:levels, :width]).view(word)[None]
        fill_w = npy.ascontiguousarray(fill[:levels]).view(word)[None]
        out = npy.empty_like(packed)
        step = max(1, _CHUNK_BLOCKS // levels)
        for start in range(0, len(packed), step):
            chunk = packed[start : start + step]
            blocks = npy.repeat(fill_w, len(chunk), axis=0)
            blocks[:, :, :words] |= npy.ascontiguousarray(chunk).view(word)[:, None, :] & keep_w
            cipher = npy.empty(blocks.nbytes + 16, dtype=npy.uint8)
            self._enc.update_into(blocks.reshape(-1).view(npy.uint8), cipher)
            firsts = cipher[: blocks.nbytes : 16].reshape(len(chunk), levels)
            out[start : start + step] = chunk ^ npy.packbits(firsts >> 7, axis=1)
        return cast("np.ndarray", out)

    def anonymize_many(self, addresses: Sequence[str]) -> list[str]:
        """Anonymize many textual addresses (IPv4 and IPv6 mixed) with batched AES."""
        np = _numpy()
        parsed = [parse(a) for a in addresses]
        result: list[str] = [""] * len(parsed)
        for family, width, version in ((socket.AF_INET, 4, 4), (socket.AF_INET6, 16, 6)):
            where = [i for i, (f, _) in enumerate(parsed) if f == family]
            if not where:
                continue
            raw = b"".join(parsed[i][1] for i in where)
            arr = np.frombuffer(raw, dtype=np.uint8).reshape(len(where), width)
            out = self.anonymize_packed(arr, version).tobytes()
            for n, i in enumerate(where):
                result[i] = socket.inet_ntop(family, out[n * width : (n + 1) * width])
        return result


def parse(address: str) -> tuple[int, bytes]:
    """``(family, packed bytes)`` of a textual address; ValueError if it is not one."""
    for family in (socket.AF_INET, socket.AF_INET6) if "." in address else (socket.AF_INET6,):
        try:
            return family, socket.inet_pton(family, address)
        except OSError:
            continue
    raise ValueError(f"{address!r} is not an IP address")
