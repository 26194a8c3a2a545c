"""Resending, correcting and revoking an invitation not yet accepted, and who may."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone

from holdspace.accounts.models import Invitation, Membership, Role
from holdspace.accounts.services import invitation_create, invitation_resend, invitation_revoke
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast

pytestmark = pytest.mark.django_db


def _path(link: str) -> str:
    return link[link.index("/invitations/") :]


def _partner_invitation(cast: Cast) -> tuple[Invitation, str]:
    cast.couple.partners.filter(slot="b").delete()
    return invitation_create(
        viewer=cast.viewer("lead"),
        organisation=cast.center,
        email="new@example.org",
        display_name="New",
        couple=cast.couple,
    )


def test_resend_gives_a_new_link_and_the_old_one_stops_working(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    invitation, old = _partner_invitation(cast)
    with django_capture_on_commit_callbacks(execute=True):
        _same, new = invitation_resend(
            viewer=cast.viewer("facilitator"), invitation=invitation, email=" Moved@Example.org "
        )
    assert new != old
    assert mail.outbox[-1].to == ["moved@example.org"]
    assert _path(new) in mail.outbox[-1].body
    stale = Client().get(_path(old))
    assert stale.status_code == 404
    # The holder of an old link is told what happened and where to go, not "nothing here".
    assert "This invitation link no longer works" in stale.content.decode()
    assert "a newer link replaced it" in stale.content.decode()
    fresh = Client().get(_path(new)).content.decode()
    assert "prepare and integrate together" in fresh  # a partner's welcome
    event = AuditEvent.objects.filter(action="invitation.resend").get()
    assert event.detail == {"email": {"from": "new@example.org", "to": "moved@example.org"}}


def test_a_revoked_invitation_cannot_be_used_resent_or_revoked_again(cast: Cast) -> None:
    invitation, link = _partner_invitation(cast)
    invitation_revoke(viewer=cast.viewer("lead"), invitation=invitation)
    assert Client().get(_path(link)).status_code == 404
    with pytest.raises(ValidationError, match="revoked"):
        invitation_resend(viewer=cast.viewer("lead"), invitation=invitation)
    with pytest.raises(ValidationError, match="revoked"):
        invitation_revoke(viewer=cast.viewer("lead"), invitation=invitation)
    assert AuditEvent.objects.filter(action="invitation.revoke").count() == 1


def test_a_bad_corrected_address_changes_nothing(cast: Cast) -> None:
    invitation, link = _partner_invitation(cast)
    with pytest.raises(ValidationError, match="e-mail address"):
        invitation_resend(viewer=cast.viewer("lead"), invitation=invitation, email="not an email")
    invitation.refresh_from_db()
    assert invitation.email == "new@example.org"
    assert Client().get(_path(link)).status_code == 200


@pytest.mark.parametrize(
    ("who", "partner_invitation", "outcome"),
    [
        ("admin", True, None),
        ("lead", True, None),
        ("facilitator", True, None),
        ("other_facilitator", True, PermissionDenied),
        ("researcher", True, PermissionDenied),
        ("partner_a", True, PermissionDenied),
        ("trial_facilitator", True, Http404),
        ("admin", False, None),
        ("lead", False, PermissionDenied),
        ("facilitator", False, PermissionDenied),
        ("trial_facilitator", False, Http404),
    ],
)
def test_who_may_manage_an_invitation(
    cast: Cast, who: str, partner_invitation: bool, outcome: type[Exception] | None
) -> None:
    if partner_invitation:
        invitation, link = _partner_invitation(cast)
    else:
        invitation, link = invitation_create(
            viewer=cast.viewer("admin"),
            organisation=cast.center,
            email="staff@example.org",
            display_name="Staff",
            role=Role.FACILITATOR,
        )
    if not partner_invitation:
        welcome = Client().get(_path(link)).content.decode()
        assert "join its team on Holdspace as facilitator" in welcome
        assert "prepare and integrate together" not in welcome
    if outcome is None:
        invitation_revoke(viewer=cast.viewer(who), invitation=invitation)
        invitation.refresh_from_db()
        assert invitation.revoked_at is not None
    else:
        with pytest.raises(outcome):
            invitation_revoke(viewer=cast.viewer(who), invitation=invitation)
        invitation.refresh_from_db()
        assert invitation.revoked_at is None


def test_a_deactivated_membership_gives_no_role(cast: Cast) -> None:
    Membership.objects.filter(user=cast.facilitator).update(deactivated_at=timezone.now())
    assert cast.viewer("facilitator").roles == {}
    # With no active membership left anywhere, they are signed out on their next request.
    answer = cast.client("facilitator").get(f"/couples/{cast.couple.pk}/")
    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/login/"
