"""Facilitators' credentials and profiles: recording them with evidence, verifying them (an org
admin or clinical lead only, against a named register, never once expired), the evidence
files and who may download them, the profile and its code-of-ethics acknowledgement, the
clinical lead's view of incidents, and the API — each change audited."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_session
from holdspace.facilitators.models import Credential, FacilitatorProfile, GuideReview
from holdspace.facilitators.services import facilitator_problems
from holdspace.policy.sessions import get_medicine_session_for
from holdspace.sessions.models import MedicineSession
from holdspace.sessions.recording import session_event_record

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16
REGISTER = "OHA Psilocybin Licensee Lookup"


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    """Uploaded evidence lands in a temporary folder, not in var/."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


# Helpers ------------------------------------------------------------------------------


def _post(client: Client, url: str, body: object) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _page(cast: Cast, who: str = "facilitator") -> str:
    return f"/facilitators/{cast.people[who].pk}/"


def _add(
    cast: Cast,
    by: str,
    *,
    of: str = "facilitator",
    name: str | None = "licence.pdf",
    content: bytes = PDF,
    **fields: str,
) -> Any:
    """BY adds a credential for OF through the web form, with evidence NAME holding CONTENT."""
    data: dict[str, Any] = {
        "c-kind": "licence",
        "c-title": "Oregon psilocybin facilitator licence",
        "c-jurisdiction": "Oregon",
        "c-number": "PF-2024-0099",
        "c-issued_on": (timezone.localdate() - dt.timedelta(days=30)).isoformat(),
        "c-expires_on": (timezone.localdate() + dt.timedelta(days=700)).isoformat(),
    }
    data.update({f"c-{key}": value for key, value in fields.items()})
    if name is not None:
        data["c-evidence"] = SimpleUploadedFile(name, content)
    return cast.client(by).post(f"{_page(cast, of)}credentials", data)


def _added(cast: Cast) -> Credential:
    """The one credential added in a test (the cast's licence was there before it)."""
    credential: Credential = Credential.objects.exclude(number__startswith="LIC-").get()
    return credential


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _download(cast: Cast, who: str, credential: Credential) -> Any:
    return cast.client(who).get(f"/credentials/{credential.pk}/evidence")


def _unverified(cast: Cast, *, expires_in: int = 400, who: str = "facilitator") -> Credential:
    user = cast.people[who]
    credential: Credential = Credential.objects.create(
        organisation=cast.trial if who.startswith("trial") else cast.center,
        facilitator=user,
        kind="bls",
        title="American Heart Association BLS Provider",
        issued_on=timezone.localdate() - dt.timedelta(days=300),
        expires_on=timezone.localdate() + dt.timedelta(days=expires_in),
    )
    return credential


def _set_status_web(cast: Cast, who: str, credential: Credential, **fields: str) -> Any:
    return cast.client(who).post(f"{_page(cast)}credentials/{credential.pk}/status", fields)


def _set_status_api(cast: Cast, who: str, credential: Credential, **body: str) -> Any:
    return _post(cast.api(who), f"/api/v1/credentials/{credential.pk}/status", body)


def _fields(response: Any) -> list[object]:
    assert response.status_code == 422, response.content
    return [p["loc"][-1] for p in response.json()["detail"]]


def _incidents(cast: Cast) -> None:
    """An adverse event in the facilitator's session and a partner's concern about them."""
    viewer = cast.viewer("facilitator")
    session: MedicineSession = make_session(cast)
    for description in ("Fainted briefly after standing", "Panic, settled with breathing"):
        session_event_record(
            viewer=viewer,
            session=get_medicine_session_for(viewer, session.pk),
            event_id=uuid.uuid4(),
            kind="adverse_event",
            occurred_at=timezone.now() - dt.timedelta(minutes=20),
            data={"description": description, "severity": "mild"},
            partner_id=cast.partner_a.pk,
        )
    GuideReview.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        partner=cast.partner_b,
        facilitator=cast.facilitator,
        decision=GuideReview.CONCERN,
        note="Dismissed my question about touch.",
    )


# Recording a credential with its evidence ---------------------------------------------------


def test_it_lets_a_facilitator_add_their_own_credential_with_evidence(
    cast: Cast, media: Path
) -> None:
    response = _add(cast, "facilitator", status="verified", register="I checked it myself")
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == _page(cast)
    credential = _added(cast)
    assert (credential.kind, credential.title, credential.jurisdiction, credential.number) == (
        "licence",
        "Oregon psilocybin facilitator licence",
        "Oregon",
        "PF-2024-0099",
    )
    # Whatever is posted, a new credential awaits verification.
    assert (credential.status, credential.register, credential.verified_by) == (
        "unverified",
        "",
        None,
    )
    assert credential.evidence_name == "licence.pdf"
    (stored,) = _files(media)
    assert stored.read_bytes() == PDF
    assert stored.suffix == ".pdf"
    event = AuditEvent.objects.get(action="credential.add")
    assert (event.actor_id, event.object_id) == (cast.facilitator.pk, str(credential.pk))
    assert event.detail == {"facilitator": cast.facilitator.pk, "kind": "licence", "evidence": True}
    html = cast.client("facilitator").get(_page(cast)).content.decode()
    assert f'href="/credentials/{credential.pk}/evidence"' in html
    assert "Unverified" in html


def test_it_lets_a_clinical_lead_add_a_credential_for_a_facilitator(
    cast: Cast, media: Path
) -> None:
    response = _add(cast, "lead", kind="training", title="MAPS MDMA therapy training", hours="160")
    assert response.status_code == 302, response.content.decode()
    credential = _added(cast)
    assert (credential.facilitator, credential.kind, credential.hours) == (
        cast.facilitator,
        "training",
        160,
    )
    assert AuditEvent.objects.get(action="credential.add").actor_id == cast.lead.pk


def test_it_refuses_a_licence_without_jurisdiction_or_expiry(cast: Cast, media: Path) -> None:
    response = _add(cast, "facilitator", name=None, jurisdiction="", expires_on="")
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_c-jurisdiction_error"' in html
    assert 'id="id_c-expires_on_error"' in html
    assert not Credential.objects.exclude(number__startswith="LIC-").exists()
    assert not AuditEvent.objects.filter(action="credential.add").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("licence.pdf", b"Just some text, not a PDF", "not a PDF"),
        ("licence.png", PDF, "not a PNG"),
        ("licence.jpg", PNG, "not a JPG"),
        ("licence.exe", PDF, "Upload a PDF, PNG or JPEG file."),
        ("licence.gif", b"GIF89a" + b"\x00" * 16, "Upload a PDF, PNG or JPEG file."),
        ("licence.html", b"<html><script>alert(1)</script></html>", "Upload a PDF, PNG or JPEG"),
        ("licence", PDF, "Upload a PDF, PNG or JPEG file."),
        ("licence.pdf.exe", PDF, "Upload a PDF, PNG or JPEG file."),
    ],
)
def test_it_refuses_evidence_that_is_not_a_pdf_png_or_jpeg(
    cast: Cast, media: Path, name: str, content: bytes, message: str
) -> None:
    response = _add(cast, "facilitator", name=name, content=content)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_c-evidence_error"' in html
    error = html[html.index('id="id_c-evidence_error"') :]
    assert message in error[: error.index("</p>")]
    assert not Credential.objects.exclude(number__startswith="LIC-").exists()
    assert _files(media) == []
    assert not AuditEvent.objects.filter(action="credential.add").exists()


def test_it_refuses_evidence_over_10_mb(cast: Cast, media: Path) -> None:
    content = PDF + b"0" * (10 * 1024 * 1024)
    response = _add(cast, "facilitator", name="licence.pdf", content=content)
    assert response.status_code == 422
    html = response.content.decode()
    assert "The file is larger than 10 MB." in html
    assert 'id="id_c-evidence_error"' in html
    assert not Credential.objects.exclude(number__startswith="LIC-").exists()
    assert _files(media) == []


@pytest.mark.parametrize(
    ("name", "content"), [("card.png", PNG), ("card.JPG", JPEG), ("card.jpeg", JPEG)]
)
def test_it_accepts_png_and_jpeg_evidence(
    cast: Cast, media: Path, name: str, content: bytes
) -> None:
    assert _add(cast, "facilitator", name=name, content=content).status_code == 302
    (stored,) = _files(media)
    assert stored.read_bytes() == content
    assert _added(cast).evidence_name == name


# Who may download the evidence ------------------------------------------------------------


@pytest.mark.parametrize("who", ["facilitator", "admin", "lead"])
def test_it_lets_the_facilitator_admin_and_lead_download_the_evidence(
    cast: Cast, media: Path, who: str
) -> None:
    assert _add(cast, "facilitator").status_code == 302
    credential = _added(cast)
    response = _download(cast, who, credential)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert "licence.pdf" in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="credential.evidence")
    assert (event.actor_id, event.object_id) == (cast.people[who].pk, str(credential.pk))


@pytest.mark.parametrize(
    "who",
    [
        "partner_a",
        "partner_b",
        "partner_c",
        "other_facilitator",
        "researcher",
        "trial_facilitator",
        "trial_partner_a",
    ],
)
def test_it_hides_the_evidence_from_everyone_else(cast: Cast, media: Path, who: str) -> None:
    assert _add(cast, "facilitator").status_code == 302
    credential = _added(cast)
    response = _download(cast, who, credential)
    assert response.status_code == 404
    assert PDF not in response.content
    assert not AuditEvent.objects.filter(action="credential.evidence").exists()
    assert AuditEvent.objects.filter(
        action="access.denied", actor_id=cast.people[who].pk, object_id=str(credential.pk)
    ).exists()


def test_it_has_nothing_to_download_for_a_credential_without_evidence_or_unknown(
    cast: Cast,
) -> None:
    licence = Credential.objects.get(facilitator=cast.facilitator, kind="licence")
    assert _download(cast, "lead", licence).status_code == 404
    assert cast.client("lead").get("/credentials/999999/evidence").status_code == 404


def test_it_lets_a_trial_facilitator_download_only_their_own_organisations_evidence(
    cast: Cast, media: Path
) -> None:
    added = _add(cast, "trial_facilitator", of="trial_facilitator", jurisdiction="California")
    assert added.status_code == 302
    credential = Credential.objects.get(facilitator=cast.trial_facilitator, evidence_name__gt="")
    assert credential.organisation == cast.trial
    assert _download(cast, "trial_facilitator", credential).status_code == 200
    for who in ("facilitator", "lead", "admin"):
        assert _download(cast, who, credential).status_code == 404, who


# Verifying --------------------------------------------------------------------------------


def test_it_lets_a_clinical_lead_verify_a_credential_against_a_register(cast: Cast) -> None:
    credential = _unverified(cast)
    response = _set_status_web(cast, "lead", credential, status="verified", register=REGISTER)
    assert response.status_code == 302, response.content.decode()
    credential.refresh_from_db()
    assert (credential.status, credential.register, credential.verified_by) == (
        "verified",
        REGISTER,
        cast.lead,
    )
    assert credential.verified_at is not None
    assert timezone.now() - credential.verified_at < dt.timedelta(minutes=1)
    event = AuditEvent.objects.get(action="credential.status")
    assert (event.actor_id, event.object_id) == (cast.lead.pk, str(credential.pk))
    assert event.detail == {"from": "unverified", "to": "verified", "register": REGISTER}
    html = cast.client("facilitator").get(_page(cast)).content.decode()
    assert f"Verified by Lead on {timezone.localdate():%-d %b %Y} against {REGISTER}" in html


def test_it_lets_an_org_admin_verify_through_the_api(cast: Cast) -> None:
    credential = _unverified(cast)
    response = _set_status_api(
        cast, "admin", credential, status="verified", public_register=REGISTER
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["public_register"]) == (
        credential.pk,
        "verified",
        REGISTER,
    )
    assert body["verified_at"]
    credential.refresh_from_db()
    assert credential.verified_by == cast.admin
    assert AuditEvent.objects.filter(action="credential.status", actor_id=cast.admin.pk).exists()


@pytest.mark.parametrize("status", ["suspended", "revoked", "expired"])
def test_it_lets_a_clinical_lead_suspend_revoke_or_expire_a_licence(
    cast: Cast, status: str
) -> None:
    licence = Credential.objects.get(facilitator=cast.facilitator, kind="licence")
    day = timezone.localdate() + dt.timedelta(days=10)
    may_serve = facilitator_problems(
        organisation=cast.center, user_ids=[cast.facilitator.pk], on=day
    )
    assert may_serve == {cast.facilitator.pk: []}
    response = _set_status_api(cast, "lead", licence, status=status)
    assert response.status_code == 200, response.content
    assert Credential.objects.get(pk=licence.pk).status == status
    event = AuditEvent.objects.get(action="credential.status")
    assert event.detail == {"from": "verified", "to": status, "register": ""}
    after = facilitator_problems(organisation=cast.center, user_ids=[cast.facilitator.pk], on=day)
    assert len(after[cast.facilitator.pk]) == 1
    html = cast.client("facilitator").get(_page(cast)).content.decode()
    assert "May not serve at sessions" in html


def test_it_refuses_a_facilitator_verifying_their_own_credential(cast: Cast) -> None:
    credential = _unverified(cast)
    web = _set_status_web(cast, "facilitator", credential, status="verified", register=REGISTER)
    assert web.status_code == 403
    api = _set_status_api(
        cast, "facilitator", credential, status="verified", public_register=REGISTER
    )
    assert api.status_code == 403
    credential.refresh_from_db()
    assert (credential.status, credential.verified_by) == ("unverified", None)
    assert not AuditEvent.objects.filter(action="credential.status").exists()
    assert AuditEvent.objects.filter(
        action="access.denied", actor_id=cast.facilitator.pk, object_type="credential"
    ).exists()


@pytest.mark.parametrize("who", ["other_facilitator", "partner_a", "researcher"])
def test_it_lets_nobody_but_an_admin_or_lead_change_a_status(cast: Cast, who: str) -> None:
    credential = _unverified(cast)
    response = _set_status_api(cast, who, credential, status="verified", public_register=REGISTER)
    assert response.status_code == 403
    assert Credential.objects.get(pk=credential.pk).status == "unverified"


@pytest.mark.parametrize("register", ["", "   "])
def test_it_needs_a_register_named_to_verify(cast: Cast, register: str) -> None:
    credential = _unverified(cast)
    api = _set_status_api(cast, "lead", credential, status="verified", public_register=register)
    assert _fields(api) == ["register"]
    assert api.json()["detail"][0]["msg"] == "Name the public register you checked."
    assert Credential.objects.get(pk=credential.pk).status == "unverified"
    assert not AuditEvent.objects.filter(action="credential.status").exists()


def test_it_refuses_to_verify_an_expired_credential(cast: Cast) -> None:
    credential = _unverified(cast, expires_in=-1)
    api = _set_status_api(cast, "lead", credential, status="verified", public_register=REGISTER)
    assert _fields(api) == ["status"]
    assert api.json()["detail"][0]["msg"] == "This credential has expired; it cannot be verified."
    assert Credential.objects.get(pk=credential.pk).status == "unverified"
    assert not AuditEvent.objects.filter(action="credential.status").exists()


def test_it_refuses_verifying_without_a_register_on_the_web(cast: Cast) -> None:
    credential = _unverified(cast)
    web = _set_status_web(cast, "lead", credential, status="verified", register="")
    assert web.status_code == 422
    assert "Name the public register you checked." in web.content.decode()
    assert Credential.objects.get(pk=credential.pk).status == "unverified"


def test_it_refuses_verifying_an_expired_credential_on_the_web(cast: Cast) -> None:
    credential = _unverified(cast, expires_in=-1)
    web = _set_status_web(cast, "admin", credential, status="verified", register=REGISTER)
    assert web.status_code == 422
    assert "This credential has expired; it cannot be verified." in web.content.decode()
    assert Credential.objects.get(pk=credential.pk).status == "unverified"


def test_it_refuses_to_verify_a_credential_expiring_today(cast: Cast) -> None:
    credential = _unverified(cast, expires_in=0)
    api = _set_status_api(cast, "lead", credential, status="verified", public_register=REGISTER)
    assert api.status_code == 422
    assert Credential.objects.get(pk=credential.pk).status == "unverified"


def test_it_still_verifies_a_credential_expiring_tomorrow(cast: Cast) -> None:
    credential = _unverified(cast, expires_in=1)
    api = _set_status_api(cast, "lead", credential, status="verified", public_register=REGISTER)
    assert api.status_code == 200, api.content


def test_it_answers_404_for_another_organisations_credential(cast: Cast) -> None:
    trial = _unverified(cast, who="trial_facilitator")
    for who in ("lead", "admin"):
        response = _set_status_api(cast, who, trial, status="verified", public_register=REGISTER)
        assert response.status_code == 404, who
    center = _unverified(cast)
    assert (
        _set_status_api(
            cast, "trial_facilitator", center, status="verified", public_register=REGISTER
        ).status_code
        == 404
    )
    assert _set_status_api(cast, "lead", center, status="verified").status_code == 422
    missing = _post(cast.api("lead"), "/api/v1/credentials/999999/status", {"status": "revoked"})
    assert missing.status_code == 404
    assert Credential.objects.get(pk=trial.pk).status == "unverified"


def test_it_refuses_an_unknown_status(cast: Cast) -> None:
    credential = _unverified(cast)
    response = _set_status_api(cast, "lead", credential, status="approved")
    assert response.status_code == 422
    assert Credential.objects.get(pk=credential.pk).status == "unverified"


# The profile ------------------------------------------------------------------------------


def _profile_post(cast: Cast, who: str, **fields: str) -> Any:
    return cast.client(who).post(f"{_page(cast)}profile", {f"p-{k}": v for k, v in fields.items()})


def test_it_lets_a_facilitator_keep_their_profile_and_sign_the_code_of_ethics(cast: Cast) -> None:
    response = _profile_post(
        cast,
        "facilitator",
        languages="English, Spanish, ",
        substances="psilocybin",
        modalities="IFS, somatic",
        supervision="Monthly consultation",
        conflicts_of_interest="Co-owns the retreat venue",
        ethics_acknowledged="on",
    )
    assert response.status_code == 302, response.content.decode()
    profile = FacilitatorProfile.objects.get(facilitator=cast.facilitator)
    assert profile.languages == ["English", "Spanish"]
    assert profile.modalities == ["IFS", "somatic"]
    assert profile.conflicts_of_interest == "Co-owns the retreat venue"
    assert profile.ethics_acknowledged_at is not None
    event = AuditEvent.objects.get(action="facilitator_profile.update")
    assert (event.actor_id, event.object_id) == (cast.facilitator.pk, str(profile.pk))
    assert event.detail["facilitator"] == cast.facilitator.pk
    html = cast.client("facilitator").get(_page(cast)).content.decode()
    assert "Code of ethics signed on" in html
    guides = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/guides/").content.decode()
    assert "English, Spanish" in guides
    assert "Co-owns the retreat venue" in guides


@pytest.mark.parametrize("who", ["lead", "admin"])
def test_it_lets_only_the_facilitator_sign_their_own_acknowledgement(cast: Cast, who: str) -> None:
    page = cast.client(who).get(_page(cast)).content.decode()
    assert "I have read and sign the code of ethics" not in page
    response = _profile_post(cast, who, languages="English", ethics_acknowledged="on")
    assert response.status_code == 422
    assert not FacilitatorProfile.objects.filter(ethics_acknowledged_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="facilitator_profile.update").exists()
    # Without signing, a manager may keep the rest of the profile.
    assert _profile_post(cast, who, languages="English").status_code == 302
    profile = FacilitatorProfile.objects.get(facilitator=cast.facilitator)
    assert (profile.languages, profile.ethics_acknowledged_at) == (["English"], None)
    assert AuditEvent.objects.get(action="facilitator_profile.update").actor_id == (
        cast.people[who].pk
    )


# Who sees whose page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("facilitator", 200),
        ("lead", 200),
        ("admin", 200),
        ("other_facilitator", 403),
        ("partner_a", 403),
        ("researcher", 403),
        ("trial_facilitator", 403),
    ],
)
def test_it_shows_a_facilitators_page_to_them_and_their_managers_only(
    cast: Cast, who: str, status: int
) -> None:
    response = cast.client(who).get(_page(cast))
    assert response.status_code == status
    if status != 200:
        assert "LIC-" not in response.content.decode()
        post = _add(cast, who, name=None)
        assert post.status_code == status
        assert not Credential.objects.exclude(number__startswith="LIC-").exists()


def test_it_shows_a_manager_no_page_for_someone_outside_the_organisation(cast: Cast) -> None:
    for user in (cast.trial_facilitator, cast.partner_a, cast.admin):
        assert cast.client("lead").get(f"/facilitators/{user.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("who", "status", "incidents"),
    [("lead", 200, True), ("admin", 200, False), ("facilitator", 403, False)],
)
def test_it_shows_incident_counts_on_the_list_to_the_clinical_lead_only(
    cast: Cast, who: str, status: int, incidents: bool
) -> None:
    _incidents(cast)
    response = cast.client(who).get("/facilitators/")
    assert response.status_code == status
    if status != 200:
        return
    html = response.content.decode()
    assert ('<th scope="col">Concerns</th>' in html) is incidents
    assert ('<th scope="col">Adverse events</th>' in html) is incidents
    rows = {
        name: html[html.index(f">{name}</a>") :].split("</tr>")[0]
        for name in ("Facilitator", "Other Facilitator", "Lead")
    }
    if incidents:
        counts = '<td data-label="Concerns">{}</td><td data-label="Adverse events">{}</td>'
        assert counts.format(1, 2) in rows["Facilitator"]
        assert counts.format(0, 0) in rows["Other Facilitator"]
    else:
        assert 'data-label="Concerns"' not in rows["Facilitator"]


@pytest.mark.parametrize("who", ["partner_a", "other_facilitator", "researcher"])
def test_it_keeps_the_list_for_admins_and_leads(cast: Cast, who: str) -> None:
    assert cast.client(who).get("/facilitators/").status_code == 403


def test_it_shows_the_clinical_lead_the_incidents_on_the_facilitators_page(cast: Cast) -> None:
    _incidents(cast)
    lead = cast.client("lead").get(_page(cast)).content.decode()
    assert "Incidents (clinical lead only)" in lead
    assert "2 adverse events in their sessions" in lead
    assert "Fainted briefly after standing" in lead
    assert "1 concern raised by a partner" in lead
    assert "Dismissed my question about touch." in lead
    for who in ("admin", "facilitator"):
        html = cast.client(who).get(_page(cast)).content.decode()
        assert "Incidents" not in html, who
        assert "Fainted briefly" not in html, who
        assert "Dismissed my question" not in html, who
    other = cast.client("lead").get(_page(cast, "other_facilitator")).content.decode()
    assert "Fainted briefly" not in other


# The API ----------------------------------------------------------------------------------


def test_it_lists_facilitators_for_the_clinical_lead_with_incidents_through_the_api(
    cast: Cast,
) -> None:
    _incidents(cast)
    soon = _unverified(cast, expires_in=20)
    Credential.objects.filter(pk=soon.pk).update(status="verified")
    response = cast.api("lead").get("/api/v1/facilitators")
    assert response.status_code == 200, response.content
    body = response.json()
    # Issue 12 item 7: the list envelope (it carried organisation_id beside the items before).
    assert (body["count"], body["next"]) == (3, None)
    items = {item["user_id"]: item for item in body["items"]}
    assert set(items) == {cast.facilitator.pk, cast.other_facilitator.pk, cast.lead.pk}
    mine = items[cast.facilitator.pk]
    assert (mine["role"], mine["concerns"], mine["adverse_events"]) == ("facilitator", 1, 2)
    assert mine["expiring_within_60_days"] == [soon.pk]
    licence = next(c for c in mine["credentials"] if c["kind"] == "licence")
    assert licence["number"] == f"LIC-{cast.facilitator.pk:05d}"
    assert licence["public_register"] == "Test register"
    assert not any("evidence" in key for c in mine["credentials"] for key in c)
    other = items[cast.other_facilitator.pk]
    assert (other["concerns"], other["adverse_events"]) == (0, 0)


def test_it_lists_facilitators_for_the_admin_without_incidents_through_the_api(cast: Cast) -> None:
    _incidents(cast)
    response = cast.api("admin").get("/api/v1/facilitators")
    assert response.status_code == 200, response.content
    for item in response.json()["items"]:
        assert (item["concerns"], item["adverse_events"]) == (None, None)


@pytest.mark.parametrize(
    "who", ["facilitator", "other_facilitator", "partner_a", "researcher", "trial_facilitator"]
)
def test_it_refuses_the_api_list_to_everyone_else(cast: Cast, who: str) -> None:
    response = cast.api(who).get("/api/v1/facilitators")
    assert response.status_code == 403
    assert "items" not in response.json()


def test_it_refuses_the_api_list_for_an_organisation_the_viewer_does_not_manage(
    cast: Cast,
) -> None:
    response = cast.api("lead").get(f"/api/v1/facilitators?org={cast.trial.pk}")
    assert response.status_code == 403
    assert cast.client("admin").get(f"/facilitators/?org={cast.trial.pk}").status_code == 403


def test_it_keeps_what_was_typed_beside_a_refused_status(cast: Cast) -> None:
    credential = _unverified(cast, expires_in=-1)
    web = _set_status_web(cast, "lead", credential, status="verified", register="State lookup")
    assert web.status_code == 422
    html = web.content.decode()
    form = html[html.index(f"/credentials/{credential.pk}/status") :]
    form = form[: form.index("</form>")]
    assert 'value="State lookup"' in form
    assert "This credential has expired; it cannot be verified." in form
    assert '<option value="verified" selected>' in form


def test_it_keeps_what_was_typed_in_a_refused_credential(cast: Cast, media: Path) -> None:
    response = _add(cast, "facilitator", name=None, jurisdiction="", title="Typed title")
    assert response.status_code == 422
    html = response.content.decode()
    assert 'value="Typed title"' in html
    assert "Say which jurisdiction issued the licence." in html
    assert not Credential.objects.exclude(number__startswith="LIC-").exists()


def test_it_takes_each_change_at_its_own_address_only(cast: Cast) -> None:
    credential = _unverified(cast)
    lead = cast.client("lead")
    assert lead.post(_page(cast), {"status": "verified", "register": REGISTER}).status_code == 405
    # Opened with GET (a reload, a bookmark), the action's address leads to the page.
    reopened = lead.get(f"{_page(cast)}credentials/{credential.pk}/status")
    assert (reopened.status_code, reopened["Location"]) == (302, _page(cast))
    assert Credential.objects.get(pk=credential.pk).status == "unverified"


def test_it_refuses_a_status_change_for_another_facilitators_credential_at_this_address(
    cast: Cast,
) -> None:
    theirs = _unverified(cast, who="other_facilitator")
    response = _set_status_web(cast, "lead", theirs, status="revoked")
    assert response.status_code == 404
    assert Credential.objects.get(pk=theirs.pk).status == "unverified"
    denial = AuditEvent.objects.get(action="access.denied")
    assert (denial.chain, denial.object_type) == (cast.center.pk, "credential")
