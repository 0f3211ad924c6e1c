"""Sending surveys, inviting the audience, drafts and answers, closing and templates."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from matching.models import Match
from mentorship.models import AuditLog, Enrollment, Role
from surveys import selectors, services, tasks
from surveys.models import Answer, Ballot, Invitation, Question, Response, Survey
from surveys.starter import PROMOTION_TEXT, RECOMMEND_TEXT
from tests.factories import CohortFactory, EnrollmentFactory
from tests.surveys.conftest import answers_for, close, mix, promote, question

pytestmark = pytest.mark.django_db


def messages_of(error: ValidationError) -> list[str]:
    return list(error.value.messages)


def stored_nothing() -> bool:
    """No response and no ballot (an anonymous answer waiting to be mixed)."""
    return not Response.objects.exists() and not Ballot.objects.exists()


# --- Sending and inviting ----------------------------------------------------------------


def test_sending_invites_every_matched_person_in_the_audience_and_nobody_else(
    make_pair, make_apm, make_survey, committee
):
    active, ended, graduated = (make_pair(status=s) for s in ("active", "ended", "graduated"))
    make_apm()  # not matched
    withdrawn = make_pair()
    Enrollment.objects.filter(pk=withdrawn.apm_id).update(status="withdrawn")
    other_cohort = EnrollmentFactory(cohort=CohortFactory())
    survey = make_survey(audience="apms")
    services.survey_open(survey=survey, acting_user=committee)
    invited = set(Invitation.objects.filter(survey=survey).values_list("user_id", "role"))
    assert invited == {(m.apm.user_id, Role.APM) for m in (active, ended, graduated)}
    assert other_cohort.user_id not in {user for user, _ in invited}
    assert AuditLog.objects.filter(action="surveys.sent").count() == 1


def test_a_survey_for_both_roles_asks_mentors_too_and_notes_their_business_unit(
    make_pair, make_survey, committee, units
):
    pair = make_pair()
    survey = make_survey(audience="both")
    services.survey_open(survey=survey, acting_user=committee)
    rows = set(Invitation.objects.values_list("user_id", "role", "business_unit__name"))
    assert rows == {
        (pair.apm.user_id, "apm", "Veterans"),
        (pair.mentor.user_id, "mentor", "Health"),
    }


def test_someone_who_is_both_apm_and_mentor_in_a_cohort_is_asked_once_as_an_apm(
    make_pair, make_survey, committee
):
    pair = make_pair()
    second = EnrollmentFactory(cohort=pair.cohort, role=Role.MENTOR, user=pair.apm.user)
    Match.objects.create(cohort=pair.cohort, apm=make_pair().apm, mentor=second, status="ended")
    survey = make_survey()
    services.survey_open(survey=survey, acting_user=committee)
    assert Invitation.objects.get(survey=survey, user=pair.apm.user).role == Role.APM


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "open"}, "has already been sent"),
        ({"closes_in": timedelta(hours=-1), "opens_in": timedelta(days=-3)}, "which has passed"),
        ({"questions": []}, "Add at least one question"),
    ],
)
def test_sending_refuses_a_survey_that_cannot_go_out(make_survey, committee, change, message):
    survey = make_survey(**change)
    with pytest.raises(ValidationError) as error:
        services.survey_open(survey=survey, acting_user=committee)
    assert message in messages_of(error)[0]
    assert not Invitation.objects.exists()


def test_a_template_cannot_be_sent(committee):
    services.survey_templates_install()
    template = Survey.objects.filter(is_template=True).first()
    with pytest.raises(ValidationError) as error:
        services.survey_open(survey=template, acting_user=committee)
    assert messages_of(error) == [services.TEMPLATE_CANNOT_BE_SENT]


def test_a_survey_sent_before_it_opens_invites_when_the_schedule_finds_it_open(
    make_pair, make_survey, committee
):
    make_pair()
    survey = make_survey(opens_in=timedelta(days=2), closes_in=timedelta(days=9))
    services.survey_open(survey=survey, acting_user=committee)
    assert not Invitation.objects.exists()
    assert tasks.run_survey_schedule()["invited"] == 0
    Survey.objects.filter(pk=survey.pk).update(opens_at=timezone.now() - timedelta(minutes=1))
    assert tasks.run_survey_schedule()["invited"] == 1
    assert Invitation.objects.filter(survey=survey).count() == 2


def test_inviting_again_adds_people_matched_since_and_never_anyone_twice(make_pair, open_survey):
    make_pair()
    survey = open_survey()
    assert Invitation.objects.count() == 2
    make_pair()
    assert services.survey_invite_audience(survey_id=survey.pk) == 2
    assert services.survey_invite_audience(survey_id=survey.pk) == 0
    assert Invitation.objects.count() == 4


# --- Answering ---------------------------------------------------------------------------


@pytest.fixture
def invitation(make_pair, open_survey):
    pair = make_pair()
    survey = open_survey()
    return Invitation.objects.select_related("survey").get(survey=survey, user=pair.apm.user)


def test_an_answer_is_stored_once_and_completion_is_recorded_on_the_invitation(invitation):
    survey = invitation.survey
    ballot = services.response_submit(
        invitation=invitation,
        answers=answers_for(survey, multiple=["Contracting", "Frameworks"], text="More pairs."),
    )
    invitation.refresh_from_db()
    assert invitation.completed_on == timezone.localdate()
    assert isinstance(ballot, Ballot)
    assert not Response.objects.exists()  # anonymous answers appear in batches
    assert mix(survey) == 1
    assert not Ballot.objects.exists()
    response = Response.objects.get(survey=survey)
    assert (response.user, response.role, response.submitted_on) == (None, "apm", None)
    stored = {(a.question.kind, a.number, a.choice, a.text) for a in response.answers.all()}
    assert stored == {
        ("scale", 4, "", ""), ("nps", 9, "", ""), ("yes_no", 1, "", ""),
        ("single", None, "Yes", ""), ("multiple", None, "Contracting", ""),
        ("multiple", None, "Frameworks", ""),
        ("text", None, "", "More pairs."),
    }  # fmt: skip


def test_a_second_submission_is_refused_and_stores_nothing(invitation):
    services.response_submit(invitation=invitation, answers=answers_for(invitation.survey))
    with pytest.raises(ValidationError) as error:
        services.response_submit(invitation=invitation, answers=answers_for(invitation.survey))
    assert messages_of(error) == [services.ALREADY_ANSWERED]
    assert Ballot.objects.count() == 1
    assert mix(invitation.survey) == 1
    assert Response.objects.count() == 1


def test_a_stale_invitation_object_cannot_submit_twice(invitation):
    stale = Invitation.objects.get(pk=invitation.pk)
    services.response_submit(invitation=invitation, answers=answers_for(invitation.survey))
    with pytest.raises(ValidationError):
        services.response_submit(invitation=stale, answers=answers_for(invitation.survey))
    assert Ballot.objects.count() == 1
    assert mix(invitation.survey) == 1
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"opens_at": timedelta(days=1), "closes_at": timedelta(days=5)}, "This survey opens on"),
        ({"opens_at": timedelta(days=-5), "closes_at": timedelta(minutes=-1)}, "closed on"),
    ],
)
def test_answers_outside_the_opening_hours_are_refused(invitation, when, message):
    now = timezone.now()
    Survey.objects.filter(pk=invitation.survey_id).update(**{k: now + v for k, v in when.items()})
    with pytest.raises(ValidationError) as error:
        services.response_submit(invitation=invitation, answers=answers_for(invitation.survey))
    assert message in messages_of(error)[0]
    assert stored_nothing()
    invitation.refresh_from_db()
    assert invitation.completed_on is None


def test_an_answer_to_a_question_of_another_survey_stores_nothing(invitation, make_survey):
    other = make_survey(title="Other")
    answers = answers_for(invitation.survey) | {other.questions.first().pk: 3}
    with pytest.raises(ValidationError) as error:
        services.response_submit(invitation=invitation, answers=answers)
    assert messages_of(error) == [services.QUESTION_NOT_IN_SURVEY]
    assert stored_nothing()
    assert Invitation.objects.get(pk=invitation.pk).completed_on is None


@pytest.mark.parametrize(
    ("target", "value"),
    [("nps", 11), ("nps", -1), ("scale", 0), ("scale", 6), ("recommend", 2), ("single", "Never"),
     ("multiple", ["Contracting", "Knitting"]), ("nps", True), ("scale", "4.5")],
)  # fmt: skip
def test_values_that_are_not_possible_answers_are_refused(invitation, target, value):
    survey = invitation.survey
    answers = answers_for(survey) | {question(survey, target).pk: value}
    with pytest.raises(ValidationError) as error:
        services.response_submit(invitation=invitation, answers=answers)
    assert "is not a possible answer to" in messages_of(error)[0]
    assert stored_nothing()


def test_missing_required_answers_are_listed_one_by_one(invitation):
    survey = invitation.survey
    with pytest.raises(ValidationError) as error:
        services.response_submit(invitation=invitation, answers={})
    required = [q.text for q in survey.questions.all() if q.required and not q.only_for_promoted]
    assert messages_of(error) == [services.ANSWER_REQUIRED % {"question": t} for t in required]


def test_the_promotion_question_is_asked_only_of_promoted_apms(invitation):
    survey = invitation.survey
    credit = question(survey, "promotion_credit")
    with pytest.raises(ValidationError) as error:
        services.response_submit(
            invitation=invitation, answers=answers_for(survey) | {credit.pk: 1}
        )
    assert messages_of(error) == [services.QUESTION_NOT_IN_SURVEY]
    promote(invitation.user, survey.cohort)
    with pytest.raises(ValidationError) as error:  # now it is required
        services.response_submit(invitation=invitation, answers=answers_for(survey))
    assert messages_of(error) == [services.ANSWER_REQUIRED % {"question": PROMOTION_TEXT}]
    services.response_submit(invitation=invitation, answers=answers_for(survey) | {credit.pk: 1})
    mix(survey)
    assert Answer.objects.get(question=credit).number == 1


def test_a_reported_but_unconfirmed_promotion_does_not_count(invitation):
    promote(invitation.user, invitation.survey.cohort, status="reported")
    services.response_submit(invitation=invitation, answers=answers_for(invitation.survey))


def test_a_draft_keeps_partial_answers_checks_them_and_is_deleted_on_submit(invitation):
    survey = invitation.survey
    nps = question(survey, "nps")
    services.invitation_save_draft(invitation=invitation, answers={nps.pk: 10})
    invitation.refresh_from_db()
    assert selectors.draft_answers(invitation=invitation) == {str(nps.pk): 10}
    with pytest.raises(ValidationError):
        services.invitation_save_draft(invitation=invitation, answers={nps.pk: 12})
    services.response_submit(invitation=invitation, answers=answers_for(survey))
    invitation.refresh_from_db()
    assert invitation.draft is None
    with pytest.raises(ValidationError) as error:
        services.invitation_save_draft(invitation=invitation, answers={nps.pk: 1})
    assert messages_of(error) == [services.ALREADY_ANSWERED]


def test_an_attributed_response_keeps_the_person_and_the_day(make_pair, open_survey):
    pair = make_pair()
    survey = open_survey(is_anonymous=False)
    invitation = Invitation.objects.get(survey=survey, user=pair.mentor.user)
    response = services.response_submit(invitation=invitation, answers=answers_for(survey))
    assert (response.user, response.submitted_on) == (pair.mentor.user, timezone.localdate())
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(survey=survey, user=pair.mentor.user, role="mentor")


# --- Closing and sealing -----------------------------------------------------------------


def test_closing_ends_answers_is_audited_and_cannot_be_done_twice(invitation, committee):
    survey = close(invitation.survey, committee)
    assert survey.has_closed()
    assert survey.status == "closed"
    assert AuditLog.objects.filter(action="surveys.closed").count() == 1
    with pytest.raises(ValidationError) as error:
        services.survey_close(survey=survey, acting_user=committee)
    assert "already closed" in messages_of(error)[0]
    with pytest.raises(ValidationError):
        services.response_submit(invitation=invitation, answers=answers_for(survey))


def test_closing_a_survey_that_has_not_opened_is_refused(make_survey, committee):
    survey = make_survey(opens_in=timedelta(days=1), closes_in=timedelta(days=3))
    services.survey_open(survey=survey, acting_user=committee)
    with pytest.raises(ValidationError) as error:
        services.survey_close(survey=survey, acting_user=committee)
    assert "has not opened yet" in messages_of(error)[0]


def test_sealing_rewrites_every_answer_once_and_only_for_closed_anonymous_surveys(
    make_pair, open_survey, committee, django_capture_on_commit_callbacks
):
    for _ in range(3):
        make_pair()
    survey = open_survey()
    for invitation in Invitation.objects.filter(survey=survey):
        services.response_submit(invitation=invitation, answers=answers_for(survey, text="x"))
    mix(survey)
    before = sorted(Answer.objects.values_list("id", "response_id", "question_id", "number",
                                               "choice", "text"))  # fmt: skip
    assert not services.survey_seal_responses(survey_id=survey.pk)  # still open
    with django_capture_on_commit_callbacks(execute=True):
        close(survey, committee)
    survey.refresh_from_db()
    assert survey.sealed_at is not None
    after = sorted(Answer.objects.values_list("id", "response_id", "question_id", "number",
                                              "choice", "text"))  # fmt: skip
    assert after == before
    assert Response.objects.count() == 6
    assert not services.survey_seal_responses(survey_id=survey.pk)  # once only


def test_an_attributed_survey_is_never_sealed(make_pair, open_survey, committee):
    make_pair()
    survey = close(open_survey(is_anonymous=False), committee)
    assert not services.survey_seal_responses(survey_id=survey.pk)


# --- Templates ---------------------------------------------------------------------------


def test_installing_templates_twice_creates_them_once_and_keeps_edits():
    assert services.survey_templates_install() == 3
    edited = Survey.objects.get(template_key="mid-point-check-in")
    edited.title = "Our own check-in"
    edited.save()
    assert services.survey_templates_install() == 0
    assert Survey.objects.get(template_key="mid-point-check-in").title == "Our own check-in"
    apm = Survey.objects.get(template_key="end-of-cohort-apm")
    texts = {q.text: q for q in apm.questions.all()}
    assert texts[RECOMMEND_TEXT].measures == "recommend"
    assert texts[PROMOTION_TEXT].only_for_promoted
    mentor = Survey.objects.get(template_key="end-of-cohort-mentor")
    assert mentor.audience == "mentors"
    assert RECOMMEND_TEXT in {q.text for q in mentor.questions.all()}
    for question_row in Question.objects.all():
        question_row.full_clean()


def test_a_survey_started_from_a_template_is_a_draft_copy_for_the_cohort(cohort, committee):
    services.survey_templates_install()
    template = Survey.objects.get(template_key="end-of-cohort-apm")
    now = timezone.now()
    survey = services.survey_create_from_template(
        template=template, cohort=cohort, opens_at=now, closes_at=now + timedelta(days=14),
        acting_user=committee,
    )  # fmt: skip
    assert (survey.status, survey.cohort, survey.is_template) == ("draft", cohort, False)
    assert survey.title == f"End-of-cohort survey for APMs · {cohort.name}"
    copied = list(survey.questions.values_list("text", "kind", "measures", "only_for_promoted"))
    assert copied == list(
        template.questions.values_list("text", "kind", "measures", "only_for_promoted")
    )
    assert AuditLog.objects.filter(action="surveys.created_from_template").exists()
    with pytest.raises(ValidationError):
        services.survey_create_from_template(
            template=survey, cohort=cohort, opens_at=now, closes_at=now + timedelta(days=1),
            acting_user=committee,
        )  # fmt: skip


def test_question_rules_refuse_a_measure_on_the_wrong_kind_and_choices_without_options(
    make_survey,
):
    survey = make_survey(questions=[])
    with pytest.raises(ValidationError) as error:
        Question(survey=survey, kind="scale", text="x", measures="recommend").full_clean()
    assert "measures" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        Question(survey=survey, kind="single", text="x", options="Only one").full_clean()
    assert "options" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.create(survey=survey, kind="nps", text="x", measures="recommend")
