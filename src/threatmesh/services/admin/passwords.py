"""Passwords: MISP's password policy and how a password is kept (salted scrypt)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from threatmesh.formats.fields import as_str
from threatmesh.model.errors import InvalidInput
from threatmesh.services.admin import settings
from threatmesh.storage.core.database import Connection

#: MISP's default ``Security.password_policy_complexity``.
_COMPLEX = re.compile(r"^((?=.*\d)|(?=.*\W+))(?![\n])(?=.*[A-Z])(?=.*[a-z]).*$|.{16,}")


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password`` (``scrypt$salt$hash``, hex)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def password_matches(stored: str, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` (a :func:`hash_password`) was made of."""
    kind, _, rest = stored.partition("$")
    if kind != "scrypt" or "$" not in rest:
        return False
    salt, _, digest = rest.partition("$")
    got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return hmac.compare_digest(got.hex(), digest)


def checked_password(conn: Connection, value: Any) -> str:
    """``value`` if it meets ``Security.password_policy_length`` and MISP's default
    complexity rule."""
    password = as_str(value, "User.password", max_len=1024)
    length = int(settings.current(conn, "Security.password_policy_length"))
    if len(password) < max(length, 1) or not _COMPLEX.match(password):
        raise InvalidInput(
            "User.password: the password could not be updated. Make sure you meet the "
            f"minimum password length ({length}) / complexity requirements."
        )
    return password
