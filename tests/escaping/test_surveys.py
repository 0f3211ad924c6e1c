"""Surveys: what the committee writes (titles, questions, options) and what people answer."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from mentorship.models import Notification
from surveys import emails
from surveys import services as surveys
from surveys.models import Invitation, Question, Survey
from tests.escaping.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(world, typed):
    """A draft, attributed survey of the world's cohort, with every kind of typed text."""
    now = timezone.now()
    survey = Survey.objects.create(
        cohort=world.cohort,
        title=typed("survey"),
        intro=typed("intro"),
        is_anonymous=False,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=14),
    )
    Question.objects.create(
        survey=survey,
        position=1,
        kind=Question.Kind.SINGLE,
        text=typed("q-single"),
        help_text=typed("q-help"),
        options=f"{typed('option-a')}\n{typed('option-b')}",
    )
    Question.objects.create(
        survey=survey, position=2, kind=Question.Kind.TEXT, text=typed("q-text"), required=False
    )
    Question.objects.create(
        survey=survey,
        position=3,
        kind=Question.Kind.YES_NO,
        text=typed("q-recommend"),
        measures=Question.Measure.RECOMMEND,
    )
    return survey


def questions(survey):
    single, text, recommend = survey.questions.order_by("position")
    return single, text, recommend


def send(survey, committee, capture):
    with capture(execute=True):
        response = login(committee).post(
            reverse("admin:surveys_survey_changelist"),
            {"action": "send_selected", "_selected_action": [survey.pk]},
        )
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.status == Survey.Status.OPEN


QUESTION_TEXTS = ("q-single", "q-help", "option-a", "option-b", "q-text", "q-recommend")


def test_drafting_and_sending_a_survey_escape_its_texts(
    world, survey, typed, shown, committee, django_capture_on_commit_callbacks
):
    admin = login(committee)
    shown.page(
        admin,
        reverse("admin:surveys_survey_changelist"),
        "survey",
        "cohort",
        where="survey list",
    )
    shown.page(
        admin,
        reverse("admin:surveys_survey_change", args=[survey.pk]),
        "survey",
        "intro",
        "cohort",
        # The questions inline: inputs and the options textarea.
        "q-single",
        "q-help",
        "q-text",
        "q-recommend",
        where="draft survey form",
        exact=(f"{typed('option-a')}\n{typed('option-b')}",),
    )
    template = Survey.objects.create(is_template=True, title=typed("template"))
    shown.page(
        admin,
        reverse("admin:surveys_survey_start", args=[template.pk]),
        "template",
        "cohort",
        where="start a survey from a template",
    )

    send(survey, committee, django_capture_on_commit_callbacks)
    for person in (world.apm, world.mentor):
        invitation = Notification.objects.get(
            kind=Notification.Kind.SURVEY_INVITATION, user=person.user
        )
        shown.email(invitation, "survey", "cohort", short=(person.role,))
    # A week on, the mentor has not answered: the reminder goes out.
    Invitation.objects.filter(user=world.mentor.user).update(
        invited_email_sent_at=timezone.now() - timedelta(days=8)
    )
    invitation = Invitation.objects.get(user=world.mentor.user)
    assert emails.reminder_email_send(invitation_id=invitation.pk)
    reminder = Notification.objects.get(kind=Notification.Kind.SURVEY_REMINDER)
    shown.email(reminder, "survey", short=("mentor",))
    shown.assert_all_escaped()


def test_answering_a_survey_escapes_questions_drafts_and_answers(
    world, survey, typed, shown, committee, django_capture_on_commit_callbacks
):
    send(survey, committee, django_capture_on_commit_callbacks)
    single, text, recommend = questions(survey)
    apm = login(world.apm.user)
    shown.page(apm, reverse("home"), "survey", where="home with a survey invitation")
    shown.page(apm, reverse("surveys:mine"), "survey", "cohort", where="my surveys")
    answer_url = reverse("surveys:answer", args=[survey.pk])
    texts = QUESTION_TEXTS
    shown.page(apm, answer_url, "survey", "intro", *texts, where="survey form")
    # A saved draft comes back in the form.
    shown.post(
        apm,
        reverse("surveys:draft", args=[survey.pk]),
        {f"q_{text.pk}": typed("draft-answer")},
        "draft-answer",
        *texts,
        where="survey form with a saved draft",
    )
    answers = {
        f"q_{single.pk}": typed("option-a"),
        f"q_{text.pk}": typed("answer"),
        f"q_{recommend.pk}": "1",
    }
    shown.post(
        apm,
        reverse("surveys:submit", args=[survey.pk]),
        answers,
        "survey",
        where="home after answering",
    )
    shown.page(
        apm,
        reverse("surveys:my_answers", args=[survey.pk]),
        "survey",
        "q-single",
        "option-a",
        "q-text",
        "answer",
        where="my answers",
    )
    shown.assert_all_escaped()


def test_results_escape_titles_answers_and_groups(
    world, survey, typed, shown, committee, settings, django_capture_on_commit_callbacks
):
    settings.SURVEY_PRIVACY_THRESHOLD = 1  # one answer is enough to show the free text
    send(survey, committee, django_capture_on_commit_callbacks)
    single, text, recommend = questions(survey)
    invitation = Invitation.objects.get(user=world.apm.user)
    surveys.response_submit(
        invitation=invitation,
        answers={single.pk: typed("option-a"), text.pk: typed("answer"), recommend.pk: 1},
    )
    surveys.survey_close(survey=survey, acting_user=committee)
    committee.user_permissions.add(Permission.objects.get(codename="view_attributed_answers"))
    admin = login(committee)
    shown.page(
        admin,
        reverse("surveys:results", args=[survey.pk]),
        "survey",
        "cohort",
        "q-single",
        "option-a",
        "option-b",
        "q-text",
        "answer",  # the free-text sample
        "q-recommend",  # "From the question ..."
        "apm-unit",
        "mentor-unit",  # participation by business unit
        where="survey results",
    )
    shown.page(
        admin,
        reverse("surveys:cohort_results", args=[world.cohort.pk]),
        "survey",
        "cohort",
        "apm-unit",
        where="cohort survey results",
    )
    shown.page(
        admin,
        reverse("surveys:attributed_answers", args=[survey.pk]),
        "survey",
        "apm",
        "apm-unit",
        "q-single",
        "option-a",
        "q-text",
        "answer",
        where="attributed answers",
    )
    shown.page(admin, reverse("surveys:outcomes"), "cohort", where="outcomes")
    shown.page(
        admin,
        reverse("admin:surveys_invitation_changelist"),
        "apm",
        "mentor",
        "survey",
        "apm-unit",
        where="invitation list",
    )
    shown.page(
        admin,
        reverse("admin:surveys_survey_change", args=[survey.pk]),
        "survey",
        "intro",
        "q-single",
        "q-help",
        where="closed survey page",
    )
    shown.page(
        admin,
        reverse("admin:mentorship_auditlog_changelist"),
        "survey",
        where="audit log after reading answers",
    )
    shown.assert_all_escaped()
