from __future__ import annotations

from django.conf import settings
from django.urls import include, path

from holdspace.accounts import views as accounts_views
from holdspace.api import api
from holdspace.couples import views as couples_views
from holdspace.facilitators import views as facilitator_views
from holdspace.measures import views as measures_views
from holdspace.pages import console as console_page
from holdspace.pages import couple as couple_page
from holdspace.preparation import views as preparation_views
from holdspace.reports import views as reports_views
from holdspace.screening import views as screening_views
from holdspace.sessions import doselog as session_doselog
from holdspace.sessions import views as session_views

urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("healthz", accounts_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("invitations/<str:token>/", accounts_views.invitation, name="invitation_accept"),
    path("console/", console_page.console, name="console"),
    path("calendar/", include("holdspace.bookings.urls")),
    path("inventory/", include("holdspace.inventory.urls")),
    path("organisation/", accounts_views.organisation_settings, name="organisation_settings"),
    path(
        "organisation/time-zone",
        accounts_views.organisation_time_zone,
        name="organisation_time_zone",
    ),
    path("", include("holdspace.accounts.urls")),
    path("console/couples/new/", couples_views.couple_new, name="couple_new"),
    path("console/screenings/", screening_views.screening_queue, name="screening_queue"),
    path("portal/", couples_views.portal, name="portal"),
    path("couples/<int:couple_id>/", couple_page.couple_detail, name="couple_detail"),
    path("couples/<int:couple_id>/withdraw/", couples_views.withdraw, name="couple_withdraw"),
    path(
        "couples/<int:couple_id>/entries/<int:entry_id>/",
        couples_views.entry_detail,
        name="entry_detail",
    ),
    path(
        "couples/<int:couple_id>/entries/<int:entry_id>/visibility",
        couples_views.entry_visibility,
        name="entry_visibility",
    ),
    path(
        "couples/<int:couple_id>/measures/responses/<int:response_id>/",
        measures_views.measure_done,
        name="measure_done",
    ),
    path(
        "couples/<int:couple_id>/measures/<str:code>/<str:timepoint>/",
        measures_views.measure_form,
        name="measure_form",
    ),
    path(
        "couples/<int:couple_id>/administer",
        measures_views.administer,
        name="measure_administer",
    ),
    path(
        "couples/<int:couple_id>/measures-sharing",
        measures_views.measures_share_view,
        name="measures_share",
    ),
    path(
        "alerts/<int:alert_id>/acknowledge",
        measures_views.alert_acknowledge_view,
        name="alert_acknowledge",
    ),
    path(
        "couples/<int:couple_id>/readiness/",
        preparation_views.readiness_page,
        name="readiness",
    ),
    path(
        "couples/<int:couple_id>/partners/<int:partner_id>/screening/",
        screening_views.screening_form,
        name="screening_form",
    ),
    path(
        "couples/<int:couple_id>/screenings/<int:screening_id>/",
        screening_views.screening_detail,
        name="screening_detail",
    ),
    path(
        "couples/<int:couple_id>/screenings/<int:screening_id>/override",
        screening_views.screening_override_post,
        name="screening_override",
    ),
    path(
        "couples/<int:couple_id>/partners/<int:partner_id>/forms/<str:kind>/",
        preparation_views.partner_form,
        name="partner_form",
    ),
    path(
        "couples/<int:couple_id>/preparation/new/",
        preparation_views.preparation_session_new,
        name="preparation_session_new",
    ),
    path(
        "couples/<int:couple_id>/preparation/book/",
        preparation_views.preparation_session_book,
        name="preparation_session_book",
    ),
    path(
        "couples/<int:couple_id>/preparation/<int:session_id>/held",
        preparation_views.preparation_session_held,
        name="preparation_session_held",
    ),
    path(
        "couples/<int:couple_id>/preparation/<int:session_id>/cancel",
        preparation_views.preparation_session_cancelled,
        name="preparation_session_cancel",
    ),
    path(
        "couples/<int:couple_id>/sessions/new/",
        session_views.medicine_session_new,
        name="medicine_session_new",
    ),
    path("sessions/<int:session_id>/", session_views.console, name="session_console"),
    path(
        "sessions/<int:session_id>/events/form",
        session_views.event_form,
        name="session_event_form",
    ),
    path("sessions/<int:session_id>/plan/", session_views.plan, name="session_plan"),
    path(
        "sessions/<int:session_id>/booking/",
        session_views.session_booking,
        name="session_booking",
    ),
    path(
        "sessions/<int:session_id>/booking/move",
        session_views.session_move,
        name="session_move",
    ),
    path(
        "sessions/<int:session_id>/booking/confirm",
        session_views.session_confirm,
        name="session_confirm",
    ),
    path(
        "sessions/<int:session_id>/booking/cancel",
        session_views.session_cancel,
        name="session_cancel",
    ),
    path(
        "sessions/<int:session_id>/discharge/<int:partner_id>/",
        session_views.discharge,
        name="session_discharge",
    ),
    path(
        "sessions/<int:session_id>/summary/",
        session_views.session_summary,
        name="session_summary",
    ),
    path(
        "sessions/<int:session_id>/details",
        session_views.session_details,
        name="session_details",
    ),
    path("facilitators/", facilitator_views.facilitator_list, name="facilitator_list"),
    path(
        "facilitators/<int:user_id>/",
        facilitator_views.facilitator_detail,
        name="facilitator_detail",
    ),
    path(
        "facilitators/<int:user_id>/credentials",
        facilitator_views.credential_add_view,
        name="facilitator_credential_add",
    ),
    path(
        "facilitators/<int:user_id>/profile",
        facilitator_views.profile_update_view,
        name="facilitator_profile_update",
    ),
    path(
        "facilitators/<int:user_id>/credentials/<int:credential_id>/status",
        facilitator_views.credential_status_view,
        name="facilitator_credential_status",
    ),
    path(
        "credentials/<int:credential_id>/evidence",
        facilitator_views.evidence,
        name="credential_evidence",
    ),
    path("couples/<int:couple_id>/guides/", facilitator_views.guides, name="guides"),
    path(
        "couples/<int:couple_id>/guides/<int:user_id>/review",
        facilitator_views.guide_review_post,
        name="guide_review",
    ),
    path("doses/", session_doselog.dose_log, name="dose_log"),
    path("doses.csv", session_doselog.dose_log_csv, name="dose_log_csv"),
    path("exports/measures.csv", reports_views.measures_export, name="measures_export"),
    path("outcomes/", reports_views.outcomes, name="outcomes"),
    path("", include("holdspace.couples.urls")),
    path("", include("holdspace.pages.urls")),
    path("", include("holdspace.integration.urls")),
    path("", include("holdspace.readings.urls")),
    path("", include("holdspace.reminders.urls")),
    path("", include("holdspace.notifications.urls")),
    path("", include("holdspace.reports.progress.urls")),
    path("", include("holdspace.reports.regulator.colorado.urls")),
    path("", include("holdspace.reports.regulator.urls")),
    path("", include("holdspace.pages.today.urls")),
    path("", include("holdspace.preparation.signatures.urls")),
    path("api/v1/", api.urls),
]

handler404 = "holdspace.accounts.views.not_found"

if settings.BENCH_VIEWS:
    from holdspace.lib.bench import bare

    urlpatterns.append(path("bench/bare", bare, name="bench_bare"))
