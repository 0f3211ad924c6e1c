"""The enrollment admin: answers the committee may correct, workflow fields it may not."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from matching import services as matching_services
from mentorship import intake
from mentorship.models import AuditLog, Cohort, Enrollment, Role
from tests.factories import CohortFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(active_cohort):
    return active_cohort


@pytest.fixture
def committee_client(client, committee):
    client.force_login(committee)
    return client


@pytest.fixture
def busy_mentor(committee, make_apm, make_mentor):
    """A mentor with capacity 3 and two active mentees."""
    mentor = make_mentor(capacity=3)
    for _ in range(2):
        matching_services.match_create_by_hand(
            apm=make_apm(), mentor=mentor, acting_user=committee
        )
    return mentor


def change_url(enrollment):
    return reverse("admin:mentorship_enrollment_change", args=[enrollment.pk])


def form_data(enrollment, **overrides):
    data = {
        "topics": [t.pk for t in enrollment.topics.all()],
        "career_track": enrollment.career_track,
        "cadence": enrollment.cadence,
        "goals": enrollment.goals,
        "prefers_other_unit": "on" if enrollment.prefers_other_unit else "",
        "notes_for_committee": enrollment.notes_for_committee,
        "capacity": enrollment.capacity or "",
    }
    data.update(overrides)
    return data


def test_posting_workflow_fields_changes_none_of_them(committee_client, busy_mentor):
    other = CohortFactory(status=Cohort.Status.ACTIVE)
    before = Enrollment.objects.get(pk=busy_mentor.pk)
    response = committee_client.post(
        change_url(busy_mentor),
        form_data(
            busy_mentor,
            status=Enrollment.Status.WITHDRAWN,
            role=Role.APM,
            cohort=other.pk,
            user=other.pk,
            goals="Coach two APMs well",
            shared_with_mentor='["goals"]',
        ),
    )
    assert response.status_code == 302
    after = Enrollment.objects.get(pk=busy_mentor.pk)
    assert (after.status, after.role, after.cohort_id, after.user_id) == (
        before.status, before.role, before.cohort_id, before.user_id,
    )  # fmt: skip
    assert after.shared_with_mentor == before.shared_with_mentor
    assert after.goals == "Coach two APMs well"


def test_the_change_form_shows_workflow_fields_read_only(committee_client, busy_mentor):
    page = committee_client.get(change_url(busy_mentor))
    readonly = page.context["adminform"].readonly_fields
    assert {"user", "cohort", "role", "status", "submitted_at", "shared_with_mentor"} <= set(
        readonly
    )
    assert 'name="status"' not in page.content.decode()


def test_there_is_no_add_form(committee_client):
    assert committee_client.get(reverse("admin:mentorship_enrollment_add")).status_code == 403


def test_an_edit_writes_one_audit_row_naming_the_fields(committee_client, committee, busy_mentor):
    committee_client.post(change_url(busy_mentor), form_data(busy_mentor, goals="New goals"))
    entry = AuditLog.objects.get(action="enrollment.edited")
    assert entry.actor == committee
    assert entry.details["fields"] == ["goals"]
    assert "New goals" not in entry.summary  # answers stay out of the log


def test_capacity_below_active_matches_is_refused_in_the_admin(committee_client, busy_mentor):
    response = committee_client.post(change_url(busy_mentor), form_data(busy_mentor, capacity=1))
    assert response.status_code == 200
    message = intake.CAPACITY_BELOW_MATCHES % {
        "person": busy_mentor.user.display_name, "active": 2, "cohort": busy_mentor.cohort.name,
    }  # fmt: skip
    assert message in response.content.decode().replace("&#x27;", "'")
    busy_mentor.refresh_from_db()
    assert busy_mentor.capacity == 3
    assert not AuditLog.objects.filter(action="enrollment.edited").exists()


def test_capacity_at_or_above_active_matches_is_saved_and_audited(committee_client, busy_mentor):
    committee_client.post(change_url(busy_mentor), form_data(busy_mentor, capacity=2))
    busy_mentor.refresh_from_db()
    assert busy_mentor.capacity == 2
    entry = AuditLog.objects.get(action="enrollment.edited")
    assert entry.details["capacity"] == {"from": 3, "to": 2}


def test_the_capacity_service_refuses_below_active_matches(committee, busy_mentor):
    with pytest.raises(intake.ValidationError, match="already mentors 2 APMs"):
        intake.enrollment_capacity_set(enrollment=busy_mentor, capacity=1, acting_user=committee)
    intake.enrollment_capacity_set(enrollment=busy_mentor, capacity=2, acting_user=committee)
    busy_mentor.refresh_from_db()
    assert busy_mentor.capacity == 2
    entry = AuditLog.objects.get(action="enrollment.capacity")
    assert (entry.actor, entry.details["from"], entry.details["to"]) == (committee, 3, 2)


def test_a_mentor_cannot_lower_their_own_capacity_below_their_mentees(busy_mentor):
    cohort = busy_mentor.cohort
    Cohort.objects.filter(pk=cohort.pk).update(
        status=Cohort.Status.INTAKE_OPEN,
        intake_opens_at=timezone.now() - timedelta(days=1),
        intake_closes_at=timezone.now() + timedelta(days=1),
    )
    with pytest.raises(intake.ValidationError, match="already mentors 2 APMs"):
        intake.enrollment_save(
            user=busy_mentor.user,
            cohort=cohort,
            role=Role.MENTOR,
            full_name=busy_mentor.user.full_name,
            profile_data={},
            intake_data={"topics": [], "capacity": 1},
        )
    busy_mentor.refresh_from_db()
    assert busy_mentor.capacity == 3
