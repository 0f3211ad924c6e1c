"""A Redis call that fails outside the code built to ride it out: 503, never a 500."""

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from matching import services as matching_services
from matching.models import MatchingRun
from mentorship import selectors
from mentorship.models import Cohort
from tests.factories import CohortFactory
from tests.matching.test_admin import default_weights

pytestmark = pytest.mark.django_db


def refuse(error):
    def call(*args, **kwargs):
        raise error

    return call


def test_a_task_that_cannot_be_sent_gets_the_try_again_page(client, committee, monkeypatch):
    cohort = CohortFactory(status=Cohort.Status.MATCHING)
    monkeypatch.setattr(
        matching_services, "run_request", refuse(OperationalError("Error 111 connecting"))
    )
    client.force_login(committee)
    response = client.post(
        reverse("admin:matching_matchingrun_add"), {"cohort": cohort.pk, **default_weights()}
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "Please try again in a minute" in page
    assert "Nothing you saved before is affected" in page
    assert not MatchingRun.objects.exists()


def test_a_redis_error_from_a_page_gets_the_try_again_page(client, outsider, monkeypatch):
    monkeypatch.setattr(selectors, "home_summary", refuse(RedisConnectionError("Timeout")))
    client.force_login(outsider)
    response = client.get(reverse("home"))
    assert response.status_code == 503
    assert "Please try again in a minute" in response.content.decode()


def test_other_errors_are_left_to_the_500_page(client, outsider, monkeypatch):
    monkeypatch.setattr(selectors, "home_summary", refuse(ValueError("a bug")))
    client.force_login(outsider)
    with pytest.raises(ValueError, match="a bug"):
        client.get(reverse("home"))
