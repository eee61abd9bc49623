"""FAME decapsulation straight from a serialised header, in mcl's C structs.

The reference path (:func:`serial.load_ciphertext` then :func:`fame.decapsulate`) imports
every point of the header twice: pymcl deserialises it (decompression and subgroup
check), then :mod:`multipairing` hands it to mcl again as decimal text, which mcl checks
again. A subgroup check is about 40 us a point, and the key's side of the product
(``sk'`` plus the key's rows) was summed and imported anew for every header. Here:

* the header's points are deserialised once, by mcl's own ``deserialize`` straight into
  the Miller loop's buffers: the very function pymcl calls, in the same library with the
  same settings, so untrusted points get exactly the checks they got before;
* the header's side of the product (``sum gamma_i ct_{i,l}``) is summed in C;
* the key's side depends on the key and the policy only: summed with pymcl and
  converted once per (key, policy), remembered under the exact points it was summed
  from (a different key or policy never finds another's entry).

The result is the serialised GT element :func:`fame.decapsulate` returns, byte for byte;
a known-answer check against the reference path runs at first use, and without the
native path (or if the check fails) :func:`secret` takes the reference path.
"""

from __future__ import annotations

import ctypes
import functools
import threading
from dataclasses import dataclass

from threatmesh.privacy.abe import fame, multipairing, serial
from threatmesh.privacy.abe.errors import DecryptionFailed, MalformedData
from threatmesh.privacy.abe.group import GT, ORDER

_KEY_SIDES_MAX = 64  # (key, policy) pairs remembered: a client holds a few keys
_KEY_SIDES: dict[bytes, bytes] = {}
_LOCK = threading.Lock()
_SIZES = {"G1": 48, "G2": 96}
#: Policies for the known-answer check: with the key ``a, b``, coefficients 2 and -1 (a
#: threshold), and 1; with the key ``c``, a refusal and a second row.
_KNOWN_POLICIES = ("2 of (a, b, c)", "a or c")


@dataclass(frozen=True)
class _Direct:
    native: multipairing._Native

    @property
    def lib(self) -> ctypes.CDLL:
        return self.native.lib

    def _points(self, data: bytes, kind: str, where: str) -> ctypes.Array[ctypes.c_char]:
        """``data`` (compressed points back to back, length already checked)
        deserialised into one C array; each point checked as pymcl checks it."""
        size = _SIZES[kind]
        step = self.native.g2_size if kind == "G2" else self.native.g1_size
        fn = self.lib.mclBnG2_deserialize if kind == "G2" else self.lib.mclBnG1_deserialize
        out = ctypes.create_string_buffer(step * (len(data) // size))
        for i in range(len(data) // size):
            if fn(ctypes.byref(out, i * step), data[i * size : (i + 1) * size], size) != size:
                raise MalformedData(f"{where}[{i}]: not a valid {kind} element")
        return out

    def _header_side(
        self,
        rows: ctypes.Array[ctypes.c_char],
        gamma: dict[int, int],
        into: ctypes.Array[ctypes.c_char],
    ) -> None:
        """``-sum_i gamma_i ct_{i,l}`` for l = 1..3, into slots 3..5 of ``into``."""
        lib, step = self.lib, self.native.g1_size
        term = ctypes.create_string_buffer(step)
        fr = ctypes.create_string_buffer(self.native.fp)
        for l in range(3):  # noqa: E741 - the paper's index
            acc = ctypes.byref(into, (3 + l) * step)
            lib.mclBnG1_clear(acc)
            for i, coeff in gamma.items():
                point = ctypes.byref(rows, (3 * i + l) * step)
                if coeff == 1:
                    lib.mclBnG1_add(acc, acc, point)
                elif coeff == ORDER - 1:
                    lib.mclBnG1_sub(acc, acc, point)
                elif coeff:
                    text = str(coeff).encode()
                    if lib.mclBnFr_setStr(fr, text, len(text), 10) != 0:
                        raise ValueError("mcl refused a scalar below the group order")
                    lib.mclBnG1_mul(term, point, fr)
                    lib.mclBnG1_add(acc, acc, term)
            lib.mclBnG1_neg(acc, acc)

    def _key_side(self, sk: fame.SecretKey, gamma: dict[int, int], labels: list[str]) -> bytes:
        """``sk'_l + sum_i gamma_i sk_{pi(i),l}`` for l = 1..3, in C form (cached)."""
        used = sorted(gamma.items())
        slot = b"".join(p.serialize() for p in sk.sk_prime) + b"".join(
            coeff.to_bytes(32, "big") + b"".join(p.serialize() for p in sk.components[labels[i]])
            for i, coeff in used
        )
        with _LOCK:
            hit = _KEY_SIDES.get(slot)
        if hit is not None:
            return hit
        b = list(sk.sk_prime)
        for i, coeff in used:
            comp = sk.components[labels[i]]
            for l in range(3):  # noqa: E741
                b[l] = b[l] + fame.times(comp[l], coeff)
        buf = ctypes.create_string_buffer(3 * self.native.g1_size)
        for l in range(3):  # noqa: E741
            self.native.load(buf, l * self.native.g1_size, b[l])
        with _LOCK:
            if len(_KEY_SIDES) >= _KEY_SIDES_MAX:
                _KEY_SIDES.pop(next(iter(_KEY_SIDES)))
            _KEY_SIDES[slot] = buf.raw
        return buf.raw

    def secret(self, sk: fame.SecretKey, data: bytes, policy_text: str, epoch: int) -> bytes:
        """See :func:`secret`. The checks come in the reference path's order."""
        ct_epoch, _ = serial.header_layout(data, policy_text)
        ct0 = self._points(data[serial.CT0], "G2", "ciphertext ct0")
        rows = self._points(data[serial.ROWS], "G1", "ciphertext rows")
        if ct_epoch != epoch:
            raise DecryptionFailed("envelope: its epoch and its ciphertext's epoch differ")
        gamma, labels = fame.reconstruction(sk, ct_epoch, policy_text)
        g1s, g2s = self.native.g1_size, self.native.g2_size
        # The six pairs of fame.decapsulate: (b_l, ct0_l) and (-a_l, sk0_l).
        xs = ctypes.create_string_buffer(6 * g1s)
        ys = ctypes.create_string_buffer(6 * g2s)
        ctypes.memmove(xs, self._key_side(sk, gamma, labels), 3 * g1s)
        self._header_side(rows, gamma, xs)
        ctypes.memmove(ys, ct0, 3 * g2s)
        for j in range(3):
            ctypes.memmove(ctypes.byref(ys, (3 + j) * g2s), self.native.kept(sk.sk0[j]), g2s)
        return self._product(xs, ys)

    def _product(self, xs: ctypes.Array[ctypes.c_char], ys: ctypes.Array[ctypes.c_char]) -> bytes:
        """The serialised product of the six pairings, pairs with the identity left out
        (they contribute 1), as :func:`multipairing.product` does."""
        lib, g1s, g2s = self.lib, self.native.g1_size, self.native.g2_size
        live = [
            j
            for j in range(6)
            if not (lib.mclBnG1_isZero(ctypes.byref(xs, j * g1s))
                    or lib.mclBnG2_isZero(ctypes.byref(ys, j * g2s)))
        ]  # fmt: skip
        if not live:
            return bytes(GT(True).serialize())
        if len(live) < 6:
            xs = ctypes.create_string_buffer(
                b"".join(xs.raw[j * g1s : (j + 1) * g1s] for j in live)
            )
            ys = ctypes.create_string_buffer(
                b"".join(ys.raw[j * g2s : (j + 1) * g2s] for j in live)
            )
        return self.native.final(xs, ys, len(live))


def _bind(native: multipairing._Native) -> _Direct | None:
    lib = native.lib
    ptr, size = ctypes.c_void_p, ctypes.c_size_t
    signatures: dict[str, tuple[type | None, list[type]]] = {
        "mclBnG1_deserialize": (size, [ptr, ctypes.c_char_p, size]),
        "mclBnG2_deserialize": (size, [ptr, ctypes.c_char_p, size]),
        "mclBnFr_setStr": (ctypes.c_int, [ptr, ctypes.c_char_p, size, ctypes.c_int]),
        "mclBnG1_clear": (None, [ptr]),
        "mclBnG1_isZero": (ctypes.c_int, [ptr]),
        "mclBnG2_isZero": (ctypes.c_int, [ptr]),
        "mclBnG1_neg": (None, [ptr, ptr]),
        "mclBnG1_add": (None, [ptr, ptr, ptr]),
        "mclBnG1_sub": (None, [ptr, ptr, ptr]),
        "mclBnG1_mul": (None, [ptr, ptr, ptr]),
    }
    try:
        for name, (restype, argtypes) in signatures.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = restype, argtypes
    except AttributeError:
        return None
    return _Direct(native)


def _reference(sk: fame.SecretKey, data: bytes, policy_text: str, epoch: int) -> bytes:
    ct = serial.load_ciphertext(data, policy_text)
    if ct.epoch != epoch:
        raise DecryptionFailed("envelope: its epoch and its ciphertext's epoch differ")
    return fame.decapsulate(sk, ct).serialize()


def _agrees(direct: _Direct) -> bool:
    """A known-answer check against the reference path (results and refusals)."""
    pk, msk = fame.setup(1)
    keys = [fame.keygen(msk, attrs) for attrs in (["a", "b"], ["c"])]
    for text in _KNOWN_POLICIES:
        ct, _ = fame.encapsulate(pk, text)
        data = serial.dump_ciphertext(ct)
        for sk in keys:
            try:
                want: bytes | type[Exception] = _reference(sk, data, text, 1)
            except DecryptionFailed as exc:
                want = type(exc)
            try:
                got: bytes | type[Exception] = direct.secret(sk, data, text, 1)
            except DecryptionFailed as exc:
                got = type(exc)
            if got != want:
                return False
    return True


@functools.cache
def direct() -> _Direct | None:
    """The C path if bound and correct here, else None (checked once)."""
    native = multipairing.native()
    found = None if native is None else _bind(native)
    try:
        return found if found is not None and _agrees(found) else None
    except ValueError:
        return None


def secret(sk: fame.SecretKey, data: bytes, policy_text: str, *, epoch: int) -> bytes:
    """The serialised GT element that the header ``data`` (under ``policy_text``, in an
    envelope of authority epoch ``epoch``) hides, as ``sk`` opens it: what
    :func:`fame.decapsulate` gives for :func:`serial.load_ciphertext`'s result, with the
    same errors (:class:`MalformedData`, :class:`DecryptionFailed` and its subclasses)."""
    fast = direct()
    if fast is None:
        return _reference(sk, data, policy_text, epoch)
    return fast.secret(sk, data, policy_text, epoch)
