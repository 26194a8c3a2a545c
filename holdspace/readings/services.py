"""The organisation's psychoeducation library, assignments, and reads.

Who may do what
- Staff of the organisation (org admin, clinical lead, facilitator) write and edit the library.
- The couple's care team (its facilitators and the clinical leads) assigns a reading to the
  couple (both partners) or to one partner.
- A partner sees the readings assigned to both of them or to them alone, never one assigned
  only to the other partner; opening it records when they first read it.
- Nobody sees anything of another organisation (404).
"""

from __future__ import annotations

import datetime as dt

import markdown  # type: ignore[import-untyped]
import nh3
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from holdspace.accounts.models import Membership, Organisation, Role, User
from holdspace.audit.actions import Action
from holdspace.couples.models import Couple
from holdspace.policy import (
    Viewer,
    deny,
    get_couple_for,
    is_care_team_of,
    is_partner_of,
    refuse,
    require_care_team,
    require_couple_people,
    viewer_for,
)
from holdspace.readings.models import Reading, ReadingAssignment, ReadingRead, Topic

MAX_TITLE = 200
MAX_SUMMARY = 300
MAX_BODY = 20_000
MAX_NOTE = 2000

# Roles that write the library of their organisation.
LIBRARY_ROLES = frozenset({Role.ORG_ADMIN, Role.CLINICAL_LEAD, Role.FACILITATOR})

# Rendering ---------------------------------------------------------------------------------

_TAGS = {
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "br",
    "hr",
    "ul",
    "ol",
    "li",
    "em",
    "strong",
    "a",
    "blockquote",
    "code",
    "pre",
}


def render_markdown(text: str) -> SafeString:
    """A reading's Markdown as HTML safe to show: only the tags above, links to http, https and
    mailto only, and every link opened without handing the page to the target."""
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        url_relative="deny",
        link_rel="noopener",
    )
    return mark_safe(cleaned)  # noqa: S308 -- sanitised by nh3 just above


# Access ------------------------------------------------------------------------------------


def can_edit_library(viewer: Viewer, organisation_id: int) -> bool:
    return viewer.role_in(organisation_id) in LIBRARY_ROLES


def can_assign_readings(viewer: Viewer, couple: Couple) -> bool:
    """A facilitator on the couple's care team, or a clinical lead."""
    return is_care_team_of(viewer, couple)


def require_readings_view(viewer: Viewer, couple: Couple) -> None:
    """The couple's readings: its partners and its care team (403 for others who see it)."""
    require_couple_people(viewer, couple, action="see the readings of")


def get_reading_for(viewer: Viewer, reading_id: int) -> Reading:
    """A reading of a library the viewer writes; anything else does not exist for them."""
    reading = (
        Reading.objects.filter(pk=reading_id, organisation_id__in=viewer.orgs_with(LIBRARY_ROLES))
        .select_related("organisation", "updated_by")
        .first()
    )
    if reading is None:
        existing = Reading.objects.filter(pk=reading_id).values_list("organisation_id", flat=True)
        organisation_id = existing.first()
        raise deny(
            viewer,
            what="reading",
            object_id=reading_id,
            organisation_id=organisation_id if viewer.role_in(organisation_id or 0) else None,
        )
    return reading


# The library -------------------------------------------------------------------------------


def _clean_reading(
    organisation_id: int,
    *,
    title: str,
    summary: str,
    body_markdown: str,
    topic: str,
    slug: str,
    reading_id: int | None = None,
) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    title = title.strip()
    summary = summary.strip()
    body_markdown = body_markdown.strip()
    if not title:
        errors["title"] = [_("Give the reading a title.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("At most %(n)d characters.") % {"n": MAX_TITLE}]
    if len(summary) > MAX_SUMMARY:
        errors["summary"] = [_("At most %(n)d characters.") % {"n": MAX_SUMMARY}]
    if not body_markdown:
        errors["body_markdown"] = [_("Write the text of the reading.")]
    elif len(body_markdown) > MAX_BODY:
        errors["body_markdown"] = [_("At most %(n)d characters.") % {"n": MAX_BODY}]
    if topic not in Topic.values:
        errors["topic"] = [_("Choose a topic.")]
    slug = slugify(slug.strip() or title)[:120].strip("-")
    if not slug and "title" not in errors:
        errors["slug"] = [_("Give a short name of letters, digits and hyphens.")]
    elif slug:
        taken = Reading.objects.filter(organisation_id=organisation_id, slug=slug)
        if reading_id is not None:
            taken = taken.exclude(pk=reading_id)
        if taken.exists():
            errors["slug"] = [_("Another reading of the library already has this short name.")]
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "summary": summary,
        "body_markdown": body_markdown,
        "topic": topic,
        "slug": slug,
    }


def reading_create(
    *,
    viewer: Viewer,
    organisation: Organisation,
    title: str,
    summary: str,
    body_markdown: str,
    topic: str,
    slug: str = "",
) -> Reading:
    if not can_edit_library(viewer, organisation.pk):
        raise refuse(
            viewer,
            action="write the library of",
            what="organisation",
            object_id=organisation.pk,
            organisation_id=organisation.pk,
        )
    values = _clean_reading(
        organisation.pk,
        title=title,
        summary=summary,
        body_markdown=body_markdown,
        topic=topic,
        slug=slug,
    )
    with transaction.atomic():
        reading = Reading.objects.create(
            organisation=organisation, created_by=viewer.user, updated_by=viewer.user, **values
        )
        viewer.audit(
            Action.READING_CREATE,
            organisation_id=organisation.pk,
            object_type="reading",
            object_id=reading.pk,
            slug=reading.slug,
            topic=reading.topic,
        )
    return reading


def reading_update(
    *,
    viewer: Viewer,
    reading: Reading,
    title: str,
    summary: str,
    body_markdown: str,
    topic: str,
    slug: str = "",
    archived: bool = False,
) -> Reading:
    """Edit a reading of the library, or archive it (no longer offered for assignment; where it
    was assigned it stays readable) or bring it back."""
    if not can_edit_library(viewer, reading.organisation_id):
        raise deny(
            viewer, what="reading", object_id=reading.pk, organisation_id=reading.organisation_id
        )
    values = _clean_reading(
        reading.organisation_id,
        title=title,
        summary=summary,
        body_markdown=body_markdown,
        topic=topic,
        slug=slug,
        reading_id=reading.pk,
    )
    changed = sorted(k for k, v in values.items() if getattr(reading, k) != v)
    was_archived = reading.archived_at is not None
    if archived != was_archived:
        changed.append("archived")
    with transaction.atomic():
        for key, value in values.items():
            setattr(reading, key, value)
        if archived and not was_archived:
            reading.archived_at = timezone.now()
        elif not archived:
            reading.archived_at = None
        reading.updated_by = viewer.user
        reading.updated_at = timezone.now()
        reading.save()
        viewer.audit(
            Action.READING_EDIT,
            organisation_id=reading.organisation_id,
            object_type="reading",
            object_id=reading.pk,
            changed=changed,
        )
    return reading


# Assignments -------------------------------------------------------------------------------


def assignment_create(
    *,
    viewer: Viewer,
    couple: Couple,
    reading_id: int | str | None,
    partner_id: int | str | None = None,
    note: str = "",
) -> ReadingAssignment:
    """Give a reading of the library to the couple (PARTNER_ID empty) or to one partner.
    COUPLE must come from get_couple_for (its partners loaded)."""
    require_care_team(viewer, couple, action="assign readings to")
    errors: dict[str, list[str]] = {}
    reading: Reading | None = None
    try:
        wanted = int(reading_id) if reading_id not in (None, "") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        wanted = None
    if wanted is not None:
        reading = Reading.objects.filter(organisation_id=couple.organisation_id, pk=wanted).first()
    if reading is None:
        errors["reading_id"] = [_("Choose a reading from your organisation's library.")]
    elif reading.archived_at is not None:
        errors["reading_id"] = [_("This reading is archived and can no longer be assigned.")]
    partner: int | None = None
    if partner_id not in (None, "", "both"):
        try:
            partner = int(partner_id)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            partner = -1
        if partner not in {p.user_id for p in couple.loaded_partners}:
            errors["partner_id"] = [_("Choose both partners, or one of the two.")]
    note = note.strip()
    if len(note) > MAX_NOTE:
        errors["note"] = [_("At most %(n)d characters.") % {"n": MAX_NOTE}]
    if reading is not None and not errors:
        given = ReadingAssignment.objects.filter(couple=couple, reading=reading)
        if given.filter(partner__isnull=True).exists() or (
            partner is not None and given.filter(partner_id=partner).exists()
        ):
            errors["reading_id"] = [_("This reading is already assigned to them.")]
    if errors:
        raise ValidationError(errors)
    assert reading is not None
    with transaction.atomic():
        assignment = ReadingAssignment.objects.create(
            organisation_id=couple.organisation_id,
            couple=couple,
            reading=reading,
            partner_id=partner,
            assigned_by=viewer.user,
            note=note,
        )
        viewer.audit(
            Action.READING_ASSIGN,
            organisation_id=couple.organisation_id,
            object_type="reading_assignment",
            object_id=assignment.pk,
            couple_id=couple.pk,
            reading=reading.pk,
            partner=partner or "both",
        )
    return assignment


def assignment_is_for(assignment: ReadingAssignment, user_id: int) -> bool:
    return assignment.partner_id is None or assignment.partner_id == user_id


def reading_mark_read(
    *, viewer: Viewer, couple: Couple, assignment: ReadingAssignment
) -> tuple[ReadingRead, bool]:
    """A partner the reading is assigned to has read it: recorded the first time only. Returns
    the read and whether it was new."""
    if not is_partner_of(viewer, couple):
        raise refuse(
            viewer,
            action="mark as read",
            what="reading_assignment",
            object_id=assignment.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    if assignment.couple_id != couple.pk or not assignment_is_for(assignment, viewer.user.pk):
        raise deny(
            viewer,
            what="reading_assignment",
            object_id=assignment.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    with transaction.atomic():
        read, created = ReadingRead.objects.get_or_create(
            assignment=assignment,
            partner=viewer.user,
            defaults={"organisation_id": couple.organisation_id},
        )
        viewer.audit(
            Action.READING_MARK_READ,
            organisation_id=couple.organisation_id,
            object_type="reading_assignment",
            object_id=assignment.pk,
            couple_id=couple.pk,
            reading=assignment.reading_id,
            first=created,
        )
    return read, created


def reading_open(
    *, viewer: Viewer, couple: Couple, assignment: ReadingAssignment
) -> ReadingRead | None:
    """Someone opened an assigned reading: a partner's read is recorded (once); the care team
    looking at what they assigned is audited and records nothing."""
    if is_partner_of(viewer, couple):
        read, _created = reading_mark_read(viewer=viewer, couple=couple, assignment=assignment)
        return read
    viewer.audit(
        Action.READING_VIEW,
        organisation_id=couple.organisation_id,
        object_type="reading_assignment",
        object_id=assignment.pk,
        couple_id=couple.pk,
    )
    return None


# The demo ----------------------------------------------------------------------------------

_DEMO_READINGS: tuple[tuple[str, str, str, str], ...] = (
    (
        "Preparing for your session",
        Topic.PREPARING,
        "What to think about in the days before a medicine session, and what to bring.",
        """\
The days before a medicine session are part of the work, not a waiting room. What you notice
and decide now shapes how safe and open the day itself can feel. None of this needs to be
perfect; it only needs some of your attention.

## Your intentions

An intention is a direction, not a goal to reach. It might be a question ("What am I
protecting when I go quiet?") or a wish ("I want to hear my partner without getting ready to
defend myself"). Each of you holds your own intentions, and you also share one as a couple.

- Write your intention in a sentence or two, in your own words.
- Hold it loosely. The session may take you somewhere else, and that is allowed.
- Tell your facilitator about anything you feel unsure of or afraid to name.

## In the days before

- Follow the guidance your care team gave you about medicines, food and alcohol. If anything
  has changed since your screening (a new prescription, an illness, a possible pregnancy),
  tell your care team before the session, not on the day.
- Sleep as well as you can, and keep the day before quiet if possible.
- Try not to start hard conversations with your partner the night before. Note them down and
  bring them to your facilitator instead.

## On the day

- Wear comfortable layers. Bring what helps you feel at home: a blanket, an eye mask, a photo.
- Check that the person taking you home knows when to come. You will not drive yourself.
- Leave your phone switched off, or with your facilitator.

## What the session may be like

Some people feel a great deal; some feel very little for long stretches. Both are common, and
neither means it is "not working". Hard feelings may rise: grief, fear, anger, tenderness.
Your facilitators are with you the whole time. You can ask for water, for the kind of touch
you agreed to beforehand, or simply for someone to sit beside you.

You can always say "I need help" or "I need a moment". You and your partner agreed how you
will signal each other, and your facilitators know it too.

## Afterwards

Plan for a slow evening and a gentle next day. You do not have to make sense of everything
straight away. That is what integration is for.
""",
    ),
    (
        "What integration is",
        Topic.INTEGRATION,
        "How the weeks after a session turn what came up into lasting change.",
        """\
A medicine session often opens something: a memory, a feeling you had not let yourself have,
a new way of seeing your partner. Integration is what you do with it afterwards. It is the
slower, quieter part of the work, and it is where change takes root or fades.

## Why it matters

Insights in a session can feel complete and obvious. A week later ordinary life returns:
work, family, old habits, the same argument about the dishes. Without attention, even a
powerful experience can shrink into a story you once had. Integration gives it a place in
your everyday life.

## What integration looks like

There is no single method. For most couples it includes some of these:

- **Making meaning.** Putting into words what happened, at your own pace: writing in your
  journal, drawing, or telling your facilitator.
- **Integration sessions.** Meeting your care team, together and sometimes alone, to talk
  about what came up and what you want to do with it.
- **Commitments.** Small, concrete things you choose to do, such as a weekly check-in or a way
  of repairing after an argument. Small and kept is better than grand and dropped.
- **Checking in.** Noticing, week by week, what is changing and what is sliding back.

## What to expect

Integration is rarely a straight line. Some days the session feels close and clear; on
others it seems far away. Old patterns may come back, sometimes louder at first. That is not
failure. It is often the moment when what you learned can be practised.

Difficult material can also surface days or weeks later: memories, low mood, poor sleep,
feeling raw. Tell your care team if this happens. It is part of what they are there for, and
you do not need to wait for your next appointment.

## Looking after yourselves

- Keep the weeks after a session as gentle as you can.
- Be patient with your partner's pace; it may differ from yours.
- Protect the time you set aside for each other.
- Reach out if you are struggling. If you are ever in danger or in crisis, call your local
  emergency number or a crisis line.

Integration has no deadline. Many couples find that what matters most becomes clear only
over months.
""",
    ),
    (
        "Talking with your partner about the experience",
        Topic.COMMUNICATION,
        "Ways to share what happened in the session, and to listen, without losing each other.",
        """\
After a session, some partners want to share everything at once and some want to share
nothing yet. Both are understandable. Your experiences were different, even if you were in
the same room. These suggestions can help you talk about them without the conversation
turning into a debate about whose experience was right.

## Before you talk

- Ask rather than assume: "Would you like to talk about the session tonight, or another
  time?"
- Choose a time with no rush and no screens: a walk, the kitchen table, your regular
  check-in.
- You decide what to share. What you write in your journal stays private unless you choose
  otherwise, and the same is true of what you say.

## When you are sharing

- Speak from your own experience: "I felt…", "I noticed…", "What came up for me was…".
- Start small. One image, one feeling or one moment is enough.
- If something that came up concerns your partner and may be painful to hear, consider
  taking it first to your facilitator, or to a joint integration session where you both have
  support.

## When you are listening

- Listen to understand, not to reply. Let silences be.
- Say back what you heard: "It sounds like you felt alone for a long time."
- Hold off on correcting the story or explaining yourself. There will be time for your side.
- Thank your partner for telling you. Sharing something raw takes courage.

## When it gets hard

Old patterns may show up in these talks: one of you withdrawing and the other pursuing,
defensiveness, the familiar fight. That is normal, and noticing it is already a step.

- Agree on a word or gesture that means "I need a pause".
- Come back to the conversation within a day, so that a pause does not become avoidance.
- Bring what got stuck to your next integration session.

## A short practice

Once a week, take twenty minutes. Each of you speaks for five minutes, without interruption,
about one thing from the session that is still with you. The other listens, then says back
what they heard. Spend the last ten minutes on what, if anything, you would like to do
differently this week.

Keep it kind and keep it short. Being heard matters more than finishing the story.
""",
    ),
)


def _unwrap(text: str) -> str:
    """The demo texts are wrapped to fit this file; staff write a paragraph or a list item on
    one line, so the editor shows them that way."""
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
    by_title: dict[str, Reading] = {}
    for title, topic, summary, body in _DEMO_READINGS:
        found = Reading.objects.filter(organisation=organisation, slug=slugify(title)).first()
        by_title[title] = found or reading_create(
            viewer=writer,
            organisation=organisation,
            title=title,
            summary=summary,
            body_markdown=_unwrap(body),
            topic=topic,
        )
    now = timezone.now()
    plans: dict[str, list[tuple[str, int | None, int, dict[int, int]]]] = {
        # (reading, partner slot index or None for both, days ago, {slot index: read days ago})
        "Riley & Jordan": [
            ("Preparing for your session", None, 40, {1: 38, 0: 35}),
            ("What integration is", None, 26, {1: 24}),
            ("Talking with your partner about the experience", 0, 9, {}),
        ],
        "Alex & Sam": [("Preparing for your session", None, 3, {})],
    }
    for name, plan in plans.items():
        found_couple = Couple.objects.filter(organisation=organisation, name=name).first()
        if found_couple is None or ReadingAssignment.objects.filter(couple=found_couple).exists():
            continue
        team = found_couple.care_team.select_related("user").order_by("id").first()
        assigner = viewer_for(team.user if team is not None else author)
        if not can_assign_readings(assigner, get_couple_for(assigner, found_couple.pk)):
            assigner = writer
        couple = get_couple_for(assigner, found_couple.pk)
        partners = [p.user_id for p in couple.loaded_partners]
        for title, slot, days_ago, reads in plan:
            if slot is not None and slot >= len(partners):
                continue
            assignment = assignment_create(
                viewer=assigner,
                couple=couple,
                reading_id=by_title[title].pk,
                partner_id=partners[slot] if slot is not None else None,
                note=_DEMO_NOTES.get(title, ""),
            )
            ReadingAssignment.objects.filter(pk=assignment.pk).update(
                assigned_at=now - dt.timedelta(days=days_ago)
            )
            for index, read_days_ago in reads.items():
                if index < len(partners):
                    ReadingRead.objects.create(
                        organisation=organisation,
                        assignment=assignment,
                        partner_id=partners[index],
                        read_at=now - dt.timedelta(days=read_days_ago, hours=3),
                    )


_DEMO_NOTES = {
    "Preparing for your session": "Read this together if you can, before our next preparation "
    "session.",
    "What integration is": "For the weeks after your session. Bring any questions to our next "
    "integration session.",
    "Talking with your partner about the experience": "Riley, you wondered how to tell Jordan "
    "what you understood in the session. This may help.",
}
