"""Writing the organisation's psychoeducation library, assigning its readings, and recording
who read them. Who may do which is decided in holdspace/policy/readings.py."""

from __future__ import annotations

import markdown  # type: ignore[import-untyped]
import nh3
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from holdspace.accounts.models import Organisation
from holdspace.audit.actions import Action
from holdspace.couples.models import Couple
from holdspace.policy.core import Viewer
from holdspace.policy.readings import (
    reads_as_partner,
    require_library_write,
    require_reading_assign,
    require_reading_edit,
    require_reading_mark_read,
)
from holdspace.readings.models import Reading, ReadingAssignment, ReadingRead, Topic

MAX_TITLE = 200
MAX_SUMMARY = 300
MAX_BODY = 20_000
MAX_NOTE = 2000

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
    require_library_write(viewer, organisation)
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
            reading,
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
    require_reading_edit(viewer, reading)
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
            reading,
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
    require_reading_assign(viewer, couple)
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
            assignment,
            reading=reading.pk,
            partner=partner or "both",
        )
    return assignment


def reading_mark_read(
    *, viewer: Viewer, couple: Couple, assignment: ReadingAssignment
) -> tuple[ReadingRead, bool]:
    """A partner the reading is assigned to has read it: recorded the first time only. Returns
    the read and whether it was new."""
    require_reading_mark_read(viewer, couple, assignment)
    with transaction.atomic():
        read, created = ReadingRead.objects.get_or_create(
            assignment=assignment,
            partner=viewer.user,
            defaults={"organisation_id": couple.organisation_id},
        )
        viewer.audit(
            Action.READING_MARK_READ,
            assignment,
            reading=assignment.reading_id,
            first=created,
        )
    return read, created


def reading_open(
    *, viewer: Viewer, couple: Couple, assignment: ReadingAssignment
) -> ReadingRead | None:
    """Someone opened an assigned reading: a partner's read is recorded (once); the care team
    looking at what they assigned records nothing (the selector `reading_page` audits it)."""
    if not reads_as_partner(viewer, couple):
        return None
    read, _created = reading_mark_read(viewer=viewer, couple=couple, assignment=assignment)
    return read
