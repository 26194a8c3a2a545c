"""What kind of recording a file is, from its first bytes, whatever its name or the browser
claims: the formats phones and browsers record (WebM, Ogg, MP3, M4A, WAV) and nothing else."""

from __future__ import annotations

# Enough of a file's start for every check below.
HEAD_BYTES = 64


def sniff_audio(head: bytes) -> str | None:
    """The audio type HEAD (a file's first bytes) shows, or None if it is none we play back."""
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML, the container of WebM
        return "audio/webm" if b"webm" in head[:HEAD_BYTES] else None
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":  # ISO base media: M4A, MP4 (iPhones record audio this way)
        return "audio/mp4"
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    # An MPEG audio frame: 11 sync bits, and a layer (bits 1-2 of the 2nd byte) that is not 0;
    # layer 0 is AAC's ADTS header, which is not MP3.
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return "audio/mpeg"
    return None
