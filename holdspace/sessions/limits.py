"""The profile's limits, worded for people: a dose over the limit, too few facilitators, a
minimum duration not yet passed."""

from __future__ import annotations

from django.utils.translation import gettext as _

from holdspace.lib.citations import citation
from holdspace.screening.profiles import SUBSTANCE_LABELS, DoseLimit, Profile


def limit_message(limit: DoseLimit, what: str, mg: float, ceiling: float) -> str:
    return _("%(what)s of %(mg)s mg is over the limit of %(limit)s %(unit)s%(source)s.") % {
        "what": what,
        "mg": f"{mg:g}",
        "limit": f"{ceiling:g}",
        "unit": limit.unit,
        "source": cited(limit.source),
    }


def ratio_problem(profile: Profile, substance: str, largest_mg: float, present: int) -> str | None:
    needed = profile.facilitators_needed(substance, largest_mg)
    if needed is None or present >= needed[0]:
        return None
    count, table = needed
    return _(
        "A largest individual dose of %(mg)s mg needs at least %(n)d facilitator(s) present "
        "for two partners; %(present)d planned%(source)s."
    ) % {"mg": f"{largest_mg:g}", "n": count, "present": present, "source": cited(table.source)}


def cited(source: str) -> str:
    """ " (OAR 333-333-5250)": a rule's references for the end of a refusal, or nothing when
    its source names none."""
    references = citation(source, short=True)
    return f" ({references})" if references else ""


def hours_text(minutes: float) -> str:
    """MINUTES as people read a duration: "2 h 14 min", "6 min"."""
    hours, rest = divmod(max(0, int(minutes)), 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def substance_words(substance: str) -> str:
    """The substance inside a sentence: "psilocybin", "MDMA"."""
    label = SUBSTANCE_LABELS.get(substance, substance)
    return label if label.isupper() else label.lower()


def minimum_duration_problem(
    *,
    minimum: int,
    elapsed: float,
    mg: float,
    substance: str,
    source: str,
    planned: bool = False,
) -> str | None:
    """Why ELAPSED minutes since the first dose are too few for the profile's MINIMUM, or None."""
    if elapsed >= minimum:
        return None
    words = {
        "minimum": hours_text(minimum),
        "mg": f"{mg:g}",
        "substance": substance_words(substance),
        "elapsed": hours_text(elapsed),
        "source": cited(source),
    }
    if planned:
        return (
            _(
                "Minimum duration: %(minimum)s from the first dose, for the %(mg)s mg "
                "%(substance)s planned, has not passed; %(elapsed)s so far%(source)s."
            )
            % words
        )
    return (
        _(
            "Minimum duration: %(minimum)s from the first dose, for %(mg)s mg %(substance)s "
            "given, has not passed; %(elapsed)s so far%(source)s."
        )
        % words
    )
