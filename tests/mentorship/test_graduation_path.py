"""The graduation path never dead-ends: the guide offers the next cohort, or says when it
opens and the graduate is emailed the day it does."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mentorship import graduation
from mentorship.models import Cohort, Notification, Role
from tests.factories import EnrollmentFactory
from tests.mentorship import test_graduation

pytestmark = pytest.mark.django_db
cohort, match, next_cohort = (
    test_graduation.cohort, test_graduation.match, test_graduation.next_cohort
)  # fmt: skip
promoted, guide = test_graduation.promoted, test_graduation.guide


def invitations(user):
    return Notification.objects.filter(kind=Notification.Kind.MENTOR_INVITATION, user=user)


@pytest.fixture
def later(next_cohort):
    """The next cohort exists but its intake opens in ten days."""
    opens = timezone.now() + timedelta(days=10)
    Cohort.objects.filter(pk=next_cohort.pk).update(
        status=Cohort.Status.DRAFT,
        intake_opens_at=opens,
        intake_closes_at=opens + timedelta(days=14),
    )
    next_cohort.refresh_from_db()
    return next_cohort


def test_the_guide_says_when_the_next_intake_opens_and_the_email_comes_that_day(
    client, match, promoted, committee, later
):
    guide = graduation.apm_graduate(match=match, acting_user=committee)
    assert not invitations(match.apm.user).exists()  # nothing open at graduation
    client.force_login(match.apm.user)
    page = client.get(reverse("graduation_guide")).content.decode()
    assert f"Intake for {later.name} opens on {later.intake_opens_at:%B} " in page
    assert "We'll email you that day" in page

    # The committee opens it; the next daily scan invites the graduate, once.
    Cohort.objects.filter(pk=later.pk).update(
        status=Cohort.Status.INTAKE_OPEN, intake_opens_at=timezone.now() - timedelta(minutes=1)
    )
    assert graduation.graduate_invitations_queue() == 1
    assert graduation.graduate_invitations_queue() == 0
    (invitation,) = invitations(match.apm.user)
    assert invitation.object_key.endswith(f":{later.pk}")
    assert f"/intake/{later.slug}/mentor/?from=graduation" in invitation.body_text
    page = client.get(reverse("graduation_guide")).content.decode()
    assert f"Fill the mentor intake for {later.name}" in page
    assert guide.full_circle_at is None


def test_the_committee_opening_the_intake_invites_the_waiting_graduates_at_once(
    match, promoted, committee, later, django_capture_on_commit_callbacks
):
    from mentorship import cohorts

    graduation.apm_graduate(match=match, acting_user=committee)
    Cohort.objects.filter(pk=later.pk).update(intake_opens_at=timezone.now())
    later.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        cohorts.cohort_transition(
            cohort=later, to_status=Cohort.Status.INTAKE_OPEN, acting_user=committee
        )
    assert not invitations(match.apm.user).exists()  # not before the opening commits
    for callback in callbacks:
        callback()
    (invitation,) = invitations(match.apm.user)
    assert invitation.object_key.endswith(f":{later.pk}")


def test_without_a_date_the_guide_still_promises_the_email(
    client, match, promoted, committee, later
):
    Cohort.objects.filter(pk=later.pk).update(status=Cohort.Status.CLOSED)
    graduation.apm_graduate(match=match, acting_user=committee)
    client.force_login(match.apm.user)
    page = client.get(reverse("graduation_guide")).content.decode()
    assert "the next one has no date" in page


def test_graduates_who_came_full_circle_or_joined_are_not_invited_again(
    match, promoted, committee, later
):
    graduation.apm_graduate(match=match, acting_user=committee)
    Cohort.objects.filter(pk=later.pk).update(
        status=Cohort.Status.INTAKE_OPEN, intake_opens_at=timezone.now() - timedelta(minutes=1)
    )
    EnrollmentFactory(user=match.apm.user, cohort=later, role=Role.MENTOR, capacity=1)
    assert graduation.graduate_invitations_queue() == 0
