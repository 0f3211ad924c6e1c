"""Twenty simultaneous submissions of the same answers store one response (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from surveys.models import Ballot, Invitation, Response
from tests.surveys.conftest import answers_for, mix

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="parallel writers need PostgreSQL's row locks (CI runs it); SQLite serialises",
    ),
]
PARALLEL = 20


def post_all_at_once(url, user, data) -> list[tuple[int, str]]:
    barrier = threading.Barrier(PARALLEL)
    statuses = []

    def post():
        try:
            client = Client()
            client.force_login(user)
            barrier.wait(timeout=20)
            response = client.post(url, data)
            statuses.append((response.status_code, response.get("Location")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.mark.parametrize("anonymous", [True, False])
def test_twenty_parallel_submissions_store_one_response(make_pair, open_survey, anonymous):
    pair = make_pair()
    survey = open_survey(is_anonymous=anonymous)
    data = {f"q_{k}": v for k, v in answers_for(survey).items()}
    url = reverse("surveys:submit", args=[survey.pk])
    statuses = post_all_at_once(url, pair.apm.user, data)
    assert len(statuses) == PARALLEL
    # One is thanked (back home), nineteen are told they have already answered.
    assert sorted(statuses).count((302, reverse("home"))) == 1
    assert sorted(statuses).count((302, reverse("surveys:mine"))) == PARALLEL - 1
    if anonymous:  # one sealed ballot, a response once mixed
        assert Ballot.objects.filter(survey=survey).count() == 1
        assert mix(survey) == 1
    assert Response.objects.filter(survey=survey).count() == 1
    invitation = Invitation.objects.get(survey=survey, user=pair.apm.user)
    assert invitation.completed_on is not None
    assert Response.objects.get(survey=survey).answers.count() == len(answers_for(survey))
