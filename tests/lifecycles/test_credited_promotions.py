"""Promotions: only an APM reports one, and only one dated on or after the APM's match
started counts for the program. Graduation needs such a promotion; the outcomes figures,
the survey's promotion questions and the journey's promoted step count only those.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from matching.models import Match
from mentorship import graduation
from mentorship.journey import PROMOTED, cohort_funnel
from mentorship.models import GraduationGuide, Notification, Promotion, Role
from surveys.outcomes import outcomes_dashboard
from surveys.selectors import promoted_user_ids
from tests.factories import EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def matched_since_ten_days(active_cohort):
    """Make an APM matched in the active cohort ten days ago; returns the match."""
    mentor = EnrollmentFactory(cohort=active_cohort, role=Role.MENTOR, capacity=3)

    def make() -> Match:
        apm = EnrollmentFactory(cohort=active_cohort)
        match = Match.objects.create(cohort=active_cohort, apm=apm, mentor=mentor)
        Match.objects.filter(pk=match.pk).update(created_at=timezone.now() - timedelta(days=10))
        match.refresh_from_db()
        return match

    return make


def promoted(match, *, days_ago: int) -> Promotion:
    return Promotion.objects.create(
        user=match.apm.user, cohort=match.cohort, from_title="APM", to_title="Product Manager",
        promoted_on=timezone.localdate() - timedelta(days=days_ago),
        status=Promotion.Status.CONFIRMED,
    )  # fmt: skip


def test_graduating_on_a_promotion_from_before_the_match_started_is_refused(
    matched_since_ten_days, committee
):
    match = matched_since_ten_days()
    promoted(match, days_ago=20)

    with pytest.raises(ValidationError) as error:
        graduation.apm_graduate(match=match, acting_user=committee)

    assert error.value.messages == [
        graduation.GRADUATION_NO_PROMOTION % {"apm": match.apm.user.display_name}
    ]
    match.refresh_from_db()
    assert (match.status, match.ended_at) == (Match.Status.ACTIVE, None)
    assert not GraduationGuide.objects.exists()
    assert not Notification.objects.exists()


def test_a_promotion_on_the_day_the_match_started_lets_the_apm_graduate(
    matched_since_ten_days, committee
):
    match = matched_since_ten_days()
    promoted(match, days_ago=(timezone.localdate() - timezone.localdate(match.created_at)).days)

    graduation.apm_graduate(match=match, acting_user=committee)

    match.refresh_from_db()
    assert match.status == Match.Status.GRADUATED


def test_only_promotions_from_after_the_match_started_are_counted(
    matched_since_ten_days, active_cohort
):
    before = matched_since_ten_days()
    after = matched_since_ten_days()
    promoted(before, days_ago=20)
    counted = promoted(after, days_ago=3)
    user_ids = {before.apm.user_id, after.apm.user_id}

    assert list(graduation.credited_promotions(cohort=active_cohort)) == [counted]
    assert not graduation.credited_promotions(user=before.apm.user, cohort=active_cohort).exists()
    assert promoted_user_ids(cohort=active_cohort, user_ids=user_ids) == {after.apm.user_id}
    outcome = next(row for row in outcomes_dashboard()["cohorts"] if row.cohort == active_cohort)
    assert (outcome.apms, outcome.promoted_apms) == (2, 1)
    funnel = cohort_funnel(cohort=active_cohort)
    assert next(step.count for step in funnel.steps if step.code == PROMOTED) == 1


def test_reporting_a_promotion_is_refused_for_someone_who_is_not_an_apm(active_cohort):
    mentor = EnrollmentFactory(cohort=active_cohort, role=Role.MENTOR).user
    outsider = UserFactory()

    for person in (mentor, outsider):
        with pytest.raises(ValidationError) as error:
            graduation.promotion_report(
                user=person, from_title="PM", to_title="Senior PM",
                promoted_on=timezone.localdate(),
            )  # fmt: skip
        assert error.value.messages == [graduation.PROMOTION_NOT_AN_APM]
    assert not Promotion.objects.exists()
