"""Recordings known by their first bytes, whatever their name or claimed type."""

from __future__ import annotations

import pytest

from holdspace.lib.audio import sniff_audio


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"RIFF\x24\x00\x00\x00AVI LIST", None),  # a RIFF video
        (b"OggS\x00\x02", "audio/ogg"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x82\x84webm", "audio/webm"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska", None),
        (b"\x00\x00\x00\x20ftypM4A ", "audio/mp4"),
        (b"ID3\x04\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64", "audio/mpeg"),  # an MPEG layer III frame
        (b"\xff\xf1\x50\x80", None),  # AAC's ADTS header: layer 0
        (b"\xff", None),
        (b"%PDF-1.7", None),
        (b"<html>", None),
        (b"", None),
    ],
)
def test_it_names_the_recording_its_first_bytes_show(head: bytes, expected: str | None) -> None:
    assert sniff_audio(head) == expected
