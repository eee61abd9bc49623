"""MISP's default feeds, as ``Feed::load_default_feeds`` imports them.

Source: the vendored ``model/data/misp/feed-metadata/defaults.json`` (84 feeds). MISP
imports a feed only when no stored feed has the same ``url``, and saves only the fields in
:data:`SAVED_FIELDS` plus ``default = 1``: the file's ``enabled``, ``distribution``,
``input_source``, ``caching_enabled``... are *not* saved, so every default feed arrives
disabled with the table's defaults. A feed's ``Tag`` is captured (created if missing) and
its id stored as ``tag_id`` (0 without a tag).
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from threatmesh.model.library.packaged import Loaded, own_data, read_json

__all__ = [
    "SAVED_FIELDS",
    "DefaultFeed",
    "FeedTag",
    "feed_from_json",
    "feeds_to_add",
    "load_default_feeds",
]

#: The fields ``Feed::importFeeds`` saves (its ``fieldList``), besides ``tag_id``.
SAVED_FIELDS = (
    "name",
    "provider",
    "url",
    "rules",
    "source_format",
    "fixed_event",
    "delta_merge",
    "override_ids",
    "publish",
    "settings",
    "default",
    "lookup_visible",
    "headers",
)


@dataclass(frozen=True, slots=True)
class FeedTag:
    """The tag a feed puts on what it imports (``Tag::captureTag`` input)."""

    name: str
    colour: str
    exportable: bool
    hide_tag: bool


@dataclass(frozen=True, slots=True)
class DefaultFeed:
    """A default feed: the fields MISP saves (``rules``/``settings`` are JSON text)."""

    name: str
    provider: str
    url: str
    rules: str | None
    source_format: str
    fixed_event: bool
    delta_merge: bool
    override_ids: bool
    publish: bool
    settings: str | None
    lookup_visible: bool
    headers: str | None
    tag: FeedTag | None
    default: bool = True


def _tag(raw: Mapping[str, Any] | None) -> FeedTag | None:
    if not raw:
        return None
    return FeedTag(
        name=str(raw["name"]),
        colour=str(raw.get("colour", "")),
        exportable=bool(raw.get("exportable", True)),
        hide_tag=bool(raw.get("hide_tag", False)),
    )


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def feed_from_json(data: Mapping[str, Any]) -> DefaultFeed:
    """One ``{"Feed": {...}, "Tag": {...}}`` item of ``defaults.json``."""
    feed = data["Feed"]
    return DefaultFeed(
        name=str(feed["name"]),
        provider=str(feed.get("provider", "")),
        url=str(feed["url"]),
        rules=_optional_text(feed.get("rules")),
        source_format=str(feed.get("source_format") or "misp"),
        fixed_event=bool(feed.get("fixed_event", False)),
        delta_merge=bool(feed.get("delta_merge", False)),
        override_ids=bool(feed.get("override_ids", False)),
        publish=bool(feed.get("publish", False)),
        settings=_optional_text(feed.get("settings")),
        lookup_visible=bool(feed.get("lookup_visible", False)),
        headers=_optional_text(feed.get("headers")),
        tag=_tag(data.get("Tag")),
    )


def load_default_feeds() -> Loaded[DefaultFeed]:
    """The default feeds, in file order (the order MISP inserts them)."""
    return Loaded(
        tuple(feed_from_json(f) for f in read_json(own_data("feed-metadata", "defaults.json")))
    )


def feeds_to_add(feeds: Iterable[DefaultFeed], stored_urls: Container[str]) -> list[DefaultFeed]:
    """The feeds MISP would insert: those whose ``url`` no stored feed has."""
    return [f for f in feeds if f.url not in stored_urls]
