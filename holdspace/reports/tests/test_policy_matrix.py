"""Who may have which report, as tables: every role of the shared cast (both partners of a
couple, its facilitator, another facilitator, a clinical lead, an org admin, a researcher, a
partner of another couple, and people of another organisation) against the de-identified
export, program outcomes, the FHIR resources and the couple progress report, through the web
and the API. A report someone may not see is a 404, as if it did not exist; one they may see
but not have (an org admin and the partners' records) is a 403."""

from __future__ import annotations

import json

import pytest

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.measures.library import get_instrument
from holdspace.measures.scoring import answers_from_list
from holdspace.measures.services import response_submit
from holdspace.reports.models import ProgressSummary

pytestmark = pytest.mark.django_db

EVERYONE = [
    "partner_a",
    "partner_b",
    "facilitator",
    "other_facilitator",
    "lead",
    "admin",
    "researcher",
    "partner_c",
    "trial_facilitator",
    "trial_partner_a",
]
CENTER = [who for who in EVERYONE if not who.startswith("trial_")]

# The Center's de-identified measures CSV and its program outcomes (web).
EXPORTS = {
    "partner_a": 404,
    "partner_b": 404,
    "facilitator": 404,
    "other_facilitator": 404,
    "lead": 200,
    "admin": 404,
    "researcher": 200,
    "partner_c": 404,
    "trial_facilitator": 404,
    "trial_partner_a": 404,
}

# Partner A's PHQ-9 as a FHIR QuestionnaireResponse (API): the partner who answered and the
# care team; never the other partner, even once A shares their scores with the couple.
FHIR_RESPONSE = {
    "partner_a": 200,
    "partner_b": 404,
    "facilitator": 200,
    "other_facilitator": 404,
    "lead": 200,
    "admin": 404,
    "researcher": 404,
    "partner_c": 404,
    "trial_facilitator": 404,
    "trial_partner_a": 404,
}

# The progress report of the couple A & B: (couple variant, clinical variant), the same for
# the page, the PDF, the API's JSON and the API's PDF.
PROGRESS = {
    "partner_a": (200, 403),
    "partner_b": (200, 403),
    "facilitator": (200, 200),
    "other_facilitator": (404, 404),
    "lead": (200, 200),
    # An org admin sees that the couple exists, never what its partners wrote or scored.
    "admin": (403, 403),
    "researcher": (404, 404),
    "partner_c": (404, 404),
    "trial_facilitator": (404, 404),
    "trial_partner_a": (404, 404),
}

# Writing the facilitator's summary on the report (web): the care team.
SUMMARY = {
    "partner_a": 403,
    "partner_b": 403,
    "facilitator": 302,
    "other_facilitator": 404,
    "lead": 302,
    "admin": 403,
    "researcher": 404,
    "partner_c": 404,
    "trial_facilitator": 404,
    "trial_partner_a": 404,
}


def _phq9(cast: Cast) -> int:
    submitted = response_submit(
        viewer=cast.viewer("partner_a"),
        couple=cast.couple,
        instrument="phq9",
        timepoint="baseline",
        answers=answers_from_list(get_instrument("phq9"), [1] * 9 + [0]),
    )
    return submitted.response.pk


@pytest.mark.parametrize("who", EVERYONE)
def test_it_gives_the_export_and_the_outcomes_to_researchers_and_leads_alone(
    cast: Cast, who: str
) -> None:
    web = cast.client(who)
    want = EXPORTS[who]
    assert web.get("/exports/measures.csv").status_code == want
    assert web.get("/outcomes/").status_code == want
    assert web.get(f"/exports/measures.csv?organisation={cast.center.pk}").status_code == want
    # Another organisation's data is nobody's here, whatever their role at home.
    for url in ("/exports/measures.csv", "/outcomes/"):
        assert web.get(f"{url}?organisation={cast.trial.pk}").status_code == 404


@pytest.mark.parametrize("who", EVERYONE)
def test_it_gives_a_fhir_response_to_the_partner_who_answered_and_the_care_team(
    cast: Cast, who: str
) -> None:
    response_id = _phq9(cast)
    url = f"/api/v1/couples/{cast.couple.pk}/responses/{response_id}/fhir"
    api = cast.api(who)
    assert api.get(url).status_code == FHIR_RESPONSE[who]
    cast.client("partner_a").post(
        f"/couples/{cast.couple.pk}/measures-sharing", {"visibility": "couple"}
    )
    assert api.get(url).status_code == FHIR_RESPONSE[who]
    # The instruments themselves are no one's record: every signed-in client may have them.
    assert api.get("/api/v1/instruments/phq9/fhir").status_code == 200


@pytest.mark.parametrize("who", EVERYONE)
def test_it_gives_each_variant_of_the_progress_report_to_whom_the_policy_allows(
    cast: Cast, who: str
) -> None:
    web, api = cast.client(who), cast.api(who)
    base = f"/couples/{cast.couple.pk}"
    problems = []
    for variant, want in zip(("couple", "clinical"), PROGRESS[who], strict=True):
        answers = {
            "page": web.get(f"{base}/report/?variant={variant}").status_code,
            "pdf": web.get(f"{base}/report.pdf?variant={variant}").status_code,
            "api json": api.get(f"/api/v1{base}/report?variant={variant}").status_code,
            "api pdf": api.get(f"/api/v1{base}/report?variant={variant}&format=pdf").status_code,
        }
        problems += [f"{variant} {how}: {got}" for how, got in answers.items() if got != want]
    assert problems == [], f"want {PROGRESS[who]}"


@pytest.mark.parametrize("who", CENTER)
def test_it_answers_404_for_the_report_of_a_couple_of_another_organisation(
    cast: Cast, who: str
) -> None:
    base = f"/couples/{cast.trial_couple.pk}"
    for variant in ("couple", "clinical"):
        assert cast.client(who).get(f"{base}/report/?variant={variant}").status_code == 404
        assert cast.api(who).get(f"/api/v1{base}/report?variant={variant}").status_code == 404


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_only_the_care_team_write_the_summary(cast: Cast, who: str) -> None:
    response = cast.client(who).post(
        f"/couples/{cast.couple.pk}/report/summary", {"text": f"Summary by {who}"}
    )
    assert response.status_code == SUMMARY[who]
    written = ProgressSummary.objects.filter(couple=cast.couple).count()
    assert written == (1 if SUMMARY[who] == 302 else 0)


@pytest.mark.parametrize("who", CENTER)
def test_it_audits_every_refusal_in_the_organisations_chain(cast: Cast, who: str) -> None:
    client, api = cast.client(who), cast.api(who)
    client.get("/exports/measures.csv")
    client.get(f"/exports/measures.csv?organisation={cast.trial.pk}")
    client.get(f"/couples/{cast.couple.pk}/report/?variant=clinical")
    api.get(f"/api/v1/couples/{cast.couple.pk}/report?variant=clinical&format=pdf")
    refused = AuditEvent.objects.filter(action="access.denied", actor_id=cast.people[who].pk)
    # Every refusal is written, and none lands in the chain of no organisation.
    expected = (EXPORTS[who] != 200) + 1 + 2 * (PROGRESS[who][1] != 200)
    assert refused.count() == expected
    assert not refused.filter(organisation_id__isnull=True).exists()
    assert set(refused.values_list("organisation_id", flat=True)) == {cast.center.pk}


def test_it_keeps_the_report_json_of_each_variant_to_its_own_sections(cast: Cast) -> None:
    url = f"/api/v1/couples/{cast.couple.pk}/report"
    couple = cast.api("partner_a").get(f"{url}?variant=couple").json()
    clinical = cast.api("facilitator").get(f"{url}?variant=clinical").json()
    assert couple["partners_clinical"] == [] and couple["readiness"] == ""
    assert [p["name"] for p in clinical["partners_clinical"]] == ["Partner A", "Partner B"]
    assert clinical["readiness"]
    assert json.dumps(couple).count("Not screened yet") == 0
