"""Signed consents: typed-name signing through the web and the API, the SHA-256 of the exact
text, immutability, the signed PDF copy, a new version asking for a new signature, and
Colorado's pre-session form signed by three people before each session."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.bookings.models import Booking
from holdspace.conftest import Cast, joined_before, make_session
from holdspace.couples.models import Couple
from holdspace.policy.couples import get_couple_for
from holdspace.preparation import documents
from holdspace.preparation.models import PreparationSession, Signature, SignatureImmutable
from holdspace.preparation.readiness import readiness
from holdspace.preparation.services import preparation_session_record
from holdspace.preparation.tests.signing import current_version, sign
from holdspace.preparation.tests.test_gate import make_ready
from holdspace.sessions.models import MedicineSession, SessionEvent

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, body: object) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _sign_url(cast: Cast, document: str, who: str = "partner_a") -> str:
    return f"/couples/{cast.couple.pk}/partners/{cast.people[who].pk}/sign/{document}/"


def _api_sign(cast: Cast, who: str, **body: Any) -> Any:
    return _post(cast.api(who), f"/api/v1/couples/{cast.couple.pk}/signatures", body)


def _oregon_text(document: str) -> str:
    path = documents.DOCUMENTS_DIR / "oregon-psilocybin" / f"{document}.md"
    return path.read_text(encoding="utf-8").split("+++\n", 2)[2].strip() + "\n"


def pdf_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    return "".join(page.get_textpage().get_text_range() for page in document)


@pytest.fixture
def new_version(tmp_path: Path) -> Iterator[Path]:
    """A copy of the documents to publish new versions in, put in place for the test."""
    copy = tmp_path / "documents"
    shutil.copytree(documents.DOCUMENTS_DIR, copy)
    before = documents.DOCUMENTS_DIR
    documents.DOCUMENTS_DIR = copy
    documents.reload_documents()
    yield copy
    documents.DOCUMENTS_DIR = before
    documents.reload_documents()


def _publish(folder: Path, document: str, version: str, extra: str) -> None:
    path = folder / "oregon-psilocybin" / f"{document}.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace('version = "2025.1"', f'version = "{version}"', 1) + extra + "\n"
    path.write_text(text, encoding="utf-8")
    documents.reload_documents()


# Typed-name signing through the web ---------------------------------------------------------


def test_it_signs_the_exact_text_shown_with_the_typed_name_on_the_web(cast: Cast) -> None:
    client = cast.client("partner_a")
    url = _sign_url(cast, "informed_consent")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    text = _oregon_text("informed_consent")
    served = page.context["page"].document.text
    assert served == text
    digest = hashlib.sha256(served.encode("utf-8")).hexdigest()
    assert digest in html
    assert "Psilocybin raises blood pressure and heart rate." in html

    response = client.post(url, {"typed_name": "  Partner   A ", "version": "2025.1"})
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert (signature.partner, signature.signer, signature.role) == (
        cast.partner_a,
        cast.partner_a,
        "participant",
    )
    assert signature.typed_name == "Partner A"
    assert (signature.document, signature.version) == ("informed_consent", "2025.1")
    assert signature.text == text
    assert signature.text_sha256 == digest
    assert signature.ip == "127.0.0.1"
    assert signature.booking is None
    event = AuditEvent.objects.get(action="signature.create")
    assert event.detail["sha256"] == digest and event.detail["role"] == "participant"


def test_it_refuses_a_blank_name_and_a_version_no_longer_current_and_keeps_nothing(
    cast: Cast, new_version: Path
) -> None:
    client = cast.client("partner_a")
    url = _sign_url(cast, "informed_consent")
    blank = client.post(url, {"typed_name": "   ", "version": "2025.1"})
    assert blank.status_code == 422
    assert "Type your full name to sign." in blank.content.decode()
    _publish(new_version, "informed_consent", "2026.1", "A new paragraph.")
    stale = client.post(url, {"typed_name": "Partner A", "version": "2025.1"})
    assert stale.status_code == 422
    assert "now version 2026.1; read it again" in stale.content.decode()
    assert not Signature.objects.exists()
    # The page, reloaded, offers the new text to sign.
    again = client.get(url)
    assert "A new paragraph." in again.content.decode()
    assert client.post(url, {"typed_name": "Partner A", "version": "2026.1"}).status_code == 302
    assert Signature.objects.get().version == "2026.1"


@pytest.mark.parametrize(
    ("typed", "signed"),
    [
        ("Partner", False),  # a first name alone, as the first user tried ("Alex")
        ("P. A.", False),
        ("partner a", True),  # the name on the account, in any case
        ("Pat Anderson-Reyes", True),  # a full legal name other than the one they go by
    ],
)
def test_it_takes_only_a_full_name_as_a_signature(cast: Cast, typed: str, signed: bool) -> None:
    answer = cast.client("partner_a").post(
        _sign_url(cast, "informed_consent"), {"typed_name": typed, "version": "2025.1"}
    )
    assert answer.status_code == (302 if signed else 422)
    assert Signature.objects.exists() == signed
    if not signed:
        assert "Type your full name, first and last" in answer.content.decode()


def test_it_sends_the_ticked_form_of_a_signed_consent_to_the_signing_page(cast: Cast) -> None:
    client = cast.client("partner_a")
    old = f"/couples/{cast.couple.pk}/partners/{cast.partner_a.pk}/forms/bill_of_rights/"
    assert client.get(old)["Location"] == _sign_url(cast, "bill_of_rights")
    response = client.post(old, {"acknowledged": "on"})
    assert response["Location"] == _sign_url(cast, "bill_of_rights")
    assert not Signature.objects.exists()


def test_it_shows_a_facilitator_the_document_but_no_way_to_sign_for_the_partner(
    cast: Cast,
) -> None:
    client = cast.client("facilitator")
    url = _sign_url(cast, "informed_consent")
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="typed_name"' not in page.content.decode()
    refused = client.post(url, {"typed_name": "Facilitator", "version": "2025.1"})
    assert refused.status_code == 422
    assert "This is not your signature to give." in refused.content.decode()
    assert not Signature.objects.exists()


# Through the API --------------------------------------------------------------------------


def test_it_signs_through_the_api_and_lists_it_for_the_partner_and_the_care_team(
    cast: Cast,
) -> None:
    response = _api_sign(
        cast,
        "partner_a",
        document="touch_consent",
        version="2025.1",
        typed_name="Partner A",
        answers={
            "facilitator_touch": "yes",
            "facilitator_touch_forms": ["hands"],
            "partner_touch": "yes",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["text_sha256"] == hashlib.sha256(_oregon_text("touch_consent").encode()).hexdigest()
    assert body["role"] == "participant" and body["partner_id"] == cast.partner_a.pk
    assert body["answers"]["facilitator_touch_forms"] == ["hands"]

    base = f"/api/v1/couples/{cast.couple.pk}/signatures"
    own = cast.api("partner_a").get(base).json()
    assert [s["id"] for s in own["items"]] == [body["id"]] and own["count"] == 1
    assert cast.api("facilitator").get(base).json()["count"] == 1
    # The other partner learns nothing of it beyond their own (none).
    assert cast.api("partner_b").get(base).json() == {"items": [], "count": 0, "next": None}


@pytest.mark.parametrize(
    ("who", "body", "field", "message"),
    [
        ("partner_a", {"document": "horoscope"}, "document", "no signed document horoscope"),
        ("partner_a", {"document": "safety_plan"}, "document", "no signed document safety_plan"),
        ("partner_a", {"version": "2024.9"}, "version", "now version 2025.1"),
        ("partner_a", {"typed_name": "  "}, "typed_name", "Type your full name"),
        ("partner_b", {"partner_id": "A"}, "signer", "not your signature to give"),
        ("facilitator", {"partner_id": "A"}, "signer", "not your signature to give"),
        ("lead", {"partner_id": "A"}, "signer", "not your signature to give"),
        ("partner_a", {"booking_id": 1}, "booking_id", "signed once, not for a session"),
        (
            "partner_a",
            {"document": "touch_consent", "answers": {"partner_touch": "maybe"}},
            "answers.partner_touch",
            "Select a valid choice",
        ),
    ],
)
def test_it_answers_each_bad_signature_with_one_422_message_on_its_field(
    cast: Cast, who: str, body: dict[str, Any], field: str, message: str
) -> None:
    sent: dict[str, Any] = {
        "document": "informed_consent",
        "version": "2025.1",
        "typed_name": "Someone",
        **body,
    }
    if sent.get("partner_id") == "A":
        sent["partner_id"] = cast.partner_a.pk
    response = _api_sign(cast, who, **sent)
    assert response.status_code == 422, response.content
    problems = [p for p in response.json()["detail"] if p["loc"][-1] == field]
    assert len(problems) == 1 and message in problems[0]["msg"], response.json()
    assert not Signature.objects.exists()


# Immutability -------------------------------------------------------------------------------


def test_it_never_changes_or_removes_a_signature(cast: Cast) -> None:
    signature = sign(cast, "partner_a", "informed_consent")
    signature.typed_name = "Someone else"
    with pytest.raises(SignatureImmutable):
        signature.save()
    with pytest.raises(SignatureImmutable):
        Signature.objects.filter(pk=signature.pk).update(typed_name="Someone else")
    with pytest.raises(SignatureImmutable):
        signature.delete()
    with pytest.raises(SignatureImmutable):
        Signature.objects.all().delete()
    assert Signature.objects.get().typed_name == "Partner A"
    # Signing again is a new row; the newest counts.
    sign(cast, "partner_a", "informed_consent")
    assert Signature.objects.count() == 2


# The signed copy ------------------------------------------------------------------------------


def test_it_gives_the_partner_and_the_care_team_a_signed_pdf_carrying_the_hash(
    cast: Cast,
) -> None:
    signature = sign(cast, "partner_a", "bill_of_rights")
    web = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/signatures/{signature.pk}.pdf")
    assert web.status_code == 200 and web["Content-Type"] == "application/pdf"
    assert web.content.startswith(b"%PDF")
    assert "attachment" in web["Content-Disposition"] and web["Cache-Control"] == "no-store"
    text = pdf_text(web.content)
    assert signature.text_sha256 in "".join(text.split())
    for words in ("Client bill of rights", "Partner A", "Participant", "2025.1", "UTC"):
        assert words in text, words
    api = cast.api("facilitator").get(
        f"/api/v1/couples/{cast.couple.pk}/signatures/{signature.pk}/pdf"
    )
    assert api.status_code == 200 and api.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="signature.pdf").count() == 2


def test_it_prints_the_time_in_the_organisations_zone(cast: Cast) -> None:
    cast.center.time_zone = "America/Los_Angeles"
    cast.center.save(update_fields=["time_zone"])
    signature = sign(cast, "partner_a", "informed_consent")
    local = timezone.localtime(signature.signed_at, cast.center.tzinfo)
    pdf = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/signatures/{signature.pk}.pdf")
    text = pdf_text(pdf.content)
    assert local.strftime("%H:%M") in text and "America/Los_Angeles" in text


# A new version asks for a new signature ---------------------------------------------------------


def test_it_blocks_the_gate_until_a_new_version_is_signed_again(
    cast: Cast, new_version: Path
) -> None:
    make_ready(cast)
    couple = get_couple_for(cast.viewer("facilitator"), cast.couple.pk)
    assert readiness(couple).ready
    _publish(new_version, "bill_of_rights", "2026.1", "- To a new right.")
    gate = readiness(couple)
    assert not gate.ready
    assert {(m["partner_id"], m["code"]) for m in gate.missing()} == {
        (cast.partner_a.pk, "form:bill_of_rights"),
        (cast.partner_b.pk, "form:bill_of_rights"),
    }
    page = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/readiness/")
    assert "A new version of Client bill of rights needs your signature." in page.content.decode()
    starts = (timezone.now() + dt.timedelta(days=7)).isoformat()
    booked = _post(
        cast.api("facilitator"),
        f"/api/v1/couples/{cast.couple.pk}/sessions",
        {"starts_at": starts, "facilitator_ids": [cast.facilitator.pk]},
    )
    assert booked.json()["booking_status"] == "tentative"
    refused = cast.api("facilitator").patch(
        f"/api/v1/sessions/{booked.json()['id']}",
        {"status": "confirmed"},
        content_type="application/json",
    )
    assert refused.status_code == 409
    for who in ("partner_a", "partner_b"):
        assert current_version(couple, "bill_of_rights") == "2026.1"
        sign(cast, who, "bill_of_rights")
    assert readiness(couple).ready


# Colorado: three signers before each session --------------------------------------------------


def _colorado(cast: Cast) -> Couple:
    cast.center.profile = "colorado-natural-medicine"
    cast.center.save(update_fields=["profile"])
    return get_couple_for(cast.viewer("facilitator"), cast.couple.pk)


def _booking(cast: Cast, kind: str, starts_at: dt.datetime | None = None) -> Booking:
    starts = starts_at or timezone.now() - dt.timedelta(minutes=30)
    return Booking.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        kind=kind,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=6),
        created_by=cast.facilitator,
    )


def _pre_session(cast: Cast, who: str, booking: Booking, partner: str = "partner_a") -> Any:
    return _api_sign(
        cast,
        who,
        partner_id=cast.people[partner].pk,
        document="pre_session",
        version="2025.1",
        typed_name=cast.people[who].display_name,
        booking_id=booking.pk,
    )


def _dose(cast: Cast, session: MedicineSession, partner: str) -> Any:
    return _post(
        cast.api("facilitator"),
        f"/api/v1/sessions/{session.pk}/events",
        {
            "id": str(uuid.uuid4()),
            "kind": "dose",
            "partner_id": cast.people[partner].pk,
            "occurred_at": timezone.now().isoformat(),
            # Colorado keeps a product ledger: the lot make_session stocks.
            "data": {"amount_mg": 5, "lot": "GT-2609"},
        },
    )


def test_it_holds_the_first_dose_until_all_three_have_signed_that_partners_form(
    cast: Cast,
) -> None:
    _colorado(cast)
    session = make_session(cast)
    booking = _booking(cast, "medicine")
    MedicineSession.objects.filter(pk=session.pk).update(booking=booking)
    session.refresh_from_db()
    assert _pre_session(cast, "partner_a", booking).status_code == 201
    assert _pre_session(cast, "facilitator", booking).status_code == 201
    refused = _dose(cast, session, "partner_a")  # two of three: not complete
    assert refused.status_code == 422
    message = refused.json()["detail"][0]["msg"]
    assert "Pre-session form for Partner A: waiting for center representative." == message
    readiness_page = cast.client("facilitator").get(f"/couples/{cast.couple.pk}/readiness/")
    html = readiness_page.content.decode()
    assert "Signatures before each session" in html and "waiting for signatures" in html

    assert _pre_session(cast, "admin", booking).status_code == 201
    assert _dose(cast, session, "partner_a").status_code == 201, "complete for partner A"
    # Partner B's own copy is not signed yet: their first dose waits.
    assert _dose(cast, session, "partner_b").status_code == 422
    assert SessionEvent.objects.count() == 1
    roles = set(Signature.objects.values_list("role", flat=True))
    assert roles == {"participant", "facilitator", "center_representative"}


def test_it_refuses_a_second_signature_by_the_same_role_for_the_same_session(cast: Cast) -> None:
    _colorado(cast)
    booking = _booking(cast, "medicine")
    assert _pre_session(cast, "admin", booking).status_code == 201
    again = _pre_session(cast, "lead", booking)  # also a center representative
    assert again.status_code == 422
    assert "already signed this for this session" in again.json()["detail"][0]["msg"]
    assert _pre_session(cast, "partner_a", booking).status_code == 201
    assert _pre_session(cast, "partner_a", booking).status_code == 422
    # The other partner cannot sign partner A's copy; a new session asks for new signatures.
    assert _pre_session(cast, "partner_b", booking).status_code == 422
    later = _booking(cast, "medicine", timezone.now() + dt.timedelta(days=30))
    assert _pre_session(cast, "partner_a", later).status_code == 201
    assert Signature.objects.count() == 3


def test_it_asks_for_a_session_for_a_per_session_form_and_refuses_a_cancelled_one(
    cast: Cast,
) -> None:
    _colorado(cast)
    missing = _api_sign(
        cast, "partner_a", document="pre_session", version="2025.1", typed_name="Partner A"
    )
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"][-1] == "booking_id"
    booking = _booking(cast, "medicine")
    Booking.objects.filter(pk=booking.pk).update(status="cancelled")
    assert _pre_session(cast, "partner_a", booking).status_code == 422
    other = Booking.objects.create(
        organisation=cast.center,
        couple=cast.other_couple,
        kind="medicine",
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(hours=6),
        created_by=cast.other_facilitator,
    )
    assert _pre_session(cast, "partner_a", other).status_code == 422


def test_it_records_a_colorado_preparation_session_as_held_only_once_its_form_is_signed(
    cast: Cast,
) -> None:
    couple = _colorado(cast)
    held_at = timezone.now() - dt.timedelta(hours=1)
    joined_before(couple, held_at)
    booking = _booking(cast, "preparation", held_at)

    def record(with_booking: Booking | None) -> PreparationSession:
        return preparation_session_record(
            viewer=cast.viewer("facilitator"),
            couple=couple,
            kind="private",
            partner_id=cast.partner_a.pk,
            held_at=held_at,
            facilitator_id=cast.facilitator.pk,
            booking=with_booking,
        )

    with pytest.raises(ValidationError) as no_booking:
        record(None)
    assert "book the session on the calendar" in str(no_booking.value)
    for who in ("partner_a", "facilitator"):
        _pre_session(cast, who, booking)
    with pytest.raises(ValidationError) as incomplete:
        record(booking)
    assert "waiting for center representative" in str(incomplete.value)
    assert not PreparationSession.objects.exists()
    _pre_session(cast, "lead", booking)
    assert record(booking).booking == booking


def test_it_asks_oregon_for_no_per_session_form(cast: Cast) -> None:
    booking = _booking(cast, "medicine")
    refused = _pre_session(cast, "partner_a", booking)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][-1] == "document"
    session = make_session(cast)
    assert _dose_allowed_without_forms(cast, session)


def _dose_allowed_without_forms(cast: Cast, session: MedicineSession) -> bool:
    response = _dose(cast, session, "partner_a")
    return response.status_code != 422 or "signatures" not in json.dumps(response.json())
