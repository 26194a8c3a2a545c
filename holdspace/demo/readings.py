"""The demo library and its assignments: data/readings.toml names each reading and who was
given it when; data/readings/<slug>.md holds its text."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from django.utils import timezone
from pydantic import Field

from holdspace.accounts.models import Membership, Organisation, Role, User
from holdspace.couples.models import Couple
from holdspace.lib.schemas import StrictModel, load_toml
from holdspace.policy.core import viewer_for
from holdspace.policy.couples import get_couple_for
from holdspace.policy.readings import can_assign_readings
from holdspace.readings.models import Reading, ReadingAssignment, ReadingRead, Topic
from holdspace.readings.services import assignment_create, reading_create

DATA = Path(__file__).resolve().parent / "data"


class DemoReading(StrictModel):
    title: str = Field(min_length=1)
    slug: str = Field(pattern=r"^[a-z0-9-]+$")
    topic: Topic
    summary: str
    note: str = ""  # what the care team wrote when they assigned it


class DemoRead(StrictModel):
    partner: int = Field(ge=0, le=1)
    days_ago: int = Field(ge=0)


class DemoAssignment(StrictModel):
    couple: str
    reading: str  # a slug of [[readings]]
    partner: int | None = Field(default=None, ge=0, le=1)  # None: both partners
    assigned_days_ago: int = Field(ge=0)
    reads: list[DemoRead] = []


class DemoLibrary(StrictModel):
    readings: list[DemoReading]
    assignments: list[DemoAssignment]


@cache
def demo_library() -> DemoLibrary:
    return load_toml(DATA / "readings.toml", DemoLibrary)


def demo_text(slug: str) -> str:
    """A demo reading's Markdown, each paragraph and list item on one line."""
    return _unwrap((DATA / "readings" / f"{slug}.md").read_text())


def _unwrap(text: str) -> str:
    """The demo texts are wrapped to fit their files; staff write a paragraph or a list item
    on one line, so the editor shows them that way."""
    lines: list[str] = []
    for line in text.splitlines():
        starts_block = line.startswith(("- ", "#", ">")) or not line.strip()
        if lines and lines[-1].strip() and not starts_block:
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    return "\n".join(lines).strip() + "\n"


def _demo_author(organisation: Organisation) -> User | None:
    for role in (Role.CLINICAL_LEAD, Role.FACILITATOR, Role.ORG_ADMIN):
        membership = (
            Membership.objects.filter(organisation=organisation, role=role)
            .select_related("user")
            .order_by("id")
            .first()
        )
        if membership is not None:
            return membership.user
    return None


def seed_demo_readings(organisation: Organisation) -> None:
    """The demo library, and its assignments to Riley & Jordan (Jordan has read two, one is for
    Riley only) and Alex & Sam. Runs once: what exists already is left alone."""
    author = _demo_author(organisation)
    if author is None:
        return
    writer = viewer_for(author)
    library = demo_library()
    by_slug: dict[str, Reading] = {}
    for demo in library.readings:
        found = Reading.objects.filter(organisation=organisation, slug=demo.slug).first()
        by_slug[demo.slug] = found or reading_create(
            viewer=writer,
            organisation=organisation,
            title=demo.title,
            summary=demo.summary,
            body_markdown=demo_text(demo.slug),
            topic=demo.topic,
        )
    notes = {demo.slug: demo.note for demo in library.readings}
    for name in dict.fromkeys(a.couple for a in library.assignments):
        plan = [a for a in library.assignments if a.couple == name]
        _assign(organisation, author, name, plan, by_slug, notes)


def _assign(
    organisation: Organisation,
    author: User,
    name: str,
    plan: list[DemoAssignment],
    by_slug: dict[str, Reading],
    notes: dict[str, str],
) -> None:
    """PLAN's readings given to the couple called NAME by its facilitator, backdated, with the
    reads it names; nothing if the couple already has readings."""
    found = Couple.objects.filter(organisation=organisation, name=name).first()
    if found is None or ReadingAssignment.objects.filter(couple=found).exists():
        return
    team = found.care_team.select_related("user").order_by("id").first()
    assigner = viewer_for(team.user if team is not None else author)
    if not can_assign_readings(assigner, get_couple_for(assigner, found.pk)):
        assigner = viewer_for(author)
    couple = get_couple_for(assigner, found.pk)
    partners = [p.user_id for p in couple.loaded_partners]
    now = timezone.now()
    for given in plan:
        if given.partner is not None and given.partner >= len(partners):
            continue
        assignment = assignment_create(
            viewer=assigner,
            couple=couple,
            reading_id=by_slug[given.reading].pk,
            partner_id=partners[given.partner] if given.partner is not None else None,
            note=notes[given.reading],
        )
        ReadingAssignment.objects.filter(pk=assignment.pk).update(
            assigned_at=now - dt.timedelta(days=given.assigned_days_ago)
        )
        for read in given.reads:
            if read.partner < len(partners):
                ReadingRead.objects.create(
                    organisation=organisation,
                    assignment=assignment,
                    partner_id=partners[read.partner],
                    read_at=now - dt.timedelta(days=read.days_ago, hours=3),
                )
