"""seed_organisation at a small size: the shape benchmarks/pages.py relies on."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from matching.models import Match, MatchingRun, Meeting, Proposal
from mentorship.common.models import AuditLog
from mentorship.demo import COMMITTEE_EMAIL
from mentorship.management.commands.seed_organisation import NOT_IN_PRODUCTION
from mentorship.management.organisation import ALREADY_SEEDED, COHORT_SLUG, TOO_FEW_MENTORS
from mentorship.models import Cohort, Enrollment, Notification, Promotion, Role, User
from surveys.comparison import promotion_comparison
from surveys.models import (
    Answer,
    EligiblePerson,
    EligiblePromotion,
    Invitation,
    Response,
    Survey,
)

pytestmark = pytest.mark.django_db

SMALL = ["--apms", "60", "--mentors", "40", "--survey-responses", "50"]
ALLOWED = "--i-know-this-is-not-production"


@pytest.fixture
def organisation():
    call_command("seed_organisation", *SMALL, ALLOWED)
    return Cohort.objects.get(slug=COHORT_SLUG)


def test_seed_organisation_refuses_without_debug_or_the_flag():
    with pytest.raises(CommandError) as refused:
        call_command("seed_organisation", *SMALL)
    assert str(refused.value) == NOT_IN_PRODUCTION
    assert not User.objects.exists()


def test_seed_organisation_refuses_too_few_mentors_for_the_apms():
    with pytest.raises(CommandError) as refused:
        call_command("seed_organisation", "--apms", "10", "--mentors", "3", ALLOWED)
    assert str(refused.value) == TOO_FEW_MENTORS % {"mentors": 3, "slots": 9, "apms": 10}
    assert not User.objects.exists()


def test_seed_organisation_builds_people_on_top_of_the_demo(organisation):
    assert User.objects.filter(email=COMMITTEE_EMAIL).exists()
    enrollments = Enrollment.objects.filter(cohort=organisation)
    assert enrollments.filter(role=Role.APM).count() == 60
    assert enrollments.filter(role=Role.MENTOR).count() == 40
    assert not enrollments.exclude(status=Enrollment.Status.SUBMITTED).exists()
    assert not enrollments.filter(submitted_at=None).exists()
    assert not enrollments.annotate(n=Count("topics")).filter(n=0).exists()
    for enrollment in enrollments.select_related("user__profile"):
        profile = enrollment.user.profile
        assert profile.title
        assert profile.team_id
        assert profile.team.business_unit_id == profile.business_unit_id
        assert profile.agencies
    assert enrollments.filter(role=Role.APM, user__profile__manager__isnull=False).count() == 60
    assert organisation.status == Cohort.Status.ACTIVE


def test_seed_organisation_matches_every_apm_within_the_rules(organisation):
    run = MatchingRun.objects.get(cohort=organisation)
    assert run.status == MatchingRun.Status.SUCCEEDED
    assert (run.apm_count, run.matched_count, run.unmatched_count) == (60, 60, 0)
    assert Proposal.objects.filter(run=run, status=Proposal.Status.APPROVED).count() == 60
    matches = Match.objects.filter(cohort=organisation)
    assert matches.filter(status=Match.Status.ACTIVE, proposal__isnull=False).count() == 60
    assert matches.values("apm").distinct().count() == 60
    over = (
        Enrollment.objects.filter(cohort=organisation, role=Role.MENTOR)
        .annotate(taken=Count("mentor_matches"))
        .filter(taken__gt=F("capacity"))
    )
    assert not over.exists()
    same_team = Q(apm__user__profile__team=F("mentor__user__profile__team"))
    managed = Q(apm__user__profile__manager=F("mentor__user"))
    assert not matches.filter(same_team | managed).exists()
    assert all(p.reasons and p.parts for p in Proposal.objects.filter(run=run))
    introductions = Notification.objects.filter(kind=Notification.Kind.MATCH_INTRODUCTION)
    assert introductions.filter(status=Notification.Status.SENT).count() == 120


def test_seed_organisation_logs_meetings_for_every_pair(organisation):
    counts = Match.objects.filter(cohort=organisation).annotate(n=Count("meetings"))
    assert set(counts.values_list("n", flat=True)) == {2}
    assert not Meeting.objects.filter(occurred_on__gt=timezone.localdate()).exists()
    assert not Meeting.objects.annotate(n=Count("topics")).filter(n=0).exists()


def test_seed_organisation_closes_an_anonymous_survey_with_its_responses(organisation):
    survey = Survey.objects.get(cohort=organisation, status=Survey.Status.CLOSED)
    assert survey.is_anonymous
    assert survey.sealed_at is not None
    assert survey.invitations.count() == 60
    assert survey.invitations.exclude(completed_on=None).count() == 50
    responses = Response.objects.filter(survey=survey)
    assert responses.count() == 50
    assert not responses.filter(Q(user__isnull=False) | Q(submitted_on__isnull=False)).exists()
    answered = Answer.objects.filter(response__survey=survey)
    required = survey.questions.filter(required=True, only_for_promoted=False)
    for question in required:
        assert answered.filter(question=question).values("response").distinct().count() == 50
    assert not answered.exclude(question__survey=survey).exists()


def test_seed_organisation_leaves_an_open_survey_for_everyone_matched(organisation):
    survey = Survey.objects.get(cohort=organisation, status=Survey.Status.OPEN)
    assert survey.is_open()
    matched = set(Match.objects.filter(cohort=organisation).values_list("apm__user", flat=True))
    matched |= set(
        Match.objects.filter(cohort=organisation).values_list("mentor__user", flat=True)
    )
    assert set(survey.invitations.values_list("user", flat=True)) == matched
    assert not Invitation.objects.filter(survey=survey).exclude(completed_on=None).exists()


def test_seed_organisation_writes_a_year_of_audit_rows(organisation):
    now = timezone.now()
    rows = AuditLog.objects.all()
    assert rows.filter(created_at__lt=now - timedelta(days=360)).exists()
    assert rows.filter(created_at__gt=now - timedelta(days=2)).exists()
    assert not rows.filter(created_at__gt=now).exists()
    assert rows.filter(action="matching.proposal_approved").count() == 60


def test_seed_organisation_refuses_a_second_run_and_changes_nothing(organisation):
    before = (User.objects.count(), Match.objects.count(), AuditLog.objects.count())
    with pytest.raises(CommandError) as refused:
        call_command("seed_organisation", *SMALL, ALLOWED)
    assert str(refused.value) == ALREADY_SEEDED % {"slug": COHORT_SLUG}
    assert (User.objects.count(), Match.objects.count(), AuditLog.objects.count()) == before


def test_seeded_people_and_committee_open_their_pages(organisation, client):
    match = Match.objects.select_related("apm__user", "mentor__user").order_by("pk").first()
    closed = Survey.objects.get(cohort=organisation, status=Survey.Status.CLOSED)
    opened = Survey.objects.get(cohort=organisation, status=Survey.Status.OPEN)
    client.force_login(match.apm.user)
    assert client.get("/").status_code == 200
    assert client.get(f"/matches/{match.pk}/meetings/").status_code == 200
    assert client.get(f"/surveys/{opened.pk}/").status_code == 200
    client.force_login(User.objects.get(email=COMMITTEE_EMAIL))
    page = client.get(f"/surveys/{closed.pk}/results/")
    assert page.status_code == 200
    assert b"<strong>50 of 60</strong> invited people answered" in page.content
    assert client.get(f"/committee/journey/?cohort={COHORT_SLUG}").status_code == 200


def test_seed_organisation_files_every_apm_and_a_comparison_group(organisation):
    apms = set(
        Enrollment.objects.filter(cohort=organisation, role=Role.APM).values_list(
            "user__email", flat=True
        )
    )
    filed = set(EligiblePerson.objects.values_list("email", flat=True))
    assert apms < filed
    assert len(filed - apms) == len(apms)
    # The APMs' promotions in the file are the confirmed ones, on the same day.
    confirmed = set(
        Promotion.objects.filter(status=Promotion.Status.CONFIRMED).values_list(
            "user__email", "promoted_on"
        )
    )
    in_file = set(
        EligiblePromotion.objects.filter(person__email__in=apms).values_list(
            "person__email", "promoted_on"
        )
    )
    assert confirmed
    assert in_file == confirmed
    assert AuditLog.objects.filter(action="eligible_population.import").count() == 1
    found = promotion_comparison(cohorts=[organisation])["comparison_cohorts"][0]
    assert found.participants > 0
    assert found.others > 0
    assert found.participants + found.left_out == 60
