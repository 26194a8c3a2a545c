"""One action at one URL, without a dead end: a form's action address answers a GET (the
address bar after a refused form, a reload, a bookmark, a sign-in's way back) by sending the
person to the page the form belongs to, instead of a bare 405."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import Resolver404, resolve

View = Callable[..., HttpResponse]


def post_only(view: View) -> View:
    """VIEW takes POST; GET and HEAD go to the nearest page above its address (see
    `owning_page`), with the query string kept; anything else is 405."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            return view(request, *args, **kwargs)
        page = owning_page(request.path) if request.method in ("GET", "HEAD") else None
        if page is None:
            return HttpResponseNotAllowed(["POST"])
        query = request.META.get("QUERY_STRING", "")
        return redirect(f"{page}?{query}" if query else page)

    wrapper.post_only = True  # type: ignore[attr-defined]
    return wrapper


def owning_page(path: str) -> str | None:
    """The nearest address above PATH, one segment at a time, that a page answers: one that
    resolves to a view not itself `post_only` (`/couples/2/commitments/1/revise` →
    `/couples/2/commitments/1/` if a page is there, else `/couples/2/commitments/`)."""
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        parts = parts[:-1]
        stem = "/".join(parts)
        for candidate in (f"{stem}/", stem):
            try:
                match = resolve(candidate)
            except Resolver404:
                continue
            if not getattr(match.func, "post_only", False):
                return candidate
    return None
