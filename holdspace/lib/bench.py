"""A bare view for benchmarks: the floor any real page is measured against."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b'{"ok": true}', content_type="application/json")
