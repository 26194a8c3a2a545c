"""Links in e-mails open the server `make run` serves, on whatever PORT it was given (unless
SITE_URL says otherwise): the worker's reminders and an invitation, each sent by a real
`holdspace` process with that environment, printed by the console e-mail backend."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from holdspace.conftest import build_cast

BIN = Path(sys.executable).parent / "holdspace"
INVITE = (
    "from holdspace.accounts.models import Organisation, User; "
    "from holdspace.accounts.services import invitation_create; "
    "from holdspace.policy.core import viewer_for; "
    "invitation_create(viewer=viewer_for(User.objects.get(email='admin@example.org')), "
    "organisation=Organisation.objects.get(slug='center'), email='ash@example.org', "
    "display_name='Ash', role='facilitator')"
)


def _database_url() -> str:
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{conf['NAME']}"
    user = conf.get("USER") or "postgres"
    host = conf.get("HOST") or "127.0.0.1"
    return f"postgresql://{user}@{host}:{conf.get('PORT') or 5432}/{conf['NAME']}"


def _holdspace(tmp_path: Path, given: dict[str, str], *argv: str) -> str:
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"HOST", "PORT", "SITE_URL", "EMAIL_HOST"}
        },
        **given,
        "DJANGO_SETTINGS_MODULE": "holdspace.settings",
        "DATABASE_URL": _database_url(),
        "HOLDSPACE_VAR_DIR": str(tmp_path),
        "SECRET_KEY": settings.SECRET_KEY,
        "HOLDSPACE_AUDIT_KEY": settings.AUDIT_KEY,
    }
    done = subprocess.run(
        [str(BIN), *argv], env=env, capture_output=True, text=True, timeout=300, check=True
    )
    return done.stdout


@pytest.mark.parametrize(
    ("given", "site"),
    [
        ({"PORT": "8123"}, "http://127.0.0.1:8123"),
        (
            {"PORT": "8123", "SITE_URL": "https://holdspace.example.org/"},
            "https://holdspace.example.org",
        ),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_it_sends_links_to_the_port_it_runs_on(
    tmp_path: Path, given: dict[str, str], site: str
) -> None:
    cast = build_cast()
    cast.couple.created_at = timezone.now() - dt.timedelta(days=8)  # the baseline is due
    cast.couple.save(update_fields=["created_at"])

    reminders = _holdspace(tmp_path, given, "send-reminders")
    links = re.findall(r"https?://\S+/r/\S+", reminders)
    assert links, reminders
    assert all(link.startswith(f"{site}/r/") for link in links), links

    invitation = _holdspace(tmp_path, given, "shell", "-c", INVITE)
    found = re.findall(r"https?://\S+/invitations/\S+/", invitation)
    assert len(found) == 1, invitation
    assert found[0].startswith(f"{site}/invitations/")
