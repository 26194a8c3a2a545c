"""`holdspace create-organisation` and `holdspace invite-staff`: an organisation from nothing,
its first org admin invited, and every refusal one line that creates nothing."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from holdspace.accounts.models import Invitation, Membership, Organisation, Role
from holdspace.audit.models import AuditEvent
from holdspace.audit.services import audit_verify
from holdspace.conftest import PASSWORD, Cast

pytestmark = pytest.mark.django_db

GOOD = [
    "create-organisation",
    "--name",
    "Willamette Psilocybin Center",
    "--profile",
    "oregon-psilocybin",
    "--time-zone",
    "America/Los_Angeles",
    "--admin-email",
    "Dana@Willamette.example.org",
    "--admin-name",
    "Dana Reyes",
]


def _with(**changes: str) -> list[str]:
    argv = list(GOOD)
    for option, value in changes.items():
        argv[argv.index("--" + option.replace("_", "-")) + 1] = value
    return argv


def _counts() -> tuple[int, int, int]:
    return (Organisation.objects.count(), Invitation.objects.count(), AuditEvent.objects.count())


def test_it_creates_an_organisation_and_invites_its_first_org_admin(
    run_cli, capsys: pytest.CaptureFixture[str], django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        assert run_cli(GOOD) == 0
    out = capsys.readouterr().out.strip().splitlines()
    organisation = Organisation.objects.get()
    assert (organisation.name, organisation.slug) == (
        "Willamette Psilocybin Center",
        "willamette-psilocybin-center",
    )
    assert (organisation.profile, organisation.time_zone) == (
        "oregon-psilocybin",
        "America/Los_Angeles",
    )
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.display_name, invitation.role) == (
        "dana@willamette.example.org",
        "Dana Reyes",
        Role.ORG_ADMIN,
    )
    assert invitation.invited_by is None and invitation.couple is None
    (message,) = mail.outbox
    assert message.to == ["dana@willamette.example.org"]
    assert out[0].startswith("Created Willamette Psilocybin Center (slug willamette-psilocybin")
    assert (
        out[-1] == "Invitation (Org admin) e-mailed to dana@willamette.example.org; valid 72 hours."
    )
    events = list(AuditEvent.objects.order_by("id").values_list("action", "actor_label"))
    assert events == [
        ("organisation.create", "command line"),
        ("invitation.create", "command line"),
    ]
    assert audit_verify()[1] is None

    # The link works once: the org admin joins with the role.
    link = message.body.split("http://127.0.0.1:8000")[1].split()[0]
    joined = Client().post(link, {"password": PASSWORD, "password_again": PASSWORD})
    assert joined.status_code == 302
    member = Membership.objects.get(organisation=organisation)
    assert (member.user.email, member.role) == ("dana@willamette.example.org", Role.ORG_ADMIN)
    assert Client().get(link).status_code == 404


def test_it_prints_the_link_when_e_mail_goes_to_the_console(
    run_cli, capsys: pytest.CaptureFixture[str], settings
) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert run_cli(GOOD) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith(
        "Invitation (Org admin) for dana@willamette.example.org printed above, as e-mail goes "
        "to the console; valid 72 hours: http://"
    )
    assert "/invitations/" in last


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"profile": "atlantis"}, "--profile: No jurisdiction profile named 'atlantis'; the known"),
        ({"time_zone": "Mars/Olympus"}, "--time-zone: 'Mars/Olympus': Choose a time zone"),
        ({"admin_email": "dana at example"}, "--admin-email: 'dana at example' is not an e-mail"),
        ({"name": "   "}, "--name: Give the organisation a name."),
    ],
)
def test_it_refuses_a_bad_option_in_one_line_and_creates_nothing(
    run_cli, capsys: pytest.CaptureFixture[str], changes: dict[str, str], reason: str
) -> None:  # type: ignore[no-untyped-def]
    assert run_cli(_with(**changes)) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert reason in err
    assert _counts() == (0, 0, 0)


def test_it_lists_the_known_profiles_when_one_is_unknown(
    run_cli, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    assert run_cli(_with(profile="oregon")) == 1
    err = capsys.readouterr().err
    for known in ("colorado-natural-medicine", "general-therapy", "oregon-psilocybin"):
        assert known in err


def test_it_refuses_a_taken_name_whatever_its_case_and_creates_nothing(
    cast: Cast, run_cli, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    before = _counts()
    assert run_cli(_with(name="CENTER")) == 1
    assert "--name: An organisation named Center already exists." in capsys.readouterr().err
    assert _counts() == before


def test_it_gives_two_organisations_of_similar_names_their_own_slugs(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli(_with(name="Cedar House")) == 0
    assert run_cli(_with(name="Cedar House!", admin_email="b@example.org")) == 0
    assert sorted(Organisation.objects.values_list("slug", flat=True)) == [
        "cedar-house",
        "cedar-house-2",
    ]


def test_it_invites_staff_from_the_command_line_by_slug_or_id(
    cast: Cast, run_cli, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    argv = ["invite-staff", "--email", "robin@example.org", "--role", "facilitator"]
    assert run_cli([*argv, "--organisation", "center", "--name", "Robin"]) == 0
    assert "Invitation (Facilitator) e-mailed to robin@example.org" in capsys.readouterr().out
    invitation = Invitation.objects.get(email="robin@example.org")
    assert (invitation.organisation_id, invitation.display_name) == (cast.center.pk, "Robin")
    event = AuditEvent.objects.get(action="invitation.create")
    assert (event.actor_id, event.actor_label, event.organisation_id) == (
        None,
        "command line",
        cast.center.pk,
    )
    other = ["invite-staff", "--email", "sky@example.org", "--role", "researcher"]
    assert run_cli([*other, "--organisation", str(cast.trial.pk)]) == 0
    sky = Invitation.objects.get(email="sky@example.org")
    assert (sky.organisation_id, sky.display_name) == (cast.trial.pk, "sky")


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (
            ["--organisation", "nowhere", "--email", "x@example.org", "--role", "facilitator"],
            "No organisation has the slug or id 'nowhere'.",
        ),
        (
            ["--organisation", "center", "--email", "x@example.org", "--role", "partner"],
            "--role: Choose one of the staff roles: clinical_lead, facilitator, org_admin, "
            "researcher.",
        ),
        (
            ["--organisation", "center", "--email", "not-an-address", "--role", "facilitator"],
            "--email: Enter an e-mail address such as name@example.org.",
        ),
        (
            ["--organisation", "center", "--email", "Lead@example.org", "--role", "facilitator"],
            "--email: lead@example.org is already a member of this organisation.",
        ),
    ],
)
def test_it_refuses_a_bad_staff_invitation_in_one_line_and_creates_nothing(
    cast: Cast, run_cli, capsys: pytest.CaptureFixture[str], argv: list[str], reason: str
) -> None:  # type: ignore[no-untyped-def]
    before = _counts()
    assert run_cli(["invite-staff", *argv]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and reason in err
    assert _counts() == before


def test_it_refuses_to_invite_twice_while_the_first_invitation_waits(
    cast: Cast, run_cli, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    argv = ["invite-staff", "--organisation", "center", "--email", "ash@example.org"]
    assert run_cli([*argv, "--role", "facilitator"]) == 0
    assert run_cli([*argv, "--role", "researcher"]) == 1
    assert "already invited and has not accepted yet" in capsys.readouterr().err
    assert Invitation.objects.filter(email="ash@example.org").count() == 1
