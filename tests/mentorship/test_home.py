import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorship.models import Enrollment
from tests.factories import CohortFactory, EnrollmentFactory, totp_activate

pytestmark = pytest.mark.django_db
HOME = reverse("home")


def test_anonymous_visitors_learn_what_the_program_is(client):
    page = client.get(HOME).content.decode()
    assert "pairs associate product managers" in page
    assert reverse("account_signup") in page
    assert 'href="#main"' in page  # skip link


def test_signed_in_apm_sees_their_enrollment_and_next_step(client, apm):
    client.force_login(apm)
    page = client.get(HOME).content.decode()
    enrollment = apm.enrollments.get()
    assert enrollment.cohort.name in page
    assert "Your intake is in" in page
    assert "Committee admin" not in page


def test_person_without_enrollment_is_invited_to_the_open_cohort(client, outsider):
    cohort = CohortFactory(name="Spring 2027")
    client.force_login(outsider)
    page = client.get(HOME).content.decode()
    assert f"Intake for <strong>{cohort.name}</strong> is open" in page


def test_committee_sees_the_admin_link_and_the_two_factor_nudge(client, committee_without_totp):
    client.force_login(committee_without_totp)
    page = client.get(HOME).content.decode()
    assert reverse("admin:index") in page
    assert "turn on two-factor sign-in" in page


def test_withdrawn_enrollment_does_not_give_the_role(client, cohort):
    enrollment = EnrollmentFactory(cohort=cohort, status=Enrollment.Status.WITHDRAWN)
    client.force_login(enrollment.user)
    response = client.get(HOME)
    assert response.context["roles"] == frozenset()


def test_home_runs_a_fixed_number_of_queries(client, cohort):
    enrollment = EnrollmentFactory(cohort=cohort)
    client.force_login(enrollment.user)
    client.get(HOME)  # warm-up: the session and user loads are the same every time

    def count():
        with CaptureQueriesContext(connection) as captured:
            client.get(HOME)
        return len(captured)

    before = count()
    for _ in range(5):
        EnrollmentFactory(user=enrollment.user, cohort=CohortFactory())
    assert count() == before


def test_home_answers_get_only(client, outsider):
    client.force_login(outsider)
    assert client.post(HOME).status_code == 405


def test_unknown_pages_get_the_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()


def test_the_500_page_renders_without_a_request_context(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_the_two_factor_nudge_goes_away_once_totp_is_on(client, committee_without_totp):
    totp_activate(committee_without_totp)
    client.force_login(committee_without_totp)
    assert "turn on two-factor sign-in" not in client.get(HOME).content.decode()


def test_participants_are_not_nudged_about_two_factor(client, apm):
    client.force_login(apm)
    assert "turn on two-factor sign-in" not in client.get(HOME).content.decode()
