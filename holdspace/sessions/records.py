"""The session summary page and the organisation's dose log (to be written)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def session_summary(request: HttpRequest, session_id: int) -> HttpResponse:
    raise NotImplementedError


def dose_log(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def dose_log_csv(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError
