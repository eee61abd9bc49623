"""Attachment and malware-sample files travel with their events on push and on pull,
and on to the next instance, as MISP's sync moves them (issue 16): live instances,
PyMISP, both databases."""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from pymisp import MISPEvent

from tests.services.sync.federation import Chain, Instance, Pair, chain, pair
from tests.services.sync.test_publish_push import eventually
from tests.support import database_url

SAMPLE = b"\x7fELF" + bytes(range(200)) + b"bot"
PCAP = b"\xd4\xc3\xb2\xa1" + bytes(64)


@pytest.fixture(params=["sqlite", "postgresql"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _urls(kind: str, tmp_path: Path, stack: ExitStack, n: int) -> list[str]:
    urls = []
    for i in range(n):
        (tmp_path / f"d{i}").mkdir()
        urls.append(stack.enter_context(database_url(kind, tmp_path / f"d{i}")))
    return urls


@pytest.fixture
def two(kind: str, tmp_path: Path) -> Iterator[Pair]:
    """A pushes to B, B pulls from A (by request only)."""
    with ExitStack() as stack:
        a, b = _urls(kind, tmp_path, stack, 2)
        yield stack.enter_context(pair((a, b), tmp_path))


@pytest.fixture
def three(kind: str, tmp_path: Path) -> Iterator[Chain]:
    """A -> B -> C by push, the pushers running (publishing pushes)."""
    with ExitStack() as stack:
        a, b, c = _urls(kind, tmp_path, stack, 3)
        yield stack.enter_context(chain((a, b, c), tmp_path))


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


def test_files_go_on_to_the_next_instance(three: Chain) -> None:
    """A publishes; B receives the event with its files and pushes it on to C."""
    sent = _published_with_files(three.a, "relayed.bin")
    eventually(lambda: three.c.event(sent.uuid), "the event reaches C through B")
    _check_files(three.a, three.c, sent)
