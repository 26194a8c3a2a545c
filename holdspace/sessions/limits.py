"""The profile's limits, worded for people: a dose over the limit, too few facilitators."""

from __future__ import annotations

from django.utils.translation import gettext as _

from holdspace.screening.profiles import DoseLimit, Profile


def limit_message(limit: DoseLimit, what: str, mg: float, ceiling: float) -> str:
    return _("%(what)s of %(mg)s mg is over the limit of %(limit)s %(unit)s (%(source)s).") % {
        "what": what,
        "mg": f"{mg:g}",
        "limit": f"{ceiling:g}",
        "unit": limit.unit,
        "source": limit.source,
    }


def ratio_problem(profile: Profile, substance: str, largest_mg: float, present: int) -> str | None:
    needed = profile.facilitators_needed(substance, largest_mg)
    if needed is None or present >= needed[0]:
        return None
    count, table = needed
    return _(
        "A largest individual dose of %(mg)s mg needs at least %(n)d facilitator(s) present "
        "for two partners; %(present)d planned (%(source)s)."
    ) % {"mg": f"{largest_mg:g}", "n": count, "present": present, "source": table.source}
