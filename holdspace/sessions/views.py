"""The live console (to be written)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def console(request: HttpRequest, session_id: int) -> HttpResponse:
    raise NotImplementedError


def event_post(request: HttpRequest, session_id: int) -> HttpResponse:
    raise NotImplementedError


def plan(request: HttpRequest, session_id: int) -> HttpResponse:
    raise NotImplementedError


def discharge(request: HttpRequest, session_id: int, partner_id: int) -> HttpResponse:
    raise NotImplementedError
