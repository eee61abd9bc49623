"""Attachment files follow their write: stored with it, removed if it fails."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from threatmesh.model.drafts import AttributeDraft
from threatmesh.model.errors import Conflict, InvalidInput
from threatmesh.services.events.attachments import released, saving
from threatmesh.storage.events.attachments import AttachmentStore


def _draft(data: bytes | None, attribute_uuid: str | None = None) -> AttributeDraft:
    return AttributeDraft(
        uuid=attribute_uuid or str(uuid.uuid4()),
        type="attachment",
        category="External analysis",
        value1="a.bin",
        value2="",
        to_ids=False,
        distribution=5,
        sharing_group_id=0,
        comment="",
        disable_correlation=False,
        timestamp=1,
        data=data,
    )


def test_files_of_a_failed_write_are_removed(tmp_path: Path) -> None:
    store = AttachmentStore(tmp_path)
    kept = _draft(b"kept")
    with saving(store) as files:
        files.save([kept, _draft(None)])
    with pytest.raises(RuntimeError), saving(store) as files:
        files.save([_draft(b"one"), _draft(b"two")])
        raise RuntimeError("the transaction failed after the files were written")
    assert sorted(p.name for p in tmp_path.iterdir()) == [kept.uuid]


def test_stored_content_is_kept_and_never_replaced(tmp_path: Path) -> None:
    store = AttachmentStore(tmp_path)
    first = _draft(b"content")
    with saving(store) as files:
        files.save([first])
    with saving(store) as files:
        files.save([_draft(b"content", first.uuid)])  # the same bytes: nothing to do
        assert files.written == []
    with pytest.raises(Conflict, match="not replaced"), saving(store) as files:
        files.save([_draft(b"other", first.uuid)])
    assert store.get(first.uuid) == b"content"  # a refused edit removes nothing it did not add


def test_data_without_a_store_is_refused_not_dropped() -> None:
    with pytest.raises(InvalidInput, match="cannot be stored"), saving(None) as files:
        files.save([_draft(b"x")])
    with saving(None) as files:
        files.save([_draft(None)])


def test_released_events_carry_files_only_under_values_left_as_they_were(tmp_path: Path) -> None:
    """Sync: what the egress hook rewrote leaves without its file."""
    store = AttachmentStore(tmp_path)
    kept, rewritten = str(uuid.uuid4()), str(uuid.uuid4())
    store.put(kept, b"kept")
    store.put(rewritten, b"secret")
    before = {
        "Attribute": [{"uuid": kept, "type": "attachment", "value": "a.bin"}],
        "Object": [{"Attribute": [{"uuid": rewritten, "type": "attachment", "value": "me.pcap"}]}],
    }
    after = {
        "Attribute": [{"uuid": kept, "type": "attachment", "value": "a.bin"}],
        "Object": [{"Attribute": [{"uuid": rewritten, "type": "attachment", "value": "x.pcap"}]}],
    }
    out = released(store, before, after)
    assert out["Attribute"][0]["data"] == "a2VwdA=="
    assert "data" not in out["Object"][0]["Attribute"][0]
    assert released(None, before, {"Attribute": []}) == {"Attribute": []}
