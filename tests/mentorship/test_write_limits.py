"""Per-person write limits: a script posting a form in a loop gets a clear 429 page."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from matching import services as matching_services
from matching.models import RematchRequest
from mentorship.common import ratelimit
from mentorship.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def one_window(monkeypatch):
    """Every post in one window: on a busy machine a loop of posts can cross a minute."""
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_000_020.0))


def test_intake_posts_past_the_limit_get_a_429_page_that_says_what_to_do(client, apm, cohort):
    client.force_login(apm)
    url = reverse("intake", args=[cohort.slug, Role.APM])
    limit, _ = ratelimit.WRITE_LIMITS["intake"]
    statuses = [client.post(url, {}).status_code for _ in range(limit + 3)]
    assert statuses[:limit] == [200] * limit  # the form, with its errors
    assert statuses[limit:] == [429, 429, 429]
    page = client.post(url, {})
    assert "Nothing you saved is lost" in page.content.decode()


def test_the_limit_is_per_person(client, apm, mentor, cohort):
    url = reverse("intake", args=[cohort.slug, Role.APM])
    limit, _ = ratelimit.WRITE_LIMITS["intake"]
    client.force_login(apm)
    for _ in range(limit + 1):
        client.post(url, {})
    client.force_login(mentor)
    assert client.post(url, {}).status_code == 200


def test_reading_a_page_is_never_limited(client, apm, cohort):
    client.force_login(apm)
    url = reverse("intake", args=[cohort.slug, Role.APM])
    limit, _ = ratelimit.WRITE_LIMITS["intake"]
    assert all(client.get(url).status_code == 200 for _ in range(limit + 5))


@pytest.fixture
def match(committee, make_apm, make_mentor, cohort):
    cohort.status = cohort.Status.ACTIVE
    cohort.save()
    return matching_services.match_create_by_hand(
        apm=make_apm(), mentor=make_mentor(), acting_user=committee
    )


def test_a_flood_of_rematch_requests_stores_one_and_then_pauses(client, match):
    client.force_login(match.apm.user)
    url = reverse("matching:rematch_request", args=[match.pk])
    limit, _ = ratelimit.WRITE_LIMITS["rematch"]
    statuses = [
        client.post(url, {"reason": "We never find a time"}).status_code for _ in range(limit + 2)
    ]
    assert statuses[-2:] == [429, 429]
    assert RematchRequest.objects.filter(match=match).count() == 1
