"""The Today page (/today/): the viewer's sessions of the day and what waits for them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from holdspace.pages.today.selectors import today_page
from holdspace.policy.core import viewer_from_request
from holdspace.policy.queue import get_queue_for


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    scope = get_queue_for(viewer, request.GET.get("org", ""))
    return render(request, "pages/today.html", today_page(viewer=viewer, scope=scope).context())
