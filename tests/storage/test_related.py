"""``RelatedEvent`` in one statement: planned for the event it is asked about."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from threatmesh.model.access import Viewer
from threatmesh.storage import database, related
from threatmesh.storage.database import create_engine

VIEWER = Viewer(
    user_id=1,
    org_id=1,
    role_id=3,
    site_admin=False,
    sharing_group_ids=frozenset(),
    perms=frozenset(),
)


def test_the_event_is_in_the_sql_text_not_a_parameter(db_url: str) -> None:
    """A prepared statement with the event as a parameter gets a generic plan on
    PostgreSQL after a few executions, one fit for small events; for a 10,000-attribute
    event that plan took 27 s where the event's own plan takes 0.4 s. The event id and
    the cap are therefore rendered into the SQL there. SQLite's plans do not depend on
    parameter values, so there they stay parameters (rendering them cost more than
    running the statement for a small event)."""
    engine = create_engine(db_url)
    seen: list[tuple[str, Any]] = []
    sa.event.listen(
        engine,
        "before_cursor_execute",
        lambda _c, _cur, sql, params, *_: seen.append((sql, params)),
    )
    try:
        database.upgrade(engine)
        seen.clear()
        with engine.connect() as conn:
            for event_id in (424242, 515151):
                assert related.related_event_ids(conn, VIEWER, event_id, cap=17) == set()
        texts = [sql for sql, _ in seen if "source_values" in sql]
        assert len(texts) == 2
        if engine.dialect.name == "sqlite":
            assert texts[0] == texts[1] and "424242" not in texts[0]
            return
        assert "424242" in texts[0] and "515151" in texts[1]
        assert all("<= 17" in t for t in texts)
    finally:
        engine.dispose()
