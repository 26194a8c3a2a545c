"""A page that comes back with a refused form says so in its title, the first thing a screen
reader reads: the summary (`_form_errors.html`) is drawn inside the body, long after the title
was written, so the title is amended here once the page is whole."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

SUMMARY_MARK = b"data-error-summary"


class ErrorTitleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.streaming
            or not response.get("Content-Type", "").startswith("text/html")
            or SUMMARY_MARK not in response.content
        ):
            return response
        prefix = gettext("Error: ").encode()
        response.content = response.content.replace(b"<title>", b"<title>" + prefix, 1)
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
