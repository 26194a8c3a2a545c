"""Single byte ranges of a file, as Safari asks for them before it plays a recording."""

from __future__ import annotations

import io

import pytest
from django.core.files import File

from holdspace.lib.ranges import ByteRange, Unsatisfiable, parse_range, ranged_file_response

BODY = bytes(range(100))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-9", ByteRange(0, 9)),
        ("bytes=90-", ByteRange(90, 99)),
        ("bytes=-10", ByteRange(90, 99)),
        ("bytes=-500", ByteRange(0, 99)),  # more than the file: all of it
        ("bytes=95-500", ByteRange(95, 99)),  # past the end: up to the end
        (" bytes=0-0 ", ByteRange(0, 0)),
        ("", None),
        ("bytes=-", None),
        ("bytes=0-1,5-6", None),  # several ranges: the whole file, as the RFC allows
        ("items=0-9", None),
        ("bytes=a-b", None),
    ],
)
def test_it_reads_the_range_asked_for(header: str, expected: ByteRange | None) -> None:
    assert parse_range(header, len(BODY)) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=100-200", "bytes=9-3"])
def test_it_refuses_a_range_no_byte_is_in(header: str) -> None:
    with pytest.raises(Unsatisfiable):
        parse_range(header, len(BODY))


def _answer(header: str) -> tuple[int, bytes, dict[str, str]]:
    response = ranged_file_response(
        File(io.BytesIO(BODY)), size=len(BODY), content_type="audio/wav", range_header=header
    )
    content = (
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
        if response.streaming
        else response.content  # type: ignore[attr-defined]
    )
    return response.status_code, content, dict(response.headers)


def test_it_answers_the_whole_file_without_a_range() -> None:
    status, content, headers = _answer("")
    assert (status, content) == (200, BODY)
    assert headers["Content-Length"] == "100"
    assert headers["Accept-Ranges"] == "bytes"


def test_it_answers_a_part_with_its_place_in_the_file() -> None:
    status, content, headers = _answer("bytes=10-19")
    assert (status, content) == (206, BODY[10:20])
    assert headers["Content-Range"] == "bytes 10-19/100"


def test_it_answers_416_with_the_size_for_a_range_past_the_end() -> None:
    status, content, headers = _answer("bytes=200-")
    assert (status, content) == (416, b"")
    assert headers["Content-Range"] == "bytes */100"


@pytest.mark.parametrize("header", ["", "bytes=0-1", "bytes=500-"])
def test_it_never_lets_a_cache_keep_it_nor_a_browser_sniff_it(header: str) -> None:
    _status, _content, headers = _answer(header)
    assert headers["Cache-Control"] == "private, no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Disposition"] == "inline"
