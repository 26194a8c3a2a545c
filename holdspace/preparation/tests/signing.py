"""Signing in tests: a partner (or a signer of a session's form) signs a document as the
signing page would, with its current version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from holdspace.conftest import Cast
from holdspace.couples.models import Couple
from holdspace.policy.couples import get_couple_for
from holdspace.preparation.documents import document_for
from holdspace.preparation.models import Signature
from holdspace.preparation.signatures.services import signature_create
from holdspace.screening.profiles import get_profile

TOUCH_YES_HUG = {
    "facilitator_touch": "yes",
    "facilitator_touch_forms": ["hug"],
    "partner_touch": "no",
}


def current_version(couple: Couple, document: str) -> str:
    profile = get_profile(couple.organisation.profile)
    form = profile.required(document)
    assert form is not None
    return document_for(profile, form).version


def sign(
    cast: Cast,
    who: str,
    document: str,
    *,
    partner: str | None = None,
    couple: Couple | None = None,
    answers: Mapping[str, Any] | None = None,
    booking_id: int | None = None,
) -> Signature:
    """WHO signs DOCUMENT of PARTNER (WHO themselves by default), current version."""
    viewer = cast.viewer(who)
    loaded = get_couple_for(viewer, (couple or cast.couple).pk)
    if answers is None and document == "touch_consent":
        answers = TOUCH_YES_HUG
    return signature_create(
        viewer=viewer,
        couple=loaded,
        partner_id=cast.people[partner or who].pk,
        document=document,
        version=current_version(loaded, document),
        typed_name=cast.people[who].display_name,
        booking_id=booking_id,
        answers=answers,
    )
