"""FAME (Agrawal and Chase, CCS 2017), CP-ABE on a Type-III pairing, under k-Lin, k = 2.

Notation of the paper (multiplicative there, additive for G1/G2 here)::

    Setup   a1,a2,b1,b2,d1,d2,d3 random; pk = (h^a1, h^a2, e(g,h)^(d1 a1 + d3),
            e(g,h)^(d2 a2 + d3)); msk = (a1, a2, b1, b2, g^d1, g^d2, g^d3)
    KeyGen  r1, r2 random; sk0 = (h^(b1 r1), h^(b2 r2), h^(r1 + r2)); for each attribute y
            and t = 1, 2: sk_{y,t} = prod_l H(y l t)^(br_l / a_t) * g^(sigma_y / a_t),
            sk_{y,3} = g^(-sigma_y); sk' likewise over H(0 1 l t), times g^(d_t)
    Encrypt s1, s2 random; ct0 = (h^(a1 s1), h^(a2 s2), h^(s1 + s2)); row i, l = 1..3:
            ct_{i,l} = prod_t [H(pi(i) l t) * prod_j H(0 j l t)^(M_ij)]^(s_t)
    Decrypt with sum(gamma_i M_i) = e_1: the key is
            prod_t e(sk'_t * prod_i sk_{pi(i),t}^gamma_i, ct0_t)
            / prod_l e(prod_i ct_{i,l}^gamma_i, sk0_l)

It is used as a key-encapsulation mechanism: the paper's ``ct' = M * T1^s1 * T2^s2``
masks a message with the GT element ``T1^s1 * T2^s2``; we hash that element into an
AES-256-GCM key instead (:mod:`threatmesh.privacy.abe.hybrid`), which spares the 576-byte
``ct'`` and is the same quantity the paper's security proof hides. Decryption costs six
pairings whatever the policy size.

Each authority *epoch* is a separate setup: rolling the epoch after a revocation makes
every key of the old epoch useless for data protected afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from threatmesh.privacy.abe import lsss, multipairing, policy
from threatmesh.privacy.abe.errors import EpochMismatch, PolicyNotSatisfied
from threatmesh.privacy.abe.group import (
    G1,
    G2,
    GT,
    ORDER,
    Fr,
    g1,
    g2,
    hash_attribute,
    hash_column,
    pairing,
    random_scalar,
    scalar,
)

Triple1 = tuple[G1, G1, G1]


@dataclass(frozen=True)
class PublicKey:
    """Public parameters of one epoch: ``H = (h^a1, h^a2)``, ``T = (T1, T2)``."""

    epoch: int
    H: tuple[G2, G2]
    T: tuple[GT, GT]


@dataclass(frozen=True)
class MasterKey:
    """The authority's secret of one epoch."""

    epoch: int
    a: tuple[Fr, Fr]
    b: tuple[Fr, Fr]
    gd: Triple1


@dataclass(frozen=True)
class SecretKey:
    """A user's key: the attributes it was issued for and FAME's components."""

    epoch: int
    attributes: tuple[str, ...]
    sk0: tuple[G2, G2, G2]
    components: dict[str, Triple1]
    sk_prime: Triple1


@dataclass(frozen=True)
class Ciphertext:
    """A FAME ciphertext header: the policy (in clear), ``ct0`` and one triple per row."""

    epoch: int
    policy: str
    ct0: tuple[G2, G2, G2]
    rows: tuple[Triple1, ...]


def setup(epoch: int) -> tuple[PublicKey, MasterKey]:
    """A fresh key pair for ``epoch``."""
    a1, a2, b1, b2, d1, d2, d3 = (random_scalar() for _ in range(7))
    e = pairing(g1, g2)
    pk = PublicKey(epoch, (g2 * a1, g2 * a2), (e ** (d1 * a1 + d3), e ** (d2 * a2 + d3)))
    return pk, MasterKey(epoch, (a1, a2), (b1, b2), (g1 * d1, g1 * d2, g1 * d3))


def public_key_of(msk: MasterKey) -> PublicKey:
    """The public key of a master key (``T_t = e(g^d_t, h)^a_t * e(g^d3, h)``)."""
    a1, a2 = msk.a
    e3 = pairing(msk.gd[2], g2)
    t = ((pairing(msk.gd[0], g2) ** a1) * e3, (pairing(msk.gd[1], g2) ** a2) * e3)
    return PublicKey(msk.epoch, (g2 * a1, g2 * a2), t)


def _component(hashes: list[G1], br: list[Fr], a: tuple[Fr, Fr], sigma: Fr) -> list[G1]:
    """``prod_l hashes[t][l]^(br_l / a_t) * g^(sigma / a_t)`` for t = 1, 2."""
    out = []
    for t in range(2):
        inv = ~a[t]
        acc = g1 * (sigma * inv)
        for l in range(3):  # noqa: E741 - the paper's index
            acc = acc + hashes[3 * t + l] * (br[l] * inv)
        out.append(acc)
    return out


def keygen(msk: MasterKey, attributes: list[str]) -> SecretKey:
    """A key for ``attributes`` (``name=value`` entries become bag-of-bits attributes)."""
    expanded = sorted(policy.key_attributes(attributes))
    r1, r2 = random_scalar(), random_scalar()
    br = [msk.b[0] * r1, msk.b[1] * r2, r1 + r2]
    sk0 = (g2 * br[0], g2 * br[1], g2 * br[2])
    components: dict[str, Triple1] = {}
    for attr in expanded:
        sigma = random_scalar()
        hashes = [hash_attribute(attr, l, t) for t in range(2) for l in range(3)]  # noqa: E741
        k1, k2 = _component(hashes, br, msk.a, sigma)
        components[attr] = (k1, k2, g1 * (-sigma))
    sigma = random_scalar()
    hashes = [hash_column(1, l, t) for t in range(2) for l in range(3)]  # noqa: E741
    p1, p2 = _component(hashes, br, msk.a, sigma)
    sk_prime = (msk.gd[0] + p1, msk.gd[1] + p2, msk.gd[2] - g1 * sigma)
    return SecretKey(msk.epoch, tuple(attributes), sk0, components, sk_prime)


def times(point: G1, m: int) -> G1:
    """``point * m`` with the common span-program entries 1 and -1 as additions."""
    if m == 1:
        return point
    if m == ORDER - 1:
        return -point
    return point * scalar(m)


def encapsulate(pk: PublicKey, policy_text: str) -> tuple[Ciphertext, GT]:
    """A ciphertext under ``policy_text`` and the GT element it hides (the KEM key)."""
    msp = lsss.span_program(policy.parse(policy_text), ORDER)
    s = (random_scalar(), random_scalar())
    ct0 = (pk.H[0] * s[0], pk.H[1] * s[1], g2 * (s[0] + s[1]))
    # Per column j and l: s1 * H(0 j l 1) + s2 * H(0 j l 2), shared by every row.
    cols = [
        [hash_column(j, l, 0) * s[0] + hash_column(j, l, 1) * s[1] for l in range(3)]  # noqa: E741
        for j in range(1, msp.columns + 1)
    ]
    rows = []
    for label, row in zip(msp.labels, msp.rows, strict=True):
        triple = []
        for l in range(3):  # noqa: E741
            acc = hash_attribute(label, l, 0) * s[0] + hash_attribute(label, l, 1) * s[1]
            for j, m in enumerate(row):
                if m:
                    acc = acc + times(cols[j][l], m)
            triple.append(acc)
        rows.append((triple[0], triple[1], triple[2]))
    key = (pk.T[0] ** s[0]) * (pk.T[1] ** s[1])
    return Ciphertext(pk.epoch, policy_text, ct0, tuple(rows)), key


def reconstruction(sk: SecretKey, epoch: int, policy_text: str) -> tuple[dict[int, int], list[str]]:
    """The rows and coefficients ``gamma`` with which ``sk`` opens data of ``epoch``
    under ``policy_text``, and the attribute of each row; errors when it cannot."""
    if sk.epoch != epoch:
        raise EpochMismatch(
            f"the key is from authority epoch {sk.epoch}, the data needs epoch {epoch}"
        )
    tree = policy.parse(policy_text)
    gamma = lsss.coefficients(tree, frozenset(sk.components), ORDER)
    if gamma is None:
        raise PolicyNotSatisfied("the key's attributes do not satisfy the policy")
    return gamma, policy.leaves(tree)


def decapsulate(sk: SecretKey, ct: Ciphertext) -> GT:
    """The GT element hidden in ``ct``; errors when the key's epoch or attributes do not
    fit. A tampered ciphertext yields a wrong element (the AEAD layer rejects it)."""
    gamma, labels = reconstruction(sk, ct.epoch, ct.policy)
    a = [G1(), G1(), G1()]
    b = list(sk.sk_prime)
    for i, coeff in gamma.items():
        comp = sk.components[labels[i]]
        for l in range(3):  # noqa: E741
            a[l] = a[l] + times(ct.rows[i][l], coeff)
            b[l] = b[l] + times(comp[l], coeff)
    # prod e(b_l, ct0_l) / prod e(a_l, sk0_l), as one product of six pairings (the
    # division by negating a_l) so that mcl exponentiates once, not six times.
    pairs = [(b[j], ct.ct0[j]) for j in range(3)] + [(-a[j], sk.sk0[j]) for j in range(3)]
    return multipairing.product(pairs, keep=sk.sk0)
