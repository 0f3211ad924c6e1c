import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching import services
from matching.models import RematchRequest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HOME = reverse("home")


@pytest.fixture
def match(committee, make_apm, make_mentor):
    apm = make_apm(
        goals="Learn how task orders work.",
        notes_for_committee="Private note",
        shared_with_mentor=["topics", "goals"],
    )
    mentor = make_mentor()
    return services.match_create_by_hand(apm=apm, mentor=mentor, acting_user=committee)


def test_the_apm_sees_their_mentor_why_and_the_next_step(client, match):
    client.force_login(match.apm.user)
    page = client.get(HOME).content.decode()
    assert f"Your mentor: {match.mentor.user.display_name}" in page
    assert "Why you two:" in page
    assert "book your first meeting" in page


def test_the_mentor_sees_only_what_the_mentee_shared(client, match):
    client.force_login(match.mentor.user)
    page = client.get(HOME).content.decode()
    assert match.apm.user.display_name in page
    assert "Learn how task orders work." in page
    assert "Career growth" in page
    assert "Private note" not in page
    assert "Career track interest" not in page  # not ticked by the APM


def test_home_queries_do_not_grow_with_mentees(client, committee, make_apm, make_mentor):
    mentor = make_mentor(capacity=3)
    services.match_create_by_hand(apm=make_apm(), mentor=mentor, acting_user=committee)
    client.force_login(mentor.user)
    client.get(HOME)

    def count():
        with CaptureQueriesContext(connection) as captured:
            client.get(HOME)
        return len(captured)

    before = count()
    for _ in range(2):
        services.match_create_by_hand(apm=make_apm(), mentor=mentor, acting_user=committee)
    assert count() == before


def test_either_person_can_ask_for_a_rematch_privately(client, match):
    url = reverse("matching:rematch_request", args=[match.pk])
    client.force_login(match.mentor.user)
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Our schedules never line up."})
    assert response.status_code == 302
    request = RematchRequest.objects.get()
    assert (request.requested_by, request.reason) == (
        match.mentor.user,
        "Our schedules never line up.",
    )
    client.force_login(match.apm.user)
    assert "Our schedules never line up." not in client.get(HOME).content.decode()


def test_a_rematch_needs_a_reason(client, match):
    client.force_login(match.apm.user)
    response = client.post(reverse("matching:rematch_request", args=[match.pk]), {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert not RematchRequest.objects.exists()


def test_people_outside_the_pair_get_404(client, match, committee):
    url = reverse("matching:rematch_request", args=[match.pk])
    for person in (UserFactory(), committee):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "x"}).status_code == 404
    assert not RematchRequest.objects.exists()
    assert client.get(reverse("matching:rematch_request", args=[999999])).status_code == 404
