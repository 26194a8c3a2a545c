"""Answering a file with a single HTTP byte range (RFC 9110 §14), as Safari needs before it
plays audio or video from a server.

One range only: `bytes=first-last`, `bytes=first-` or the suffix `bytes=-n`. A header this does
not understand (several ranges, another unit) is ignored and the whole file is answered, as the
RFC allows; a range that starts past the end is a 416.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.files import File
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class ByteRange:
    first: int
    last: int  # inclusive

    @property
    def length(self) -> int:
        return self.last - self.first + 1


class Unsatisfiable(ValueError):
    """A range that starts at or past the end of the file (416)."""


def wanted_range(header: str) -> str | None:
    """HEADER when it has the shape of one byte range (for the record of what was asked)."""
    found = _RANGE.match(header.strip())
    return found.group(0) if found else None


def parse_range(header: str, size: int) -> ByteRange | None:
    """The bytes HEADER asks for of a file of SIZE bytes; None for the whole file.

    Raises Unsatisfiable for a range no byte of the file is in."""
    found = _RANGE.match(header.strip())
    if found is None or not (found.group(1) or found.group(2)):
        return None
    first_raw, last_raw = found.groups()
    if first_raw:
        first = int(first_raw)
        last = min(int(last_raw), size - 1) if last_raw else size - 1
    else:  # the last N bytes
        first = max(size - int(last_raw), 0)
        last = size - 1
    if first >= size or first > last:
        raise Unsatisfiable(header)
    return ByteRange(first, last)


def ranged_file_response(
    opened: File[bytes], *, size: int, content_type: str, range_header: str = ""
) -> HttpResponseBase:
    """OPENED (a file of SIZE bytes, open for reading) as a 200 with the whole file, a 206 with
    the range RANGE_HEADER asks for, or a 416. Inline, never kept by a cache, never sniffed."""
    response: HttpResponseBase
    try:
        wanted = parse_range(range_header, size)
    except Unsatisfiable:
        opened.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        if wanted is None:
            response = FileResponse(opened, content_type=content_type)
            response["Content-Length"] = str(size)
        else:
            with opened:
                opened.seek(wanted.first)
                chunk = opened.read(wanted.length)
            response = HttpResponse(chunk, status=206, content_type=content_type)
            response["Content-Range"] = f"bytes {wanted.first}-{wanted.last}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
