from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentorship import cohorts, forms, intake
from mentorship.models import AuditLog, Cohort, Enrollment, Profile, Role, User
from mentorship.selectors import enrollment_shared_answers
from tests.factories import (
    BusinessUnitFactory,
    CohortFactory,
    EnrollmentFactory,
    TeamFactory,
    UserFactory,
)
from toolkit.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return TeamFactory(name="Benefits Portal", business_unit=BusinessUnitFactory(name="Veterans"))


def intake_url(cohort, role):
    return reverse("intake", args=[cohort.slug, role])


def apm_answers(own_team, **overrides):
    data = {
        "full_name": "Avery Park",
        "pronouns": "they/them",
        "title": "Associate Product Manager",
        "level": "associate",
        "years_in_product": "1",
        "bio": "",
        "business_unit": own_team.business_unit_id,
        "team": own_team.pk,
        "manager_email": "",
        "time_zone": "America/Chicago",
        "agencies_text": "VA, CMS",
        "domains_text": "benefits",
        "topics": [
            Category.objects.get(slug="government-contracting").pk,
            Category.objects.get(slug="career-growth").pk,
        ],
        "goals": "Learn how contracts shape the work.",
        "career_track": "people_manager",
        "cadence": "biweekly",
        "prefers_other_unit": "True",
        "shared_with_mentor": ["topics", "career_track"],
        "notes_for_committee": "My manager and I don't get along.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_apm_submits_intake_and_it_is_saved_with_the_profile(client, outsider, cohort, team):
    client.force_login(outsider)
    response = client.post(intake_url(cohort, Role.APM), apm_answers(team))

    assert response.status_code == 302
    assert response.url == reverse("home")
    enrollment = Enrollment.objects.get(user=outsider, cohort=cohort, role=Role.APM)
    assert enrollment.status == Enrollment.Status.SUBMITTED
    assert enrollment.capacity is None
    assert enrollment.prefers_other_unit is True
    assert set(enrollment.topics.values_list("slug", flat=True)) == {
        "government-contracting",
        "career-growth",
    }
    profile = Profile.objects.get(user=outsider)
    assert (profile.team, profile.time_zone, profile.agencies) == (
        team,
        "America/Chicago",
        ["VA", "CMS"],
    )
    outsider.refresh_from_db()
    assert outsider.full_name == "Avery Park"
    page = client.get(reverse("home")).content.decode()
    assert f"Your intake for {cohort.name} is saved" in page
    assert "Edit your intake" in page


def test_apm_comes_back_and_changes_one_answer(client, outsider, cohort, team):
    client.force_login(outsider)
    client.post(intake_url(cohort, Role.APM), apm_answers(team))
    response = client.get(intake_url(cohort, Role.APM))
    assert "Save changes" in response.content.decode()

    client.post(intake_url(cohort, Role.APM), apm_answers(team, cadence="monthly"))
    enrollment = Enrollment.objects.get(user=outsider)
    assert enrollment.cadence == "monthly"
    assert Enrollment.objects.filter(user=outsider).count() == 1


def test_missing_required_answers_are_reported_and_nothing_is_saved(
    client, outsider, cohort, team
):
    client.force_login(outsider)
    response = client.post(intake_url(cohort, Role.APM), apm_answers(team, topics=[], goals=""))

    assert response.status_code == 200
    assert "topics" in response.context["intake_form"].errors
    assert "goals" in response.context["intake_form"].errors
    page = response.content.decode()
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert "There is a problem" in summary
    # Each error links to its field; a group of checkboxes to its first box.
    assert (
        '<a href="#id_topics_0">What would you like to talk about with your mentor? '
        "This field is required.</a>"
    ) in summary
    assert '<a href="#id_goals">What do you want to get out of the program? ' in summary
    assert 'id="id_topics_0"' in page
    assert 'id="id_goals"' in page
    # Each field and each group is described by its error.
    assert 'aria-describedby="id_goals_error"' in page
    assert 'aria-describedby="id_topics_helptext id_topics_error"' in page
    assert not Enrollment.objects.exists()
    assert not Profile.objects.filter(user=outsider).exists()


def test_a_team_from_another_business_unit_is_refused(client, outsider, cohort, team):
    other = TeamFactory(name="Identity", business_unit=BusinessUnitFactory(name="Tax"))
    client.force_login(outsider)
    response = client.post(intake_url(cohort, Role.APM), apm_answers(team, team=other.pk))
    expected = forms.TEAM_NOT_IN_UNIT % {"team": other, "unit": team.business_unit}
    assert response.context["profile_form"].errors["team"] == [expected]
    assert not Enrollment.objects.exists()


def test_a_person_cannot_name_themselves_as_manager(client, outsider, cohort, team):
    client.force_login(outsider)
    response = client.post(
        intake_url(cohort, Role.APM), apm_answers(team, manager_email=outsider.email.upper())
    )
    assert response.context["profile_form"].errors["manager_email"] == [forms.OWN_MANAGER]


def test_an_unknown_manager_is_recorded_without_a_password(client, outsider, cohort, team):
    client.force_login(outsider)
    client.post(
        intake_url(cohort, Role.APM), apm_answers(team, manager_email="Boss@Adhoc.Example")
    )
    manager = User.objects.get(email="boss@adhoc.example")
    assert not manager.has_usable_password()
    assert Profile.objects.get(user=outsider).manager == manager


def test_mentor_intake_records_a_capacity_of_two(client, outsider, cohort, team):
    client.force_login(outsider)
    data = apm_answers(team, capacity="2", career_track="individual_contributor")
    response = client.post(intake_url(cohort, Role.MENTOR), data)
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(user=outsider, role=Role.MENTOR)
    assert enrollment.capacity == 2
    # APM-only answers are not stored for mentors even if posted.
    assert (enrollment.goals, enrollment.shared_with_mentor) == ("", [])


@pytest.mark.parametrize("capacity", ["0", "4", "", "two"])
def test_mentor_capacity_must_be_one_to_three(client, outsider, cohort, team, capacity):
    client.force_login(outsider)
    response = client.post(intake_url(cohort, Role.MENTOR), apm_answers(team, capacity=capacity))
    assert "capacity" in response.context["intake_form"].errors
    assert not Enrollment.objects.exists()


def test_closed_intake_shows_a_message_instead_of_the_form(client, apm, cohort):
    cohort.intake_closes_at = timezone.now() - timedelta(minutes=1)
    cohort.save()
    client.force_login(apm)
    response = client.get(intake_url(cohort, Role.APM))
    page = response.content.decode()
    assert response.status_code == 200
    assert "is closed" in page
    assert '<form method="post" novalidate' not in page


def test_posting_to_a_closed_intake_changes_nothing(client, apm, cohort, team):
    enrollment = apm.enrollments.get()
    cohort.intake_closes_at = timezone.now() - timedelta(minutes=1)
    cohort.save()
    client.force_login(apm)
    response = client.post(intake_url(cohort, Role.APM), apm_answers(team, cadence="weekly"))
    assert response.status_code == 409
    enrollment.refresh_from_db()
    assert enrollment.cadence != "weekly"


def test_intake_that_has_not_opened_yet_is_closed_too(client, outsider):
    cohort = CohortFactory(intake_opens_at=timezone.now() + timedelta(days=1))
    client.force_login(outsider)
    assert "is closed" in client.get(intake_url(cohort, Role.APM)).content.decode()


def test_draft_cohorts_and_unknown_roles_are_404(client, outsider):
    draft = CohortFactory(status=Cohort.Status.DRAFT)
    open_cohort = CohortFactory()
    client.force_login(outsider)
    assert client.get(intake_url(draft, Role.APM)).status_code == 404
    assert client.get(reverse("intake", args=[open_cohort.slug, "admin"])).status_code == 404
    assert client.get(reverse("intake", args=["no-such-cohort", "apm"])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, cohort):
    response = client.get(intake_url(cohort, Role.APM))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_intake_answers_only_get_and_post(client, outsider, cohort):
    client.force_login(outsider)
    assert client.put(intake_url(cohort, Role.APM)).status_code == 405


def test_withdraw_and_rejoin(client, apm, cohort, team):
    client.force_login(apm)
    response = client.post(reverse("withdraw", args=[cohort.slug, Role.APM]))
    assert response.status_code == 302
    enrollment = apm.enrollments.get()
    assert enrollment.status == Enrollment.Status.WITHDRAWN
    assert AuditLog.objects.filter(action="enrollment.withdraw").count() == 1
    assert "Rejoin" in client.get(reverse("home")).content.decode()

    client.post(intake_url(cohort, Role.APM), apm_answers(team))
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.SUBMITTED


def test_withdraw_needs_post_and_an_own_enrollment(client, outsider, apm, cohort):
    client.force_login(outsider)
    url = reverse("withdraw", args=[cohort.slug, Role.APM])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 404  # the outsider has no enrollment here
    assert apm.enrollments.get().status == Enrollment.Status.SUBMITTED


def test_withdraw_after_intake_closes_points_to_the_committee(client, apm, cohort):
    cohort.intake_closes_at = timezone.now() - timedelta(minutes=1)
    cohort.save()
    client.force_login(apm)
    client.post(reverse("withdraw", args=[cohort.slug, Role.APM]))
    assert apm.enrollments.get().status == Enrollment.Status.SUBMITTED


def test_join_page_offers_both_roles_for_the_open_cohort(client, outsider, cohort):
    client.force_login(outsider)
    page = client.get(reverse("join")).content.decode()
    assert intake_url(cohort, Role.APM) in page
    assert intake_url(cohort, Role.MENTOR) in page


def test_intake_page_runs_a_fixed_number_of_queries(client, apm, cohort):
    client.force_login(apm)
    url = intake_url(cohort, Role.APM)
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = count()
    for i in range(10):
        TeamFactory(name=f"Extra team {i}")
        Category.objects.create(name=f"Extra {i}", slug=f"extra-{i}")
        EnrollmentFactory(cohort=cohort)
    assert count() == before


class TestSharedAnswers:
    def test_mentor_sees_only_the_answers_the_apm_chose_to_share(self, cohort):
        enrollment = EnrollmentFactory(
            cohort=cohort,
            topics=["career-growth"],
            goals="Private goal",
            career_track="people_manager",
            notes_for_committee="About my manager",
            shared_with_mentor=["topics", "career_track"],
        )
        answers = dict(enrollment_shared_answers(enrollment=enrollment))
        assert answers == {"Interests": "Career growth", "Career track interest": "People manager"}
        assert "Private goal" not in str(answers)
        assert "About my manager" not in str(answers)

    def test_nothing_is_shared_by_default_for_imported_enrollments(self, cohort):
        enrollment = EnrollmentFactory(cohort=cohort, goals="Private")
        assert enrollment_shared_answers(enrollment=enrollment) == []


class TestServices:
    def test_cohort_moves_forward_and_the_move_is_audited(self, committee):
        cohort = CohortFactory(status=Cohort.Status.DRAFT)
        cohorts.cohort_transition(
            cohort=cohort, to_status=Cohort.Status.INTAKE_OPEN, acting_user=committee
        )
        cohort.refresh_from_db()
        assert cohort.status == Cohort.Status.INTAKE_OPEN
        log = AuditLog.objects.get(action="cohort.transition")
        assert (log.actor, log.target) == (committee, f"mentorship.cohort:{cohort.pk}")

    @pytest.mark.parametrize(
        ("current", "target"),
        [
            (Cohort.Status.DRAFT, Cohort.Status.ACTIVE),
            (Cohort.Status.INTAKE_OPEN, Cohort.Status.DRAFT),
            (Cohort.Status.CLOSED, Cohort.Status.ACTIVE),
            (Cohort.Status.MATCHING, Cohort.Status.CLOSED),
        ],
    )
    def test_cohort_refuses_skipped_or_backward_moves(self, current, target):
        cohort = CohortFactory(status=current)
        with pytest.raises(ValidationError) as error:
            cohorts.cohort_transition(cohort=cohort, to_status=target, acting_user=None)
        assert error.value.messages == [
            cohorts.COHORT_TRANSITION_NOT_ALLOWED
            % {"current": Cohort.Status(current).label, "target": Cohort.Status(target).label}
        ]
        cohort.refresh_from_db()
        assert cohort.status == current

    def test_saving_after_intake_closed_raises_and_saves_nothing(self, outsider):
        cohort = CohortFactory(intake_closes_at=timezone.now() - timedelta(seconds=1))
        with pytest.raises(ValidationError) as error:
            intake.enrollment_save(
                user=outsider,
                cohort=cohort,
                role=Role.APM,
                full_name="X",
                profile_data={},
                intake_data={"topics": []},
            )
        assert error.value.messages == [intake.INTAKE_CLOSED % {"cohort": cohort.name}]
        assert not Enrollment.objects.exists()

    def test_withdrawing_twice_is_refused(self, apm):
        enrollment = apm.enrollments.get()
        intake.enrollment_withdraw(enrollment=enrollment, acting_user=apm)
        with pytest.raises(ValidationError):
            intake.enrollment_withdraw(enrollment=enrollment, acting_user=apm)


def test_database_refuses_a_capacity_for_an_apm_or_four_for_a_mentor(cohort):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        EnrollmentFactory(cohort=cohort, role=Role.APM, capacity=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        EnrollmentFactory(cohort=cohort, role=Role.MENTOR, capacity=4)


def test_database_refuses_a_person_as_their_own_manager():
    from django.db import IntegrityError

    user = UserFactory()
    with pytest.raises(IntegrityError):
        Profile.objects.create(user=user, manager=user)
