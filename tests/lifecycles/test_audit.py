"""Every state change writes exactly one audit row: who did it, the old and the new state."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from matching import services as matching
from matching.models import Match, MatchingRun, Proposal, RematchRequest
from mentorship import graduation, intake
from mentorship.cohorts import INTAKE_CLOSED_SUMMARY
from mentorship.models import Cohort, Enrollment, Promotion, Role
from surveys import services as surveys
from surveys.models import Question, Survey
from tests.factories import CohortFactory, EnrollmentFactory
from tests.lifecycles.support import (
    audit_mark,
    audit_rows_since,
    make_proposal,
    messages_of,
    post_action,
    the_one_move,
)

pytestmark = pytest.mark.django_db

COHORTS = reverse("admin:mentorship_cohort_changelist")
PROPOSALS = reverse("admin:matching_proposal_changelist")
MATCHES = reverse("admin:matching_match_changelist")
SURVEYS = reverse("admin:surveys_survey_changelist")
PROMOTIONS = reverse("admin:mentorship_promotion_changelist")


@pytest.fixture
def cohort(active_cohort):
    """Pairs are matched, met and surveyed in a cohort whose program runs."""
    return active_cohort


@pytest.fixture
def match(cohort, make_apm, make_mentor):
    return Match.objects.create(cohort=cohort, apm=make_apm(), mentor=make_mentor())


# --- Cohorts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        ("open_intake", Cohort.Status.DRAFT, Cohort.Status.INTAKE_OPEN),
        ("close_intake", Cohort.Status.INTAKE_OPEN, Cohort.Status.MATCHING),
        ("mark_active", Cohort.Status.MATCHING, Cohort.Status.ACTIVE),
        ("close", Cohort.Status.ACTIVE, Cohort.Status.CLOSED),
    ],
)
def test_each_cohort_move_from_the_admin_writes_one_audit_row(
    action, start, end, committee, committee_client
):
    moving = CohortFactory(status=start)
    mark = audit_mark()

    post_action(committee_client, COHORTS, action, moving)

    moving.refresh_from_db()
    assert moving.status == end
    row = the_one_move(mark, "cohort.transition", actor=committee, source=start, target=end)
    assert row.target == f"mentorship.cohort:{moving.pk}"


def test_closing_intake_says_how_many_are_in_and_records_it(committee, committee_client):
    closing = CohortFactory()
    for _ in range(2):
        EnrollmentFactory(cohort=closing)
        EnrollmentFactory(cohort=closing, role=Role.MENTOR)
    EnrollmentFactory(cohort=closing, status=Enrollment.Status.WITHDRAWN)
    mark = audit_mark()

    response = post_action(committee_client, COHORTS, "close_intake", closing)

    summary = INTAKE_CLOSED_SUMMARY % {"cohort": closing.name, "apms": 2, "mentors": 2}
    assert summary == f"Intake closed for {closing.name}: 2 APMs and 2 mentors are in."
    assert messages_of(response) == [summary]
    row = the_one_move(
        mark,
        "cohort.transition",
        actor=committee,
        source=Cohort.Status.INTAKE_OPEN,
        target=Cohort.Status.MATCHING,
    )
    assert (row.summary, row.details["apms"], row.details["mentors"]) == (summary, 2, 2)


# --- Enrollments -----------------------------------------------------------------------------


def test_withdrawing_on_the_intake_page_writes_one_audit_row(client):
    enrollment = EnrollmentFactory(cohort=CohortFactory())
    client.force_login(enrollment.user)
    mark = audit_mark()

    response = client.post(reverse("withdraw", args=[enrollment.cohort.slug, Role.APM]))

    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.WITHDRAWN
    the_one_move(
        mark,
        "enrollment.withdraw",
        actor=enrollment.user,
        source=Enrollment.Status.SUBMITTED,
        target=Enrollment.Status.WITHDRAWN,
    )


def test_rejoining_after_withdrawing_writes_one_audit_row():
    enrollment = EnrollmentFactory(cohort=CohortFactory())
    person = enrollment.user
    intake.enrollment_withdraw(enrollment=enrollment, acting_user=person)
    mark = audit_mark()

    intake.enrollment_save(
        user=person,
        cohort=enrollment.cohort,
        role=Role.APM,
        full_name=person.full_name,
        profile_data={},
        intake_data={"topics": [], "goals": "Back again"},
    )

    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.goals) == (Enrollment.Status.SUBMITTED, "Back again")
    the_one_move(
        mark,
        "enrollment.rejoin",
        actor=person,
        source=Enrollment.Status.WITHDRAWN,
        target=Enrollment.Status.SUBMITTED,
    )


# --- Proposals, matches and rematches --------------------------------------------------------


def test_approving_from_the_admin_writes_one_audit_row(
    committee, committee_client, make_apm, make_mentor, django_capture_on_commit_callbacks
):
    proposal = make_proposal(apm=make_apm(), mentor=make_mentor())
    mark = audit_mark()

    with django_capture_on_commit_callbacks(execute=True):
        response = post_action(committee_client, PROPOSALS, "approve_selected", proposal)

    assert "Approved 1." in messages_of(response)
    row = the_one_move(
        mark,
        "matching.proposal_approved",
        actor=committee,
        source=Proposal.Status.PROPOSED,
        target=Proposal.Status.APPROVED,
    )
    assert row.details["match"] == Match.objects.get(proposal=proposal).pk


def test_rejecting_from_the_admin_writes_one_audit_row(
    committee, committee_client, make_apm, make_mentor
):
    proposal = make_proposal(apm=make_apm(), mentor=make_mentor())
    mark = audit_mark()

    post_action(committee_client, PROPOSALS, "reject_selected", proposal)

    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (Proposal.Status.REJECTED, committee)
    the_one_move(
        mark,
        "matching.proposal_rejected",
        actor=committee,
        source=Proposal.Status.PROPOSED,
        target=Proposal.Status.REJECTED,
    )


def test_ending_a_match_from_the_admin_writes_one_audit_row(match, committee, committee_client):
    mark = audit_mark()

    post_action(committee_client, MATCHES, "end_selected", match, confirm_end="yes")

    match.refresh_from_db()
    assert match.status == Match.Status.ENDED
    the_one_move(
        mark,
        "matching.match_ended",
        actor=committee,
        source=Match.Status.ACTIVE,
        target=Match.Status.ENDED,
    )


def test_resolving_a_rematch_request_writes_one_row_for_it_and_one_for_the_match(match, committee):
    request = matching.rematch_request_create(
        match=match, requested_by=match.apm.user, reason="Our schedules never line up."
    )
    mark = audit_mark()

    matching.rematch_request_resolve(request=request, acting_user=committee)

    the_one_move(
        mark,
        "matching.rematch_resolved",
        actor=committee,
        source=RematchRequest.Status.OPEN,
        target=RematchRequest.Status.RESOLVED,
    )
    the_one_move(
        mark,
        "matching.match_ended",
        actor=committee,
        source=Match.Status.ACTIVE,
        target=Match.Status.ENDED,
    )


def test_declining_a_rematch_request_writes_one_audit_row_and_keeps_the_match(match, committee):
    request = matching.rematch_request_create(
        match=match, requested_by=match.apm.user, reason="Our schedules never line up."
    )
    mark = audit_mark()

    matching.rematch_request_decline(request=request, acting_user=committee)

    the_one_move(
        mark,
        "matching.rematch_declined",
        actor=committee,
        source=RematchRequest.Status.OPEN,
        target=RematchRequest.Status.DECLINED,
    )
    match.refresh_from_db()
    assert match.status == Match.Status.ACTIVE
    assert not audit_rows_since(mark, "matching.match_ended").exists()


# --- Matching runs ---------------------------------------------------------------------------


@pytest.fixture
def queued_run(cohort, make_apm, make_mentor, django_capture_on_commit_callbacks):
    """A requested run the worker has not picked up yet."""
    make_apm(), make_mentor()
    with django_capture_on_commit_callbacks(execute=False):
        return matching.run_request(cohort=cohort, acting_user=None)


def test_a_run_writes_one_audit_row_when_claimed_and_one_when_it_succeeds(queued_run):
    mark = audit_mark()

    matching.run_execute(run_id=queued_run.pk)

    queued_run.refresh_from_db()
    assert queued_run.status == MatchingRun.Status.SUCCEEDED
    the_one_move(
        mark,
        "matching.run_started",
        actor=None,
        source=MatchingRun.Status.QUEUED,
        target=MatchingRun.Status.RUNNING,
    )
    the_one_move(
        mark,
        "matching.run_succeeded",
        actor=None,
        source=MatchingRun.Status.RUNNING,
        target=MatchingRun.Status.SUCCEEDED,
    )


def test_a_run_that_fails_writes_one_audit_row_with_the_failure(queued_run, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(matching.runs.engine, "match", explode)
    mark = audit_mark()

    with pytest.raises(RuntimeError):
        matching.run_execute(run_id=queued_run.pk)

    queued_run.refresh_from_db()
    assert queued_run.status == MatchingRun.Status.FAILED
    the_one_move(
        mark,
        "matching.run_started",
        actor=None,
        source=MatchingRun.Status.QUEUED,
        target=MatchingRun.Status.RUNNING,
    )
    row = the_one_move(
        mark,
        "matching.run_failed",
        actor=None,
        source=MatchingRun.Status.RUNNING,
        target=MatchingRun.Status.FAILED,
    )
    assert "solver exploded" in row.summary
    assert not audit_rows_since(mark, "matching.run_succeeded").exists()


# --- Surveys ---------------------------------------------------------------------------------


@pytest.fixture
def draft_survey(cohort, match):
    now = timezone.now()
    survey = Survey.objects.create(
        cohort=cohort, title="Mid-point check-in", audience="both",
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=7),
    )  # fmt: skip
    Question.objects.create(survey=survey, position=1, kind="text", text="How is it going?")
    return survey


def test_sending_a_survey_from_the_admin_writes_one_audit_row(
    draft_survey, committee, committee_client, django_capture_on_commit_callbacks
):
    mark = audit_mark()

    with django_capture_on_commit_callbacks(execute=True):
        post_action(committee_client, SURVEYS, "send_selected", draft_survey)

    draft_survey.refresh_from_db()
    assert draft_survey.status == Survey.Status.OPEN
    the_one_move(
        mark,
        "surveys.sent",
        actor=committee,
        source=Survey.Status.DRAFT,
        target=Survey.Status.OPEN,
    )


def test_closing_a_survey_from_the_admin_writes_one_audit_row(
    draft_survey, committee, committee_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        surveys.survey_open(survey=draft_survey, acting_user=committee)
    mark = audit_mark()

    with django_capture_on_commit_callbacks(execute=True):
        post_action(committee_client, SURVEYS, "close_selected", draft_survey)

    draft_survey.refresh_from_db()
    assert draft_survey.status == Survey.Status.CLOSED
    the_one_move(
        mark,
        "surveys.closed",
        actor=committee,
        source=Survey.Status.OPEN,
        target=Survey.Status.CLOSED,
    )


# --- Promotions and graduation ---------------------------------------------------------------


def test_confirming_a_promotion_from_the_admin_writes_one_audit_row(
    match, committee, committee_client
):
    reported = graduation.promotion_report(
        user=match.apm.user, from_title="APM", to_title="Product Manager",
        promoted_on=timezone.localdate(),
    )  # fmt: skip
    mark = audit_mark()

    post_action(committee_client, PROMOTIONS, "confirm_selected", reported)

    reported.refresh_from_db()
    assert (reported.status, reported.confirmed_by) == (Promotion.Status.CONFIRMED, committee)
    the_one_move(
        mark,
        "promotion.confirmed",
        actor=committee,
        source=Promotion.Status.REPORTED,
        target=Promotion.Status.CONFIRMED,
    )


def test_graduating_writes_one_audit_row(match, committee, django_capture_on_commit_callbacks):
    graduation.promotion_record(
        user=match.apm.user, from_title="APM", to_title="Product Manager",
        promoted_on=timezone.localdate(), acting_user=committee,
    )  # fmt: skip
    mark = audit_mark()

    with django_capture_on_commit_callbacks(execute=True):
        graduation.apm_graduate(match=match, acting_user=committee)

    match.refresh_from_db()
    assert match.status == Match.Status.GRADUATED
    the_one_move(
        mark,
        "graduation.graduated",
        actor=committee,
        source=Match.Status.ACTIVE,
        target=Match.Status.GRADUATED,
    )
