"""The product ledger: who sees an organisation's lots and who changes them.

- Clinical leads and org admins of the organisation manage the ledger: receive lots, change a
  lot's status, record waste, returns and adjustments, reconcile a count
  (`require_ledger_manage`, 403 audited for the facilitators who see it).
- Facilitators of the organisation see its lots and their ledger, and record doses from them
  in a medicine session (`can_dose_from`; the session's own policy decides the rest).
- Partners, researchers and people of other organisations see none of it: an organisation's
  ledger page or list is refused (403, audited, `core.organisation_for`); a lot they ask for is
  a 404 exactly like one that does not exist (`get_lot_for`, audited).
- A witness to waste is another active member of the organisation's staff who may see the
  ledger, never the person recording it (`ledger_witnesses`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.accounts.models import Membership, Organisation, Role, User
from holdspace.inventory.models import Lot
from holdspace.policy.core import Viewer, denial_chain, deny, organisation_for, refuse

LEDGER_MANAGERS = frozenset({Role.CLINICAL_LEAD, Role.ORG_ADMIN})
LEDGER_READERS = LEDGER_MANAGERS | {Role.FACILITATOR}
# Who gives a dose in a medicine session (its care team: facilitators and clinical leads).
DOSE_GIVERS = frozenset({Role.FACILITATOR, Role.CLINICAL_LEAD})


def ledger_organisations(viewer: Viewer) -> list[int]:
    """The organisations whose ledger VIEWER may open (the navigation links it)."""
    return sorted(viewer.orgs_with(LEDGER_READERS))


def can_manage_ledger(viewer: Viewer, organisation_id: int) -> bool:
    return viewer.role_in(organisation_id) in LEDGER_MANAGERS


def ledger_organisation_for(
    viewer: Viewer, requested: object, *, manage: bool = False, attempted: str = "read"
) -> Organisation:
    """The organisation whose ledger is asked for (`?org=`), or the viewer's first where they
    may see it (MANAGE: change it); 403, audited, for anyone else. Activates its time zone."""
    roles = LEDGER_MANAGERS if manage else LEDGER_READERS
    return organisation_for(viewer, requested, roles, what="ledger", attempted=attempted)


def ledger_organisation_of_call(
    viewer: Viewer, organisation_id: int | None, *, manage: bool = False, attempted: str = "read"
) -> Organisation:
    """The organisation an API call about the ledger means: ORGANISATION_ID, or the caller's
    only organisation whose ledger they see (422 asking to choose when there are several);
    403, audited, for anyone else."""
    if organisation_id is None:
        readable = ledger_organisations(viewer)
        if len(readable) > 1:
            raise ValidationError(
                {
                    "organisation_id": _(
                        "You see the ledger of several organisations: choose one with "
                        "organisation_id (%(ids)s)."
                    )
                    % {"ids": ", ".join(str(i) for i in readable)}
                }
            )
    return ledger_organisation_for(
        viewer, organisation_id or "", manage=manage, attempted=attempted
    )


def lots_visible_to(viewer: Viewer, organisation_id: int) -> QuerySet[Lot]:
    """ORGANISATION_ID's lots for someone who may see its ledger; none for anyone else."""
    if viewer.role_in(organisation_id) not in LEDGER_READERS:
        return Lot.objects.none()
    return Lot.objects.filter(organisation_id=organisation_id)


def get_lot_for(viewer: Viewer, lot_id: int, *, organisation_id: int | None = None) -> Lot:
    """Lot LOT_ID (of ORGANISATION_ID when given) for someone who may see its ledger; a 404,
    audited, for anyone else and for a lot that does not exist. Activates its organisation's
    time zone."""
    lot = (
        Lot.objects.select_related("organisation", "received_by").filter(pk=lot_id).first()
        if 0 < lot_id < 2**63
        else None
    )
    if (
        lot is None
        or viewer.role_in(lot.organisation_id) not in LEDGER_READERS
        or (organisation_id is not None and lot.organisation_id != organisation_id)
    ):
        found_in = lot.organisation_id if lot is not None else organisation_id
        raise deny(
            viewer, what="lot", object_id=lot_id, organisation_id=denial_chain(viewer, found_in)
        )
    timezone.activate(lot.organisation.tzinfo)
    return lot


def require_ledger_manage(viewer: Viewer, organisation_id: int, *, action: str) -> None:
    """Receiving, a status, a movement or a count: the organisation's clinical leads and org
    admins (403, audited, for the facilitators who see the ledger)."""
    if not can_manage_ledger(viewer, organisation_id):
        raise refuse(
            viewer,
            action=action,
            what="ledger",
            object_id=organisation_id,
            organisation_id=denial_chain(viewer, organisation_id),
        )


def can_dose_from(viewer: Viewer, lot: Lot) -> bool:
    """Whether VIEWER may give a dose from LOT: its organisation's facilitators and clinical
    leads (whether the lot can be dosed from, and the session's care team, are checked by the
    dose's own rules)."""
    return viewer.role_in(lot.organisation_id) in DOSE_GIVERS


def ledger_witnesses(organisation_id: int) -> QuerySet[User]:
    """Who may witness waste in ORGANISATION_ID: its active staff who see the ledger (the
    recorder is excluded by the caller)."""
    return (
        User.objects.filter(
            memberships__organisation_id=organisation_id,
            memberships__role__in=LEDGER_READERS,
            memberships__deactivated_at__isnull=True,
            is_active=True,
        )
        .distinct()
        .order_by("display_name", "pk")
    )


def is_ledger_witness(organisation_id: int, user_id: int) -> bool:
    return Membership.objects.filter(
        organisation_id=organisation_id,
        user_id=user_id,
        role__in=LEDGER_READERS,
        deactivated_at__isnull=True,
        user__is_active=True,
    ).exists()
