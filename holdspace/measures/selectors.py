"""Reads of measure responses and safety alerts, through the policy, audited."""

from __future__ import annotations

from holdspace.couples.models import Couple
from holdspace.measures.models import MeasureResponse
from holdspace.policy import Viewer, responses_visible_to


def response_list(*, viewer: Viewer, couple: Couple) -> list[MeasureResponse]:
    """Every response the viewer may see for COUPLE, oldest first, superseded ones included
    (each names the one it supersedes)."""
    responses = list(responses_visible_to(viewer, couple).order_by("created_at", "id"))
    viewer.audit(
        action="measure.list",
        organisation_id=couple.organisation_id,
        object_type="measure_response",
        couple_id=couple.pk,
        detail={"ids": [response.pk for response in responses]},
    )
    return responses
