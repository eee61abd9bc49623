"""Server settings changed through the API, user settings, and the registration inbox:
the statements that read and write them (values are JSON text, encoded above)."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.directory.tables import inbox, server_settings, user_settings


def server_values(conn: Connection) -> dict[str, str]:
    """Every stored server setting: name -> JSON text."""
    q = sa.select(server_settings.c.setting, server_settings.c.value)
    return {str(k): str(v) for k, v in conn.execute(q)}


def set_server_value(conn: Connection, name: str, value: str, now: int) -> None:
    """Store setting ``name`` as the JSON text ``value``."""
    t = server_settings
    conn.execute(t.delete().where(t.c.setting == name))
    conn.execute(t.insert(), {"setting": name, "value": value, "modified": now})


def user_values(conn: Connection, user_id: int) -> list[RowMapping]:
    """The settings of user ``user_id``, by id."""
    t = user_settings
    q = sa.select(t).where(t.c.user_id == user_id).order_by(t.c.id)
    return list(conn.execute(q).mappings())


def user_setting(conn: Connection, user_id: int, name: str) -> RowMapping | None:
    """User ``user_id``'s setting ``name`` (None if unset)."""
    t = user_settings
    q = sa.select(t).where(t.c.user_id == user_id, t.c.setting == name)
    return conn.execute(q).mappings().first()


def user_setting_by_id(conn: Connection, setting_id: int) -> RowMapping | None:
    """The user setting row ``setting_id``."""
    t = user_settings
    return conn.execute(sa.select(t).where(t.c.id == setting_id)).mappings().first()


def set_user_value(conn: Connection, user_id: int, name: str, value: str, now: int) -> int:
    """Store user ``user_id``'s setting ``name`` (JSON text); its row id."""
    t = user_settings
    found = user_setting(conn, user_id, name)
    if found is not None:
        stmt = t.update().where(t.c.id == found["id"]).values(value=value, timestamp=now)
        conn.execute(stmt)
        return int(found["id"])
    row = {"user_id": user_id, "setting": name, "value": value, "timestamp": now}
    return int(conn.execute(t.insert().returning(t.c.id), row).scalar_one())


def delete_user_setting(conn: Connection, setting_id: int) -> None:
    """Delete the user setting row ``setting_id``."""
    conn.execute(user_settings.delete().where(user_settings.c.id == setting_id))


def add_registration(conn: Connection, values: Mapping[str, Any]) -> int:
    """Store a registration request in the inbox; its id."""
    row = {"uuid": str(uuidlib.uuid4()), "type": "registration", **values}
    return int(conn.execute(inbox.insert().returning(inbox.c.id), row).scalar_one())


def registrations(conn: Connection, ids: list[int] | None = None) -> list[RowMapping]:
    """Registration requests by id: all, or those with ``ids``."""
    q = sa.select(inbox).where(inbox.c.type == "registration").order_by(inbox.c.id)
    if ids is not None:
        q = q.where(inbox.c.id.in_(ids))
    return list(conn.execute(q).mappings())


def registration_id(conn: Connection, uuid: str) -> int | None:
    """The id of the registration with ``uuid``."""
    found = conn.execute(sa.select(inbox.c.id).where(inbox.c.uuid == uuid.lower())).scalar()
    return None if found is None else int(found)


def delete_registrations(conn: Connection, ids: list[int]) -> None:
    """Remove the registrations ``ids`` from the inbox."""
    conn.execute(inbox.delete().where(inbox.c.id.in_(ids)))
