"""``RelatedEvent`` in one statement: planned for the event it is asked about."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.support import site_admin
from threatmesh.model.access import Viewer
from threatmesh.services.events import events
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core import database
from threatmesh.storage.core.database import create_engine
from threatmesh.storage.correlation import related

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


def _values(prefix: str, n: int) -> list[dict[str, Any]]:
    return [{"type": "domain", "value": f"{prefix}-{i}.example.com"} for i in range(n)]


def _add(platform: Platform, who: Identity, info: str, attrs: list[dict[str, Any]]) -> Any:
    made = events.add_event(platform, who, {"info": info, "Attribute": attrs}, metadata=True)
    return made.get("Event", made)


def test_small_events_next_to_big_ones(platform: Platform) -> None:
    """RelatedEvent of a small event is right next to big events, and on PostgreSQL its
    statement has no EXISTS: there the planner ran the EXISTS probes (under an OR) as a
    hashed subplan over every attribute of the other events once a few events held
    10,000 attributes, so each small event's RelatedEvent read the whole table (5 -> 30
    ms per small event in bench/ingest.py, growing with the table). That plan depends
    on statistics this test cannot reproduce in seconds, hence the check on the text."""
    who = site_admin(platform, "BIG", "a@big.test")
    big = [_add(platform, who, f"big {i}", _values(f"big{i}", 3000))["id"] for i in range(3)]
    small = [_add(platform, who, f"s{i}", _values(f"s{i}", 9))["id"] for i in range(20)]
    last = _add(platform, who, "shares", [*_values("s0", 1), *_values("big1", 1)])
    assert {r["Event"]["id"] for r in last["RelatedEvent"]} == {small[0], big[1]}
    with platform.read() as conn:
        literal = conn.dialect.name != "sqlite"
        sql = str(related._statement(who.viewer, False, literal).compile(dialect=conn.dialect))
    assert ("EXISTS" in sql) is (not literal)
