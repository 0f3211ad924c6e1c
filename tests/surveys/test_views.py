"""What participants see and do: their invitations, the form, drafts, bad input."""

import re
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mentorship.common import errormail
from surveys import forms, selectors, services
from surveys.models import Answer, Ballot, Invitation, Response, Survey
from tests.surveys.conftest import answers_for, close, mix, question

pytestmark = pytest.mark.django_db


def stored_nothing() -> bool:
    """No response and no ballot (an anonymous answer waiting to be mixed)."""
    return not Response.objects.exists() and not Ballot.objects.exists()


@pytest.fixture
def setting(make_pair, open_survey):
    pair = make_pair()
    survey = open_survey()
    return survey, pair


def urls(survey):
    return {name: reverse(f"surveys:{name}", args=[survey.pk])
            for name in ("answer", "draft", "submit", "my_answers")}  # fmt: skip


def form_data(survey, **overrides) -> dict:
    data = {}
    for question_id, value in answers_for(survey, **overrides).items():
        data[f"q_{question_id}"] = value if isinstance(value, list) else str(value)
    return data


def test_the_apm_sees_the_form_built_from_the_questions(client, setting):
    survey, pair = setting
    client.force_login(pair.apm.user)
    page = client.get(urls(survey)["answer"])
    assert page.status_code == 200
    html = page.content.decode()
    for q in survey.questions.exclude(only_for_promoted=True):
        assert q.text in html
    assert "Did the program contribute to your promotion?" not in html
    assert "<fieldset" in html
    assert "<legend" in html
    assert "Save draft" in html
    assert "Submit answers" in html


def test_submitting_stores_the_answers_and_returns_home_with_thanks(client, setting):
    survey, pair = setting
    client.force_login(pair.apm.user)
    response = client.post(urls(survey)["submit"], form_data(survey, text="Keep it going"))
    assert response.status_code == 302
    assert response.url == reverse("home")
    # Anonymous: a sealed ballot now, a response once there are enough for a batch.
    assert Ballot.objects.filter(survey=survey).count() == 1
    assert not Response.objects.exists()
    page = client.get(reverse("home"))
    assert "stored without your name" in page.content.decode()
    assert mix(survey) == 1
    assert Answer.objects.get(response__survey=survey, text__gt="").text == "Keep it going"


def test_a_double_click_stores_one_response_and_explains_the_second(client, setting):
    survey, pair = setting
    client.force_login(pair.apm.user)
    client.post(urls(survey)["submit"], form_data(survey))
    second = client.post(urls(survey)["submit"], form_data(survey), follow=True)
    assert services.ALREADY_ANSWERED in second.content.decode()
    assert Ballot.objects.count() == 1
    assert mix(survey) == 1
    assert Response.objects.count() == 1
    again = client.get(urls(survey)["answer"])
    assert "You answered this survey on" in again.content.decode()


def test_missing_required_answers_are_shown_and_nothing_is_stored(client, setting):
    survey, pair = setting
    client.force_login(pair.apm.user)
    page = client.post(urls(survey)["submit"], {})
    html = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in html
    assert "Nothing has been sent yet; your answers are still here." in html
    assert (
        html.count(forms.ANSWER_THIS)
        # once beside each question, once in the summary at the top
        == 2 * survey.questions.filter(required=True, only_for_promoted=False).count()
    )
    assert stored_nothing()


def test_an_out_of_range_value_gets_a_clear_error_and_nothing_is_stored(client, setting):
    survey, pair = setting
    client.force_login(pair.apm.user)
    data = form_data(survey) | {f"q_{question(survey, 'nps').pk}": "11"}
    page = client.post(urls(survey)["submit"], data)
    assert forms.CHOOSE_NPS in page.content.decode()
    assert stored_nothing()
    assert Invitation.objects.get(user=pair.apm.user).completed_on is None


def test_a_forged_question_id_gets_a_clear_error_and_nothing_is_stored(client, setting):
    survey, pair = setting
    client.force_login(pair.apm.user)
    promotion = question(survey, "promotion_credit")  # not asked: the APM is not promoted
    for forged in ("q_999999", f"q_{promotion.pk}"):
        page = client.post(urls(survey)["submit"], form_data(survey) | {forged: "1"})
        assert services.QUESTION_NOT_IN_SURVEY in page.content.decode()
    assert stored_nothing()


def test_a_survey_for_another_audience_says_so_and_stores_nothing(client, make_pair, open_survey):
    pair = make_pair()
    survey = open_survey(audience="apms")
    client.force_login(pair.mentor.user)
    page = client.get(reverse("surveys:answer", args=[survey.pk]))
    assert page.status_code == 403
    assert "you are not on its list" in page.content.decode()
    posted = client.post(reverse("surveys:submit", args=[survey.pk]), form_data(survey))
    assert posted.status_code == 403
    assert stored_nothing()


def test_an_outsider_is_told_they_are_not_invited(client, setting, outsider):
    survey, _ = setting
    client.force_login(outsider)
    assert client.get(urls(survey)["answer"]).status_code == 403
    assert client.post(urls(survey)["draft"], form_data(survey)).status_code == 403
    assert stored_nothing()
    assert not Invitation.objects.filter(draft__isnull=False).exists()


@pytest.mark.parametrize(
    ("opens", "closes", "text"),
    [(1, 5, "This survey opens on"), (-5, -1, "This survey closed on")],
)
def test_a_closed_or_not_yet_open_survey_says_so_and_stores_nothing(
    client, setting, opens, closes, text
):
    survey, pair = setting
    now = timezone.now()
    Survey.objects.filter(pk=survey.pk).update(
        opens_at=now + timedelta(days=opens), closes_at=now + timedelta(days=closes)
    )
    client.force_login(pair.apm.user)
    assert text in client.get(urls(survey)["answer"]).content.decode()
    posted = client.post(urls(survey)["submit"], form_data(survey))
    assert posted.status_code == 409
    assert text in posted.content.decode()
    assert stored_nothing()


def test_drafts_and_templates_and_unknown_surveys_are_not_found(client, setting, make_survey):
    _survey, pair = setting
    client.force_login(pair.apm.user)
    draft = make_survey(title="Not sent")
    services.survey_templates_install()
    template = Survey.objects.filter(is_template=True).first()
    for pk in (draft.pk, template.pk, 999999):
        assert client.get(reverse("surveys:answer", args=[pk])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, setting):
    survey, _ = setting
    response = client.get(urls(survey)["answer"])
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_wrong_methods_are_refused(client, setting):
    survey, pair = setting
    client.force_login(pair.apm.user)
    assert client.post(urls(survey)["answer"]).status_code == 405
    assert client.get(urls(survey)["submit"]).status_code == 405
    assert client.get(urls(survey)["draft"]).status_code == 405


def test_a_draft_is_saved_shown_again_and_deleted_on_submit(client, setting):
    survey, pair = setting
    client.force_login(pair.apm.user)
    nps, text = question(survey, "nps"), question(survey, "text")
    response = client.post(urls(survey)["draft"], {f"q_{nps.pk}": "7", f"q_{text.pk}": "Half"})
    assert response.status_code == 302
    assert response.url == urls(survey)["answer"]
    invitation = Invitation.objects.get(user=pair.apm.user)
    # Anonymous: stored encrypted, read back for the form.
    assert isinstance(invitation.draft, str)
    assert "Half" not in invitation.draft
    assert selectors.draft_answers(invitation=invitation) == {str(nps.pk): 7, str(text.pk): "Half"}
    assert stored_nothing()
    page = client.get(urls(survey)["answer"]).content.decode()
    assert "Draft saved" in page
    assert re.search(rf'name="q_{nps.pk}" value="7"[^>]*checked', page)
    assert "Half</textarea>" in page
    client.post(urls(survey)["submit"], form_data(survey))
    invitation.refresh_from_db()
    assert invitation.draft is None
    assert invitation.completed_on


def test_a_draft_with_an_impossible_value_is_refused(client, setting):
    survey, pair = setting
    client.force_login(pair.apm.user)
    page = client.post(urls(survey)["draft"], {f"q_{question(survey, 'scale').pk}": "9"})
    assert forms.CHOOSE_SCALE in page.content.decode()
    assert Invitation.objects.get(user=pair.apm.user).draft is None


def test_people_see_only_their_own_surveys(client, setting, make_pair):
    survey, pair = setting
    other = make_pair()
    services.survey_invite_audience(survey_id=survey.pk)
    client.force_login(pair.apm.user)
    page = client.get(reverse("surveys:mine"))
    assert list(page.context["invitations"]) == [
        Invitation.objects.get(survey=survey, user=pair.apm.user)
    ]
    assert selectors.home_invitations(user=other.apm.user)[0].user == other.apm.user


def test_home_invitations_lists_open_unanswered_surveys_in_one_query(
    setting, open_survey, committee, django_assert_num_queries
):
    survey, pair = setting
    second = open_survey(title="Mid-point check-in")
    closed = close(open_survey(title="Closed one"), committee)
    invitation = Invitation.objects.get(survey=second, user=pair.apm.user)
    services.response_submit(invitation=invitation, answers=answers_for(second))
    with django_assert_num_queries(1):
        found = selectors.home_invitations(user=pair.apm.user)
        titles = [i.survey.title for i in found] + [i.survey.cohort.name for i in found]
    assert titles[:1] == [survey.title]
    assert closed.title not in titles
    html = render_to_string("surveys/_home_invitations.html", {"survey_invitations": found})
    assert f'href="/surveys/{survey.pk}/"' in html
    assert "Surveys for you" in html


def test_the_answer_page_costs_a_fixed_number_of_queries(client, setting, make_pair):
    survey, pair = setting
    client.force_login(pair.apm.user)
    url = urls(survey)["answer"]
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for _ in range(5):
        make_pair()
    services.survey_invite_audience(survey_id=survey.pk)
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    assert len(first) == len(second) <= 12


def test_people_can_read_their_own_attributed_answers_but_not_anonymous_ones(
    client, make_pair, open_survey
):
    pair = make_pair()
    attributed = open_survey(is_anonymous=False, title="Named")
    anonymous = open_survey(title="Unnamed")
    for survey in (attributed, anonymous):
        invitation = Invitation.objects.get(survey=survey, user=pair.apm.user)
        services.response_submit(invitation=invitation, answers=answers_for(survey, text="Mine"))
    client.force_login(pair.apm.user)
    own = client.get(reverse("surveys:my_answers", args=[attributed.pk])).content.decode()
    assert "Mine" in own
    hidden = client.get(reverse("surveys:my_answers", args=[anonymous.pk])).content.decode()
    assert "Mine" not in hidden
    assert "cannot be shown back to you" in hidden
    # The mentor reads only their own (unanswered) page, never their mentee's answers.
    client.force_login(pair.mentor.user)
    page = client.get(reverse("surveys:my_answers", args=[attributed.pk])).content.decode()
    assert "Mine" not in page
    assert "You have not answered this survey yet" in page


def test_mentors_never_reach_results_or_individual_answers(client, make_pair, open_survey):
    pair = make_pair()
    survey = open_survey(is_anonymous=False)
    client.force_login(pair.mentor.user)
    for name in ("results", "results_csv", "attributed_answers"):
        assert client.get(reverse(f"surveys:{name}", args=[survey.pk])).status_code == 404
    assert (
        client.get(reverse("surveys:cohort_results", args=[survey.cohort_id])).status_code == 404
    )
    assert client.get(reverse("surveys:outcomes")).status_code == 404


def test_a_failing_submit_sends_an_error_report_without_the_answers(
    setting, settings, mailoutbox, monkeypatch
):
    """Candid answers must never reach the error mail the administrators get."""

    def database_gone(**kwargs):
        raise RuntimeError("the database went away")

    survey, pair = setting
    settings.ADMINS = [("Ops", "ops@example.org")]
    monkeypatch.setattr(services, "response_submit", database_gone)
    client = Client(raise_request_exception=False)
    client.force_login(pair.apm.user)
    secret = "My manager belittles me in meetings"
    response = client.post(urls(survey)["submit"], form_data(survey, text=secret))
    assert response.status_code == 500
    assert errormail.sender.wait()
    reports = [m for m in mailoutbox if "ops@example.org" in m.to]
    assert reports, "an error report was mailed"
    body = reports[0].body + "".join(str(a[0]) for a in getattr(reports[0], "alternatives", []))
    assert "RuntimeError" in body
    assert secret not in body
