"""MISP's default feeds, as ``Feed::load_default_feeds`` imports them."""

from __future__ import annotations

from threatmesh.model.library.feeds import (
    SAVED_FIELDS,
    feed_from_json,
    feeds_to_add,
    load_default_feeds,
)


def test_default_feeds() -> None:
    feeds = load_default_feeds().items
    assert len(feeds) == 84
    by_name = {f.name: f for f in feeds}
    # PyMISP's live test_feeds looks these up.
    assert by_name["The Botvrij.eu Data"].url == "https://www.botvrij.eu/data/feed-osint"
    assert "blockrules of rules.emergingthreats.net" in by_name
    assert feeds[0].name == "ELLIO: IP Feed (Community version)"
    assert {f.default for f in feeds} == {True}
    assert {f.source_format for f in feeds} == {"csv", "freetext", "misp"}


def test_feed_tag_and_text_fields() -> None:
    first = load_default_feeds().items[0]
    assert first.tag is not None
    assert first.tag.name == 'osint:source-type="block-or-filter-list"'
    assert (first.tag.colour, first.tag.exportable, first.tag.hide_tag) == ("#004f89", True, False)
    assert first.rules is not None and first.rules.startswith('{"tags"')
    assert first.fixed_event and first.delta_merge and first.publish


def test_only_misp_saved_fields_are_kept() -> None:
    # The file's enabled/distribution/caching_enabled are not saved by MISP.
    feed = feed_from_json(
        {
            "Feed": {
                "name": "n",
                "url": "u",
                "enabled": True,
                "distribution": "3",
                "caching_enabled": True,
            }
        }
    )
    assert not hasattr(feed, "enabled") and not hasattr(feed, "distribution")
    assert feed.tag is None and feed.source_format == "misp"
    assert "enabled" not in SAVED_FIELDS


def test_feeds_already_stored_by_url_are_skipped() -> None:
    feeds = load_default_feeds().items
    assert feeds_to_add(feeds, {f.url for f in feeds}) == []
    rest = feeds_to_add(feeds, {"https://www.botvrij.eu/data/feed-osint"})
    assert len(rest) == 83
