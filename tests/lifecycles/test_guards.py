"""What may happen in which state: each guard refuses, and the refusal changes nothing.

Cohorts go draft → intake open → matching → active → closed. Matching waits for intake
to close, joining stops when it closes, and surveys wait for the program to start.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from matching import services as matching
from matching.models import Match, MatchingRun, Proposal
from mentorship import intake
from mentorship.cohorts import COHORT_NOT_MATCHABLE, COHORT_NOT_SURVEYABLE
from mentorship.models import (
    AuditLog,
    Cohort,
    Enrollment,
    Notification,
    Profile,
    Role,
)
from surveys import services as surveys
from surveys.models import Invitation, Question, Survey
from surveys.services.sending import EARLY_WEEKS
from tests.factories import CohortFactory, EnrollmentFactory, TeamFactory
from tests.lifecycles.support import make_proposal, messages_of, post_action
from tests.matching.test_admin import default_weights
from tests.mentorship.test_intake import apm_answers

pytestmark = pytest.mark.django_db

SURVEYS = reverse("admin:surveys_survey_changelist")
PROPOSALS = reverse("admin:matching_proposal_changelist")


def not_matchable(cohort) -> str:
    return COHORT_NOT_MATCHABLE % {"cohort": cohort.name, "status": cohort.get_status_display()}


def not_surveyable(cohort) -> str:
    return COHORT_NOT_SURVEYABLE % {"cohort": cohort.name, "status": cohort.get_status_display()}


# --- Matching waits until intake has closed ----------------------------------------------


def test_running_matching_while_intake_is_open_is_refused_and_nothing_is_queued(
    cohort, committee, make_apm, make_mentor, django_capture_on_commit_callbacks
):
    make_apm(), make_mentor()
    assert cohort.status == Cohort.Status.INTAKE_OPEN

    with django_capture_on_commit_callbacks() as queued, pytest.raises(ValidationError) as error:
        matching.run_request(cohort=cohort, acting_user=committee)

    assert error.value.messages == [not_matchable(cohort)]
    assert queued == []
    assert not MatchingRun.objects.exists()
    assert not AuditLog.objects.filter(action="matching.run_requested").exists()


def test_the_run_page_does_not_start_a_run_for_a_cohort_with_intake_open(
    cohort, committee_client, make_apm, make_mentor, django_capture_on_commit_callbacks
):
    make_apm(), make_mentor()
    with django_capture_on_commit_callbacks() as queued:
        response = committee_client.post(
            reverse("admin:matching_matchingrun_add"), {"cohort": cohort.pk, **default_weights()}
        )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert queued == []
    assert not MatchingRun.objects.exists()


def test_approving_a_proposal_while_intake_is_open_is_refused(
    cohort, committee, committee_client, make_apm, make_mentor
):
    proposal = make_proposal(apm=make_apm(), mentor=make_mentor())

    with pytest.raises(ValidationError) as error:
        matching.proposal_approve(proposal=proposal, acting_user=committee)
    assert error.value.messages == [not_matchable(cohort)]

    response = post_action(committee_client, PROPOSALS, "approve_selected", proposal)
    pair = f"{proposal.apm.user} ↔ {proposal.mentor.user}"
    assert messages_of(response) == [f"{pair}: {not_matchable(cohort)}"]
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (Proposal.Status.PROPOSED, None)
    assert not Match.objects.exists()


def test_hand_matching_while_intake_is_open_is_refused(
    cohort, committee, committee_client, make_apm, make_mentor
):
    apm, mentor = make_apm(), make_mentor()

    with pytest.raises(ValidationError) as error:
        matching.match_create_by_hand(apm=apm, mentor=mentor, acting_user=committee)
    assert error.value.messages == [not_matchable(cohort)]

    response = committee_client.post(
        reverse("admin:matching_match_add"), {"apm": apm.pk, "mentor": mentor.pk, "confirm": "1"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [not_matchable(cohort)]
    assert not Match.objects.exists()
    assert not AuditLog.objects.filter(action="matching.hand_match").exists()


# --- Joining stops when intake closes ------------------------------------------------------


@pytest.fixture
def matching_cohort(db):
    """Intake closed by the committee, although its closing date has not come yet."""
    cohort = CohortFactory(status=Cohort.Status.MATCHING)
    assert cohort.intake_opens_at < timezone.now() < cohort.intake_closes_at
    return cohort


def test_joining_a_cohort_in_matching_is_refused(matching_cohort, outsider):
    with pytest.raises(ValidationError) as error:
        intake.enrollment_save(
            user=outsider,
            cohort=matching_cohort,
            role=Role.APM,
            full_name="Late Joiner",
            profile_data={},
            intake_data={"topics": []},
        )
    assert error.value.messages == [intake.INTAKE_CLOSED % {"cohort": matching_cohort.name}]
    assert not Enrollment.objects.exists()


def test_posting_the_intake_page_of_a_cohort_in_matching_changes_nothing(
    client, matching_cohort, outsider, categories
):
    team = TeamFactory(name="Benefits Portal")
    client.force_login(outsider)

    response = client.post(
        reverse("intake", args=[matching_cohort.slug, Role.APM]), apm_answers(team)
    )

    assert response.status_code == 409
    assert not Enrollment.objects.exists()
    assert not Profile.objects.filter(user=outsider).exists()
    outsider.refresh_from_db()
    assert outsider.full_name != "Avery Park"


def test_withdrawing_after_intake_closed_is_refused_with_the_message(client, matching_cohort):
    enrollment = EnrollmentFactory(cohort=matching_cohort)
    client.force_login(enrollment.user)

    response = client.post(reverse("withdraw", args=[matching_cohort.slug, Role.APM]), follow=True)

    assert intake.WITHDRAW_AFTER_INTAKE % {"cohort": matching_cohort.name} in messages_of(response)
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.SUBMITTED
    assert not AuditLog.objects.filter(action="enrollment.withdraw").exists()


def test_a_mentor_capacity_below_their_active_matches_is_refused(committee, active_cohort):
    mentor = EnrollmentFactory(cohort=active_cohort, role=Role.MENTOR, capacity=2)
    for _ in range(2):
        Match.objects.create(
            cohort=active_cohort, apm=EnrollmentFactory(cohort=active_cohort), mentor=mentor
        )

    with pytest.raises(ValidationError) as error:
        intake.enrollment_capacity_set(enrollment=mentor, capacity=1, acting_user=committee)

    assert error.value.messages == [
        intake.CAPACITY_BELOW_MATCHES
        % {"person": mentor.user.display_name, "active": 2, "cohort": active_cohort.name}
    ]
    mentor.refresh_from_db()
    assert mentor.capacity == 2
    assert not AuditLog.objects.filter(action="enrollment.capacity").exists()


# --- Surveys wait for the program to start -------------------------------------------------


def matched_survey(cohort, **fields) -> Survey:
    """A draft survey of a cohort with one matched pair, who would be invited."""
    apm = EnrollmentFactory(cohort=cohort)
    mentor = EnrollmentFactory(cohort=cohort, role=Role.MENTOR)
    Match.objects.create(cohort=cohort, apm=apm, mentor=mentor)
    now = timezone.now()
    survey = Survey.objects.create(
        cohort=cohort, title="How is it going?", audience="both",
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=7), **fields,
    )  # fmt: skip
    Question.objects.create(survey=survey, position=1, kind="text", text="Anything to add?")
    return survey


NOT_STARTED = [Cohort.Status.DRAFT, Cohort.Status.INTAKE_OPEN, Cohort.Status.MATCHING]


@pytest.mark.parametrize("status", NOT_STARTED)
def test_sending_a_survey_before_the_program_started_is_refused(status, committee):
    cohort = CohortFactory(status=status)
    survey = matched_survey(cohort)

    with pytest.raises(ValidationError) as error:
        surveys.survey_open(survey=survey, acting_user=committee)

    assert error.value.messages == [not_surveyable(cohort)]
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("status", NOT_STARTED)
def test_the_send_action_refuses_a_survey_of_a_cohort_not_started(
    status, committee_client, django_capture_on_commit_callbacks
):
    cohort = CohortFactory(status=status)
    survey = matched_survey(cohort)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_action(committee_client, SURVEYS, "send_selected", survey)

    assert messages_of(response) == [f"{survey}: {not_surveyable(cohort)}"]
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT
    assert not Invitation.objects.exists()
    assert not Notification.objects.exists()


@pytest.fixture
def end_of_cohort_survey(committee):
    """Make an end-of-cohort survey (one APM to invite) for a cohort ``status`` that
    started ``started`` ago (a negative time: it starts later)."""

    def make(*, started=timedelta(weeks=2), status=Cohort.Status.ACTIVE) -> Survey:
        today, now = timezone.localdate(), timezone.now()
        cohort = CohortFactory(
            status=status,
            intake_opens_at=now - timedelta(days=60),
            intake_closes_at=now - timedelta(days=30),
            program_starts_on=today - started,
            program_ends_on=today + timedelta(days=200),
        )
        surveys.survey_templates_install()
        Match.objects.create(
            cohort=cohort,
            apm=EnrollmentFactory(cohort=cohort),
            mentor=EnrollmentFactory(cohort=cohort, role=Role.MENTOR),
        )
        return surveys.survey_create_from_template(
            template=Survey.objects.get(template_key="end-of-cohort-apm"),
            cohort=cohort,
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(days=14),
            acting_user=committee,
        )

    return make


@pytest.fixture
def early_end_of_cohort_survey(end_of_cohort_survey):
    """An end-of-cohort survey for a cohort that started two weeks ago."""
    return end_of_cohort_survey()


def test_sending_an_early_end_of_cohort_survey_needs_confirming(
    early_end_of_cohort_survey, committee
):
    survey = early_end_of_cohort_survey

    with pytest.raises(ValidationError) as error:
        surveys.survey_open(survey=survey, acting_user=committee)
    assert error.value.error_list[0].code == "confirm_early"
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT
    assert not Invitation.objects.exists()

    surveys.survey_open(survey=survey, acting_user=committee, confirm_early=True)
    survey.refresh_from_db()
    assert survey.status == Survey.Status.OPEN
    assert Invitation.objects.filter(survey=survey).count() == 1


def test_the_send_action_asks_before_sending_an_early_end_of_cohort_survey(
    early_end_of_cohort_survey, committee_client, django_capture_on_commit_callbacks
):
    survey = early_end_of_cohort_survey
    data = {"action": "send_selected", "_selected_action": [survey.pk]}

    asked = committee_client.post(SURVEYS, data)

    assert asked.status_code == 200
    assert "admin/surveys/survey/confirm_early.html" in [t.name for t in asked.templates]
    assert 'name="confirm_early" value="yes"' in asked.content.decode()
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT
    assert not Invitation.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        sent = committee_client.post(SURVEYS, {**data, "confirm_early": "yes"}, follow=True)

    assert "Sent 1 survey." in messages_of(sent)
    survey.refresh_from_db()
    assert survey.status == Survey.Status.OPEN
    assert Invitation.objects.filter(survey=survey).count() == 1
    assert AuditLog.objects.get(action="surveys.sent").details["confirmed_early"] is True


def test_a_survey_not_from_an_end_of_cohort_template_sends_early_without_asking(
    early_end_of_cohort_survey, committee_client
):
    cohort = early_end_of_cohort_survey.cohort
    check_in = surveys.survey_create_from_template(
        template=Survey.objects.get(template_key="mid-point-check-in"),
        cohort=cohort,
        opens_at=timezone.now() - timedelta(minutes=5),
        closes_at=timezone.now() + timedelta(days=14),
        acting_user=None,
    )

    response = post_action(committee_client, SURVEYS, "send_selected", check_in)

    assert "Sent 1 survey." in messages_of(response)
    check_in.refresh_from_db()
    assert check_in.status == Survey.Status.OPEN


def test_an_end_of_cohort_survey_six_weeks_after_the_start_sends_without_asking(
    end_of_cohort_survey, committee
):
    survey = end_of_cohort_survey(started=timedelta(weeks=EARLY_WEEKS))

    surveys.survey_open(survey=survey, acting_user=committee)

    survey.refresh_from_db()
    assert survey.status == Survey.Status.OPEN


@pytest.mark.parametrize("status", NOT_STARTED)
def test_the_send_action_refuses_an_end_of_cohort_survey_of_a_cohort_not_started_without_asking(
    status, end_of_cohort_survey, committee_client
):
    survey = end_of_cohort_survey(started=-timedelta(days=30), status=status)

    response = post_action(committee_client, SURVEYS, "send_selected", survey)

    assert "admin/surveys/survey/confirm_early.html" not in [t.name for t in response.templates]
    assert messages_of(response) == [f"{survey}: {not_surveyable(survey.cohort)}"]
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT
    assert not Invitation.objects.exists()
