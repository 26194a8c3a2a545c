"""The demo practice that `holdspace seed-demo` (and the first `make run`) loads.

One module per part of the journey (people, measures, facilitators, preparation, sessions,
integration), each writing through the services; the prose and the story live in data files
under data/, validated by schemas.py. Seeding again changes nothing.
"""

from __future__ import annotations

from django.db import transaction

from holdspace.accounts.models import Organisation
from holdspace.accounts.zones import organisation_clock
from holdspace.demo.facilitators import seed_facilitators
from holdspace.demo.integration import seed_integration
from holdspace.demo.inventory import seed_count, seed_lots
from holdspace.demo.journals import seed_demo_journals
from holdspace.demo.measures import seed_measures, seed_sharing
from holdspace.demo.people import DEMO_PASSWORD, seed_people
from holdspace.demo.preparation import seed_preparation
from holdspace.demo.progress import seed_demo_progress
from holdspace.demo.readings import seed_demo_readings
from holdspace.demo.reminders import seed_demo_reminders
from holdspace.demo.schemas import People, load
from holdspace.demo.sessions import seed_sessions
from holdspace.demo.today import seed_demo_today

__all__ = ["DEMO_PASSWORD", "demo_loaded", "seed_demo"]


def demo_loaded() -> bool:
    """Whether every organisation of the demo's people.toml is in the database."""
    slugs = {demo.slug for demo in load("people", People).organisations}
    return Organisation.objects.filter(slug__in=slugs).count() == len(slugs)


@transaction.atomic
def seed_demo() -> None:
    seed_people()
    for organisation in Organisation.objects.filter(slug__startswith="demo-"):
        # Each practice's day and hours on its own clock: sessions at 10:00 there.
        with organisation_clock(organisation):
            _seed_journey(organisation)


def _seed_journey(organisation: Organisation) -> None:
    seed_measures(organisation)
    seed_facilitators(organisation)
    if seed_preparation(organisation):
        seed_lots(organisation)
        seed_sessions(organisation)
        seed_count(organisation)
    seed_integration(organisation)
    seed_sharing(organisation)
    seed_demo_journals(organisation)
    seed_demo_readings(organisation)
    seed_demo_progress(organisation)
    seed_demo_reminders(organisation)
    seed_demo_today(organisation)
