"""Attachment and malware-sample files travel with their events on push and on pull,
as MISP's sync moves them (issue 16): two live instances, PyMISP, both databases."""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from pymisp import MISPEvent

from tests.services.sync.federation import Instance, Pair, pair
from tests.support import database_url

SAMPLE = b"\x7fELF" + bytes(range(200)) + b"bot"
PCAP = b"\xd4\xc3\xb2\xa1" + bytes(64)


@pytest.fixture(params=["sqlite", "postgresql"])
def two(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    """A pushes to B, B pulls from A."""
    with ExitStack() as stack:
        urls = []
        for name in ("da", "db"):
            (tmp_path / name).mkdir()
            urls.append(stack.enter_context(database_url(str(request.param), tmp_path / name)))
        yield stack.enter_context(pair((urls[0], urls[1]), tmp_path))


def _published_with_files(a: Instance, name: str) -> MISPEvent:
    misp = a.pymisp()
    event = MISPEvent()
    event.info = f"files: {name}"
    event.distribution = 3
    event.add_attribute("malware-sample", name, data=io.BytesIO(SAMPLE))
    event.add_attribute("attachment", f"{name}.pcap", data=io.BytesIO(PCAP))
    created = misp.add_event(event, pythonify=True)
    assert isinstance(created, MISPEvent), created
    misp.publish(created)
    return created


def _check_files(origin: Instance, receiver: Instance, event: MISPEvent) -> None:
    """The receiver serves the same sample zip and attachment bytes as the origin."""
    got = receiver.pymisp().get_event(event.uuid, pythonify=True)
    assert isinstance(got, MISPEvent), got
    by_type = {a.type: a for a in got.attributes}
    md5 = hashlib.md5(SAMPLE, usedforsecurity=False).hexdigest()
    assert by_type["malware-sample"].value.endswith(f"|{md5}")
    assert by_type["malware-sample"].malware_binary.getvalue() == SAMPLE
    assert by_type["attachment"].data.getvalue() == PCAP
    sample_id = next(a.id for a in event.attributes if a.type == "malware-sample")
    original = origin.http.get(f"/attributes/download/{sample_id}")
    copy = receiver.http.get(f"/attributes/download/{by_type['malware-sample'].uuid}")
    assert (copy.status_code, copy.content) == (200, original.content)


def test_files_travel_on_push_and_on_pull(two: Pair) -> None:
    pushed = _published_with_files(two.a, "pushed.bin")
    assert two.push()["added"] == 1
    _check_files(two.a, two.b, pushed)
    pulled = _published_with_files(two.a, "pulled.bin")
    done = two.b.pymisp().server_pull(two.b_from_a, pulled.uuid)
    assert done["added"] == 1, done
    _check_files(two.a, two.b, pulled)
    # Pushed again (an edit on A, later): the files B holds are the same, no conflict.
    two.a.srv.platform.clock = lambda: time.time() + 60
    edited = two.a.pymisp().get_event(pushed.uuid, pythonify=True)
    edited.info = "edited"
    two.a.pymisp().update_event(edited)
    two.a.pymisp().publish(edited)
    done = two.push()
    assert done["failed"] == 0, done
    on_b = two.b.event(pushed.uuid)
    assert on_b is not None and on_b["info"] == "edited"
    _check_files(two.a, two.b, pushed)
