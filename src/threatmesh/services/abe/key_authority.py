"""The CP-ABE key authority: epochs, attribute keys for authenticated users, revocation.

Trust model (see docs/protection.md): the authority holds the master key of each epoch in
its own key store and can derive any key; the platform's database holds public keys and
issuance records only. A user's key is generated on request, sealed to the X25519 public
key the user sends, returned once and forgotten. Whoever runs the authority *and* the
server can read everything protected; the separation helps only if different parties
run them.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from threatmesh.model.errors import Conflict, Forbidden, InvalidInput, NotFound
from threatmesh.services.admin.checks import require_site_admin
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.abe import records as abe_records
from threatmesh.storage.abe.keystore import MasterKeyStore
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import records as directory

#: Trust level of an organisation (by name); None when it has none.
TrustOf = Callable[[Connection, Row], int | None]


def no_trust(conn: Connection, facts: Row) -> int | None:
    """Default: no ``trust`` attribute."""
    return None


def trust_from_config(levels: dict[str, int]) -> TrustOf:
    """Trust levels configured per organisation name."""
    return lambda conn, facts: levels.get(str(facts["org"]))


def _role(name: str) -> str:
    return "role:" + name.strip().lower().replace(" ", "_")


def attributes_of(
    facts: Row, trust: int | None, role_aliases: dict[str, list[str]] | None = None
) -> list[str]:
    """The attributes of a user: organisation, sector, nationality, role (the MISP role's
    name, plus the ABE roles it is configured to carry, e.g. User -> analyst), trust."""
    role = str(facts["role"])
    roles = [_role(role), *(_role(a) for a in (role_aliases or {}).get(role, []))]
    out = [f"org:{facts['org']}", *dict.fromkeys(roles)]
    if facts["sector"]:
        out.append(f"sector:{str(facts['sector']).lower()}")
    if facts["nationality"]:
        out.append(f"country:{facts['nationality']}")
    if trust is not None:
        out.append(f"trust={trust}")
    return out


@dataclass
class KeyAuthority:
    """The authority component; ``store`` holds its master keys."""

    store: MasterKeyStore
    trust_of: TrustOf = no_trust
    #: Extra ABE role attributes per MISP role name (``{"User": ["analyst"]}``).
    role_aliases: dict[str, list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def public_key(self, platform: Platform) -> dict[str, Any]:
        """The current epoch and its public key (created on first use)."""
        row = self._current(platform)
        return {"epoch": row["epoch"], "public_key": json.loads(row["public_key"])}

    def _current(self, platform: Platform) -> Row:
        with platform.read() as conn:
            row = abe_records.current_epoch(conn)
        if row is not None:
            return row
        self._roll(platform, 1, "initial setup")
        with platform.read() as conn:
            row = abe_records.current_epoch(conn)
        if row is None:  # pragma: no cover - _roll has just written it
            raise Conflict("the key authority has no epoch yet; retry")
        return row

    def _roll(self, platform: Platform, epoch: int, reason: str) -> None:
        """Set up ``epoch``: a master key in the store, its public key in the database.
        If the store already holds that epoch (another authority process, or a crash
        between the two steps), the public key is derived from the stored master key."""
        from threatmesh.privacy.abe import fame, serial

        with self._lock:
            pk, msk = fame.setup(epoch)
            if not self.store.put(epoch, serial.dump_master(msk)):
                stored = self.store.get(epoch)
                if stored is None:
                    raise Conflict(f"authority epoch {epoch}: the key store lost its master key")
                pk = fame.public_key_of(serial.load_master(stored))
            with platform.write() as conn:
                if abe_records.epoch_row(conn, epoch) is None:
                    abe_records.add_epoch(
                        conn, epoch, serial.dump_public(pk), platform.now(), reason
                    )

    def issue(self, platform: Platform, who: Identity, payload: Any) -> dict[str, Any]:
        """A key for ``who``'s attributes, sealed to ``payload["x25519_public_key"]``, for
        ``payload["epoch"]`` (default: the current one; older epochs open older data)."""
        from threatmesh.privacy.abe import fame, sealing, serial

        raw = payload.get("x25519_public_key") if isinstance(payload, dict) else None
        if not isinstance(raw, str):
            raise InvalidInput("x25519_public_key: required (base64 of 32 bytes)")
        recipient = sealing.public_key_from_b64(raw)
        current = self._current(platform)["epoch"]
        epoch = payload.get("epoch", current)
        if not isinstance(epoch, int) or isinstance(epoch, bool) or not 1 <= epoch <= current:
            raise InvalidInput(f"epoch: expected an epoch from 1 to {current}")
        with platform.read() as conn:
            revoked = abe_records.revocation(conn, who.viewer.user_id)
            facts = abe_records.user_facts(conn, who.viewer.user_id)
            assert facts is not None
            attrs = attributes_of(facts, self.trust_of(conn, facts), self.role_aliases)
        if revoked is not None and epoch >= revoked["from_epoch"]:
            raise Forbidden("Your attribute keys have been revoked.")
        master = self.store.get(epoch)
        if master is None:
            raise Forbidden("This instance's key authority does not hold the current master key.")
        sk = fame.keygen(serial.load_master(master), attrs)
        sealed = sealing.seal(recipient, serial.dump_secret(sk).encode())
        with platform.write() as conn:
            abe_records.record_issuance(
                conn,
                user_id=who.viewer.user_id,
                epoch=epoch,
                attributes=attrs,
                fingerprint=hashlib.sha256(raw.encode()).hexdigest(),
                now=platform.now(),
            )
        return {"epoch": epoch, "attributes": attrs, "sealed_key": sealed}

    def revoke(self, platform: Platform, who: Identity, user_ref: str) -> dict[str, Any]:
        """Revoke a user's keys and roll the epoch: data protected from now on uses the
        new epoch, which the revoked user cannot obtain a key for."""
        require_site_admin(who)
        current = self._current(platform)["epoch"]
        with platform.write() as conn:
            user = directory.find_user(conn, user_ref)
            if user is None:
                raise NotFound("Invalid user.")
            earlier = abe_records.revocation(conn, user["id"])
            if earlier is None:
                abe_records.revoke(
                    conn,
                    user_id=user["id"],
                    by=who.viewer.user_id,
                    now=platform.now(),
                    from_epoch=current + 1,
                )
        if earlier is not None:  # already revoked: nothing to roll
            return {"revoked_user_id": str(user["id"]), "epoch": current}
        self._roll(platform, current + 1, f"revoked user {user['id']}")
        return {"revoked_user_id": str(user["id"]), "epoch": current + 1}
