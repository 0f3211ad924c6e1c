"""Each form a person fills refuses hidden characters with a field error and saves nothing;
multi-line answers keep their line breaks. (The rule itself: tests/mentorship/test_text.py.)"""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from matching import services as matching
from matching.models import Meeting, RematchRequest
from mentorship.common.text import CONTROL_CHARACTER_REFUSED, describe_character
from mentorship.models import Enrollment, Promotion, Role, User
from surveys import services as surveys
from surveys.models import Answer, Question, Survey
from tests.factories import PASSWORD, EnrollmentFactory, TeamFactory, UserFactory
from tests.mentorship.test_intake import apm_answers, intake_url

pytestmark = pytest.mark.django_db


def refusal(character: str) -> str:
    return CONTROL_CHARACTER_REFUSED % {"character": describe_character(character)}


def errors(response, form="form") -> dict:
    assert response.status_code == 200, response.status_code
    return response.context[form].errors


@pytest.fixture
def pair(active_cohort, committee, units):
    """A matched APM and mentor in a cohort that is running."""
    apm, mentor = (
        EnrollmentFactory(cohort=active_cohort, role=role, topics=["career-growth"],
                          profile__team=TeamFactory(business_unit=unit))
        for role, unit in ((Role.APM, units[0]), (Role.MENTOR, units[1]))
    )  # fmt: skip
    return matching.match_create_by_hand(apm=apm, mentor=mentor, acting_user=committee)


def test_the_intake_refuses_a_name_that_reads_backwards_and_saves_nothing(
    client, outsider, cohort, units
):
    client.force_login(outsider)
    answers = apm_answers(units_team(units), full_name="Ava\u202enimda", bio="Hi\x00")

    response = client.post(intake_url(cohort, Role.APM), answers)

    assert errors(response, "profile_form")["full_name"] == [refusal("\u202e")]
    assert errors(response, "profile_form")["bio"] == [refusal("\x00")]
    assert not Enrollment.objects.filter(user=outsider).exists()
    assert User.objects.get(pk=outsider.pk).full_name == outsider.full_name


def units_team(units):
    return units[0].teams.create(name="Benefits")


def test_the_intake_keeps_line_breaks_and_tabs_in_multi_line_answers(
    client, outsider, cohort, units
):
    client.force_login(outsider)
    goals = "Learn contracting.\r\n\tThen lead a discovery sprint."

    response = client.post(
        intake_url(cohort, Role.APM), apm_answers(units_team(units), goals=goals)
    )

    assert response.status_code == 302
    assert Enrollment.objects.get(user=outsider).goals == goals


def test_meeting_notes_refuse_an_escape_character_and_keep_paragraphs(client, pair):
    client.force_login(pair.apm.user)
    url = reverse("meeting_new", args=[pair.pk])
    day = timezone.localdate().isoformat()
    data = {"occurred_on": day, "duration_minutes": "30"}

    refused = client.post(url, {**data, "notes": "Talked\x1b[31m about CORs"})
    saved = client.post(url, {**data, "notes": "Talked about CORs.\n\nNext: the SOW."})

    assert errors(refused)["notes"] == [refusal("\x1b")]
    assert saved.status_code == 302
    assert Meeting.objects.get().notes == "Talked about CORs.\n\nNext: the SOW."


def test_a_rematch_reason_refuses_an_isolate_character(client, pair):
    client.force_login(pair.mentor.user)

    response = client.post(
        reverse("matching:rematch_request", args=[pair.pk]), {"reason": "\u2066hidden\u2069"}
    )

    assert errors(response)["reason"] == [refusal("\u2066")]
    assert not RematchRequest.objects.exists()


def test_a_promotion_report_refuses_a_null_character(client, pair):
    client.force_login(pair.apm.user)
    data = {"from_title": "APM", "to_title": "Product\x00Manager"}

    response = client.post(
        reverse("promotion_report"), {**data, "promoted_on": timezone.localdate().isoformat()}
    )

    assert errors(response)["to_title"] == [refusal("\x00")]
    assert not Promotion.objects.exists()


def test_a_survey_text_answer_refuses_control_characters_and_keeps_line_breaks(
    client, pair, committee
):
    now = timezone.now()
    survey = Survey.objects.create(cohort=pair.cohort, title="Check-in", audience="both",
                                   opens_at=now - timedelta(days=1),
                                   closes_at=now + timedelta(days=7))  # fmt: skip
    text = Question.objects.create(survey=survey, position=1, kind="text", text="Anything else?")
    surveys.survey_open(survey=survey, acting_user=committee)
    client.force_login(pair.apm.user)
    url = reverse("surveys:submit", args=[survey.pk])

    refused = client.post(url, {f"q_{text.pk}": "Fine\x07 thanks"})
    answered = client.post(url, {f"q_{text.pk}": "More meetings.\nShorter ones."})

    assert errors(refused)[f"q_{text.pk}"] == [refusal("\x07")]
    assert answered.status_code == 302
    surveys.ballots_mix(survey_id=survey.pk, final=True)  # anonymous: batched, mixed now
    assert Answer.objects.get().text == "More meetings.\nShorter ones."


def test_sign_up_refuses_hidden_characters_in_the_name_email_and_password(client):
    response = client.post(
        reverse("account_signup"),
        {"full_name": "Avery\u202e Park", "email": "new\u202e@adhoc.example",
         "password1": "pass\x1b" + PASSWORD, "password2": "pass\x1b" + PASSWORD},
    )  # fmt: skip

    assert errors(response)["full_name"] == [refusal("\u202e")]
    assert errors(response)["email"] == [refusal("\u202e")]
    assert errors(response)["password1"] == [refusal("\x1b")]
    assert not EmailAddress.objects.exists()


def test_sign_in_with_a_null_character_answers_with_the_form(client):
    user = UserFactory()

    response = client.post(
        reverse("account_login"), {"login": f"{user.email}\x00", "password": PASSWORD}
    )

    assert errors(response)["login"] == [refusal("\x00")]
    assert "_auth_user_id" not in client.session
