"""Products of pairings with one final exponentiation (mcl's vector Miller loop).

FAME's decryption is a ratio of six pairings. Computed one at a time, each pays its own
final exponentiation, about half the cost of a pairing; the standard remedy computes
the Miller loops of the whole product and exponentiates once. mcl does exactly that
(``mclBn_millerLoopVec`` then ``mclBn_finalExp``), but pymcl wraps only the single
pairing, so this module calls mcl's C API, which pymcl's extension module exports,
through ``ctypes``. Points cross over as affine coordinates.

The native path is used only if the extension exports those functions, the curve is
BLS12-381, and a known-answer check against pymcl's own pairing passes at first use.
Otherwise :func:`product` multiplies single pairings: the same result, slower.
"""

from __future__ import annotations

import ctypes
import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from threatmesh.privacy.abe.group import G1, G2, GT, Fr, g1, g2, pairing

_BLS12_381 = 5  # mcl's MCL_BLS12_381 curve id
_DECIMAL = 10  # mcl's io mode: affine coordinates in base 10 (what pymcl's str gives)
_KEPT_MAX = 64  # converted key points kept (a client holds a few keys)
_KEPT: dict[bytes, bytes] = {}
_LOCK = threading.Lock()
_FUNCTIONS = (
    "mclBn_getCurveType",
    "mclBn_getOpUnitSize",
    "mclBnG1_setStr",
    "mclBnG2_setStr",
    "mclBnGT_serialize",
    "mclBn_millerLoopVec",
    "mclBn_finalExp",
)


@dataclass(frozen=True)
class _Native:
    lib: ctypes.CDLL
    fp: int  # bytes of one base-field element in mcl's C structs (limbs x 8)

    @property
    def g1_size(self) -> int:
        return 3 * self.fp  # Jacobian x, y, z

    @property
    def g2_size(self) -> int:
        return 6 * self.fp  # x, y, z over Fp2

    @property
    def gt_size(self) -> int:
        return 12 * self.fp  # Fp12

    def load(self, into: ctypes.Array[ctypes.c_char], offset: int, point: G1 | G2) -> None:
        """Write ``point`` in C form at ``offset`` of ``into``."""
        # Affine coordinates in decimal: mcl parses them faster than it decompresses
        # (no square root), and checks that the point is on the curve either way.
        text = str(point).encode()
        fn = self.lib.mclBnG2_setStr if isinstance(point, G2) else self.lib.mclBnG1_setStr
        if fn(ctypes.byref(into, offset), text, len(text), _DECIMAL) != 0:
            raise ValueError("mcl refused a point pymcl produced")

    def kept(self, point: G2) -> bytes:
        """The C form of a long-lived G2 point (a decryption key's), converted once."""
        wire = point.serialize()
        with _LOCK:
            hit = _KEPT.get(wire)
        if hit is None:
            buf = ctypes.create_string_buffer(self.g2_size)
            self.load(buf, 0, point)
            hit = buf.raw
            with _LOCK:
                if len(_KEPT) >= _KEPT_MAX:
                    _KEPT.pop(next(iter(_KEPT)))
                _KEPT[wire] = hit
        return hit

    def product(self, pairs: Sequence[tuple[G1, G2]], keep: frozenset[bytes]) -> GT:
        n = len(pairs)
        xs = ctypes.create_string_buffer(self.g1_size * n)
        ys = ctypes.create_string_buffer(self.g2_size * n)
        for i, (p, q) in enumerate(pairs):
            self.load(xs, i * self.g1_size, p)
            if keep and q.serialize() in keep:
                ctypes.memmove(ctypes.addressof(ys) + i * self.g2_size, self.kept(q), self.g2_size)
            else:
                self.load(ys, i * self.g2_size, q)
        return GT.deserialize(self.final(xs, ys, n))

    def final(
        self, xs: ctypes.Array[ctypes.c_char], ys: ctypes.Array[ctypes.c_char], n: int
    ) -> bytes:
        """The serialised product of the ``n`` pairings of the C points ``xs``, ``ys``:
        one vector Miller loop, one final exponentiation."""
        loop = ctypes.create_string_buffer(self.gt_size)
        out = ctypes.create_string_buffer(self.gt_size)
        self.lib.mclBn_millerLoopVec(loop, xs, ys, ctypes.c_size_t(n))
        self.lib.mclBn_finalExp(out, loop)
        text = ctypes.create_string_buffer(self.gt_size)
        size = self.lib.mclBnGT_serialize(text, ctypes.c_size_t(self.gt_size), out)
        if not size:
            raise ValueError("mcl could not serialise a GT element")
        return text.raw[:size]


def _bind() -> _Native | None:
    try:
        from pymcl import _pymcl

        lib = ctypes.CDLL(_pymcl.__file__)
        for name in _FUNCTIONS:
            getattr(lib, name)
    except (ImportError, OSError, AttributeError):
        return None
    for name in ("mclBnG1_setStr", "mclBnG2_setStr"):  # (point, text, size, io mode)
        getattr(lib, name).restype = ctypes.c_int
        getattr(lib, name).argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_int,
        ]
    lib.mclBnGT_serialize.restype = ctypes.c_size_t  # (buf, size, element)
    lib.mclBnGT_serialize.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    lib.mclBn_millerLoopVec.restype = None
    lib.mclBn_millerLoopVec.argtypes = [ctypes.c_void_p] * 3 + [ctypes.c_size_t]
    lib.mclBn_finalExp.restype = None
    lib.mclBn_finalExp.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    if lib.mclBn_getCurveType() != _BLS12_381:
        return None
    return _Native(lib, 8 * int(lib.mclBn_getOpUnitSize()))


def _slow(pairs: Sequence[tuple[G1, G2]]) -> GT:
    out = GT(True)
    for p, q in pairs:
        out = out * pairing(p, q)
    return out


@functools.cache
def native() -> _Native | None:
    """mcl's vector Miller loop if bound and correct here, else None (checked once)."""
    found = _bind()
    if found is None:
        return None
    pairs = [(g1 * Fr(str(3 + i)), g2 * Fr(str(11 * i + 5))) for i in range(3)]
    try:
        kept = frozenset({pairs[0][1].serialize()})
        ok = found.product(pairs, frozenset()) == _slow(pairs) == found.product(pairs, kept)
        return found if ok else None
    except ValueError:
        return None


def product(pairs: Sequence[tuple[G1, G2]], *, keep: Sequence[G2] = ()) -> GT:
    """``e(P1, Q1) * ... * e(Pn, Qn)``; pairs with the identity contribute 1. The G2
    points in ``keep`` (a decryption key's, used for every decryption) are converted
    for mcl once and remembered."""
    live = [(p, q) for p, q in pairs if not (p.is_zero() or q.is_zero())]
    fast = native()
    if not live:
        return GT(True)
    if fast is None:
        return _slow(live)
    return fast.product(live, frozenset(q.serialize() for q in keep))
