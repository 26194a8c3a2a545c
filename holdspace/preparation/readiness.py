"""The readiness gate: what the organisation's profile requires of each partner before a
medicine session, done or missing, and the couple's stage that follows from the records.

Every requirement comes from the profile: its required forms, its preparation sessions and
their timing window, intentions where it asks for them, and an eligible (or overridden)
screening for the substance. Nothing here names a jurisdiction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from holdspace.bookings.models import BookingStatus
from holdspace.couples.models import Couple, Entry, EntryKind, Partner, Stage, Visibility
from holdspace.facilitators.models import GuideReview
from holdspace.preparation.clientdata import is_complete
from holdspace.preparation.documents import document_for
from holdspace.preparation.models import (
    PartnerForm,
    PreparationKind,
    PreparationSession,
    PreparationStatus,
    Signature,
)
from holdspace.preparation.signatures.gate import newest_signatures
from holdspace.screening.models import TALK_IT_THROUGH, Decision, Screening
from holdspace.screening.profiles import Profile, RequiredForm, get_profile
from holdspace.screening.selectors import latest_screenings
from holdspace.sessions.models import MedicineSession, SessionStatus


@dataclass(frozen=True)
class Item:
    """One requirement: `code` is stable and machine-readable (`screening`,
    `form:transportation_plan`, `preparation_private`, `preparation_joint`, `intention`)."""

    code: str
    label: str
    done: bool
    detail: str
    source: str
    unverified: bool = False
    # What the web UI links to for completing it: a form kind, "screening", "preparation"…
    action: str = ""
    # The record behind it, where there is one (the screening the decision comes from).
    record_id: int | None = None
    # What the partner is told instead of DETAIL, where it differs (a decision not eligible).
    partner_detail: str = ""
    # Not done, but nothing for the partner to do: answered, and with the care team (a
    # screening needing a clinical lead's decision, or not eligible).
    with_care_team: bool = False
    # The document a signed form's item is signed on (its code).
    document: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "label": self.label,
            "done": self.done,
            "detail": self.detail,
            "source": self.source,
            "unverified": self.unverified,
            "with_care_team": self.with_care_team,
        }


@dataclass(frozen=True)
class PartnerReadiness:
    partner: Partner
    items: list[Item]

    @property
    def ready(self) -> bool:
        return all(item.done for item in self.items)

    @property
    def missing(self) -> list[Item]:
        return [item for item in self.items if not item.done]

    @property
    def to_do(self) -> list[Item]:
        """What is missing that the partner can do something about (not what waits on the
        care team)."""
        return [item for item in self.missing if not item.with_care_team]


@dataclass(frozen=True)
class Readiness:
    couple: Couple
    profile: Profile
    substance: str
    at: dt.datetime | None
    partners: list[PartnerReadiness]
    couple_items: list[Item] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return all(p.ready for p in self.partners) and all(i.done for i in self.couple_items)

    def missing(self) -> list[dict[str, object]]:
        """What stands between the couple and a medicine session, machine-readable."""
        rows: list[dict[str, object]] = []
        for partner in self.partners:
            for item in partner.missing:
                rows.append(
                    {
                        "partner_id": partner.partner.user_id,
                        "partner_name": partner.partner.user.display_name,
                        **item.as_dict(),
                    }
                )
        for item in self.couple_items:
            if not item.done:
                rows.append({"partner_id": None, "partner_name": None, **item.as_dict()})
        return rows


def _when(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "j M Y, H:i")


def _screening_item(screening: Screening | None, substance: str, profile: Profile) -> Item:
    form = profile.required("client_information")
    label = form.name if form else _("Screening")
    source = form.source if form else profile.substances_source.source
    if screening is None:
        return Item("screening", label, False, _("Not completed yet."), source, action="screening")
    decision = screening.effective_decision
    override = getattr(screening, "latest_override", None)
    record = screening.pk
    if decision == Decision.ELIGIBLE:
        detail = (
            _("Eligible after review by %(name)s.") % {"name": override.decided_by.display_name}
            if override
            else _("Eligible.")
        )
        return Item("screening", label, True, detail, source, action="screening", record_id=record)
    detail = {
        Decision.REVIEW: _("Answered, awaiting a clinical lead's decision before a session."),
        Decision.EXCLUDED: _("Not eligible for %(substance)s.") % {"substance": substance},
    }[Decision(decision)]
    return Item(
        "screening",
        label,
        False,
        detail,
        source,
        action="screening",
        record_id=record,
        partner_detail=_("Answered. %(talk)s") % {"talk": TALK_IT_THROUGH},
        with_care_team=True,
    )


def _private_item(
    sessions: list[PreparationSession], profile: Profile, at: dt.datetime | None
) -> Item:
    """Private preparation: enough sessions held, and (where the profile sets a window) one
    held in the window before a session at AT, or, without AT, recent enough now."""
    prep = profile.preparation
    needed = prep.private_sessions_per_partner
    if len(sessions) < needed:
        return _private(
            profile,
            False,
            _("%(held)d of %(needed)d held.") % {"held": len(sessions), "needed": needed},
        )
    if not sessions or (prep.min_hours_before is None and prep.max_days_before is None):
        return _private(profile, True, "")
    if at is not None:
        return _private_before(sessions, profile, at)
    return _private_now(sessions[0], profile)


def _private(profile: Profile, done: bool, detail: str) -> Item:
    prep = profile.preparation
    return Item(
        "preparation_private",
        _("Private preparation session"),
        done,
        detail,
        prep.source,
        prep.unverified,
        action="" if done else "preparation",
    )


def _window(profile: Profile) -> tuple[dt.timedelta, dt.timedelta | None]:
    """How long before a medicine session private preparation must be held: at least, at most."""
    prep = profile.preparation
    earliest = dt.timedelta(hours=prep.min_hours_before or 0)
    latest = dt.timedelta(days=prep.max_days_before) if prep.max_days_before else None
    return earliest, latest


def _private_before(sessions: list[PreparationSession], profile: Profile, at: dt.datetime) -> Item:
    """For a session at AT: one private preparation held within the window before it."""
    prep = profile.preparation
    earliest, latest = _window(profile)
    fits = [
        s
        for s in sessions
        if s.held_at <= at - earliest and (latest is None or s.held_at >= at - latest)
    ]
    if fits:
        return _private(profile, True, _("Held %(when)s.") % {"when": _when(fits[0].held_at)})
    return _private(
        profile,
        False,
        _(
            "The session must fall at least %(hours)s hours and at most %(days)s days after "
            "private preparation; the latest was held %(when)s."
        )
        % {
            "hours": f"{prep.min_hours_before or 0:g}",
            "days": f"{prep.max_days_before:g}" if prep.max_days_before else "∞",
            "when": _when(sessions[0].held_at),
        },
    )


def _private_now(newest: PreparationSession, profile: Profile) -> Item:
    """Without a session time: the newest private preparation, and when a session may be."""
    earliest, latest = _window(profile)
    if latest is not None and newest.held_at + latest < timezone.now():
        return _private(
            profile,
            False,
            _("The latest, %(when)s, is more than %(days)s days ago: hold another.")
            % {"when": _when(newest.held_at), "days": f"{profile.preparation.max_days_before:g}"},
        )
    window = _("Held %(when)s; a medicine session may start from %(start)s") % {
        "when": _when(newest.held_at),
        "start": _when(newest.held_at + earliest),
    }
    if latest is not None:
        window += _(" until %(end)s") % {"end": _when(newest.held_at + latest)}
    return _private(profile, True, window + ".")


@dataclass(frozen=True)
class _Records:
    """What the gate reads of one couple, each in one query: the newest version of each
    partner's forms, the preparation sessions (newest first), who shared an intention, and each
    partner's newest decision on each facilitator."""

    forms: dict[tuple[int, str], PartnerForm]
    signatures: dict[tuple[int, str], Signature]
    sessions: list[PreparationSession]
    intentions: set[int]
    approvals: dict[tuple[int, int], str]

    @classmethod
    def load(cls, couple: Couple, profile: Profile) -> _Records:
        forms: dict[tuple[int, str], PartnerForm] = {}
        for record in PartnerForm.objects.filter(
            organisation_id=couple.organisation_id, couple=couple
        ).order_by("-created_at", "-id"):
            forms.setdefault((record.partner_id, record.kind), record)
        sessions = list(
            # Only sessions held count; one booked ahead or cancelled prepares no one.
            PreparationSession.objects.filter(
                organisation_id=couple.organisation_id,
                couple=couple,
                status=PreparationStatus.HELD,
            ).order_by("-held_at", "-id")
        )
        intentions = set(
            Entry.objects.filter(
                organisation_id=couple.organisation_id,
                couple=couple,
                kind__in=[EntryKind.INTENTION, EntryKind.SHARED_INTENTION],
                visibility__in=[Visibility.TEAM, Visibility.COUPLE],
            ).values_list("author_id", flat=True)
        )
        approvals: dict[tuple[int, int], str] = {}
        if profile.facilitators.approval_required:
            for review in GuideReview.objects.filter(
                organisation_id=couple.organisation_id, couple=couple
            ).order_by("-created_at", "-id"):
                approvals.setdefault((review.partner_id, review.facilitator_id), review.decision)
        return cls(forms, newest_signatures(couple), sessions, intentions, approvals)


def readiness(
    couple: Couple, *, at: dt.datetime | None = None, substance: str | None = None
) -> Readiness:
    """Every requirement of the couple's profile for each partner, done or missing, for a
    session at AT (or, without AT, as of now). COUPLE must come from Couple.with_people."""
    profile = get_profile(couple.organisation.profile)
    if substance is None:
        recent = max(latest_screenings(couple).values(), key=lambda s: s.created_at, default=None)
        substance = (
            recent.substance
            if recent and recent.substance in profile.substances
            else profile.substances[0]
        )
    screenings = latest_screenings(couple, substance)
    records = _Records.load(couple, profile)
    team = [(m.user_id, m.user.display_name) for m in couple.loaded_care_team]
    result = [
        PartnerReadiness(
            partner,
            [
                _screening_item(screenings.get(partner.user_id), substance, profile),
                *_form_items(partner, profile, records),
                *_preparation_items(partner, profile, records, at),
                *_guide_items(partner, profile, records, team),
            ],
        )
        for partner in couple.loaded_partners
    ]
    return Readiness(couple, profile, substance, at, result, _couple_items(profile, records, at))


def _form_items(partner: Partner, profile: Profile, records: _Records) -> list[Item]:
    """One item per form the profile requires (the screening has its own; a per-session form
    is signed for each session's booking, and gates that session instead)."""
    items = []
    for form in profile.required_forms:
        if form.code == "client_information" or form.per_session:
            continue
        if form.signed:
            items.append(_signed_item(partner, profile, form, records))
            continue
        found = records.forms.get((partner.user_id, form.code))
        if form.code == "demographic_form" and profile.client_data is not None:
            items.append(_client_data_item(form, found))
            continue
        detail = (
            _("Completed %(when)s.") % {"when": _when(found.created_at)}
            if found
            else _("Not completed yet.")
        )
        items.append(
            Item(
                f"form:{form.code}",
                form.name,
                found is not None,
                detail,
                form.source,
                form.unverified,
                action=form.code,
            )
        )
    return items


def _client_data_item(form: RequiredForm, found: PartnerForm | None) -> Item:
    """The coded client data form: done once stored in the coded shape with the written
    confirmation that the opt-out was offered (a partner who opted out is done). A row from
    before the form was coded (free text) is not: the partner answers the coded form again."""
    done = found is not None and is_complete(found.data)
    if found is None:
        detail = _("Not completed yet.")
    elif not done:
        detail = _(
            "Answered %(when)s before the form was coded: the coded form is needed again."
        ) % {"when": _when(found.created_at)}
    elif found.data.get("withheld"):
        detail = _("Completed %(when)s; withheld from the state report.") % {
            "when": _when(found.created_at)
        }
    else:
        detail = _("Completed %(when)s.") % {"when": _when(found.created_at)}
    legacy = found is not None and not done
    return Item(
        f"form:{form.code}",
        form.name,
        done,
        detail,
        form.source,
        form.unverified,
        action=form.code,
        record_id=found.pk if found else None,
        partner_detail=(
            _("You answered this before it used set answers: please fill it in once more.")
            if legacy
            else ""
        ),
    )


def _signed_item(partner: Partner, profile: Profile, form: RequiredForm, records: _Records) -> Item:
    """A signed form: done only with the partner's signature of the current version."""
    current = document_for(profile, form)
    found = records.signatures.get((partner.user_id, form.code))
    done = found is not None and found.version == current.version
    if found is None:
        detail = _("Not signed yet.")
    elif not done:
        detail = _("A new version of %(form)s needs your signature.") % {"form": form.name}
    else:
        detail = _("Signed %(when)s (version %(version)s).") % {
            "when": _when(found.signed_at),
            "version": found.version,
        }
        if form.code == "touch_consent":
            detail = _touch_summary(found.answers, found.signed_at)
    return Item(
        f"form:{form.code}",
        form.name,
        done,
        detail,
        form.source,
        form.unverified,
        action="sign",
        record_id=found.pk if found else None,
        document=form.code,
    )


def _preparation_items(
    partner: Partner, profile: Profile, records: _Records, at: dt.datetime | None
) -> list[Item]:
    """Private preparation and a shared intention, where the profile asks for them."""
    items = []
    own = [
        s
        for s in records.sessions
        if s.kind == PreparationKind.PRIVATE and s.partner_id == partner.user_id
    ]
    if profile.preparation.private_sessions_per_partner:
        items.append(_private_item(own, profile, at))
    if profile.preparation.intention_required:
        has = partner.user_id in records.intentions
        items.append(
            Item(
                "intention",
                _("Intention shared with the care team"),
                has,
                "" if has else _("Write an intention and share it with the care team."),
                profile.preparation.source,
                profile.preparation.unverified,
                action="intention",
            )
        )
    return items


def _guide_items(
    partner: Partner, profile: Profile, records: _Records, team: list[tuple[int, str]]
) -> list[Item]:
    """Where the profile asks for it: the partner has met and approved each facilitator."""
    if not profile.facilitators.approval_required:
        return []
    waiting = [
        name
        for uid, name in team
        if records.approvals.get((partner.user_id, uid)) != GuideReview.APPROVE
    ]
    return [
        Item(
            "guide_approval",
            _("Met and approved each facilitator"),
            bool(team) and not waiting,
            (
                _("Waiting for: %(names)s.") % {"names": ", ".join(waiting)}
                if waiting
                else (_("No facilitator on the care team yet.") if not team else "")
            ),
            profile.facilitators.source,
            profile.facilitators.unverified,
            action="guides",
        )
    ]


def _couple_items(profile: Profile, records: _Records, at: dt.datetime | None) -> list[Item]:
    """The couple's own requirements: the joint preparation sessions held by AT."""
    joint_needed = profile.preparation.joint_sessions
    if not joint_needed:
        return []
    held = sum(
        1
        for s in records.sessions
        if s.kind == PreparationKind.JOINT and (at is None or s.held_at <= at)
    )
    return [
        Item(
            "preparation_joint",
            _("Joint preparation sessions"),
            held >= joint_needed,
            _("%(held)d of %(needed)d held.") % {"held": held, "needed": joint_needed},
            profile.preparation.source,
            profile.preparation.unverified,
            action="preparation",
        )
    ]


def _touch_summary(data: dict[str, object], when: dt.datetime) -> str:
    facilitator = _("yes") if data.get("facilitator_touch") == "yes" else _("no")
    partner = _("yes") if data.get("partner_touch") == "yes" else _("no")
    return _("Signed %(when)s — facilitator touch: %(f)s; partner touch: %(p)s.") % {
        "when": _when(when),
        "f": facilitator,
        "p": partner,
    }


def stage_for(couple: Couple) -> str:
    """The couple's place in the journey, from the records."""
    if couple.stage == Stage.CLOSED:
        return Stage.CLOSED
    sessions = MedicineSession.objects.filter(
        organisation_id=couple.organisation_id, couple=couple
    ).exclude(status=SessionStatus.CANCELLED)
    # A tentative booking is not yet the medicine session: the couple is still preparing.
    sessions = sessions.exclude(booking__status=BookingStatus.TENTATIVE)
    statuses = set(sessions.values_list("status", flat=True))
    if statuses & {SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS}:
        return Stage.MEDICINE_SESSION
    if statuses & {SessionStatus.ENDED, SessionStatus.CLOSED}:
        return Stage.INTEGRATION
    latest = latest_screenings(couple)
    partner_ids = set(couple.partners.values_list("user_id", flat=True))
    if partner_ids and all(
        pid in latest and latest[pid].effective_decision == Decision.ELIGIBLE for pid in partner_ids
    ):
        return Stage.PREPARATION
    if latest:
        return Stage.SCREENING
    has_preparation = (
        PreparationSession.objects.filter(couple=couple).exists()
        or PartnerForm.objects.filter(couple=couple).exists()
        or Signature.objects.filter(couple=couple).exists()
    )
    return Stage.SCREENING if has_preparation else Stage.CONTACT
