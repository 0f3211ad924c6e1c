"""Twenty simultaneous submissions of the same answers store one response, and results
first read as a survey closes wait for an answer still being saved (PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from surveys import services
from surveys.models import Ballot, Invitation, Response, Survey, Tally
from surveys.results import survey_results
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


def test_results_first_read_as_the_survey_closes_wait_for_an_answer_being_saved(
    make_pair, open_survey
):
    """The tally is written under a lock that waits for a submission still committing."""
    pairs = [make_pair() for _ in range(3)]
    survey = open_survey(is_anonymous=False, closes_in=timedelta(days=1))
    for pair in pairs[:2]:
        invitation = Invitation.objects.get(survey=survey, user=pair.mentor.user)
        services.response_submit(invitation=invitation, answers=answers_for(survey))
    closes_at = timezone.now() + timedelta(seconds=2)
    Survey.objects.filter(pk=survey.pk).update(closes_at=closes_at)
    late = Invitation.objects.get(survey=survey, user=pairs[2].apm.user)
    saved, release, results = threading.Event(), threading.Event(), []

    def submit_slowly():  # passes the open check before closing, commits after
        try:
            with transaction.atomic():
                services.response_submit(invitation=late, answers=answers_for(survey))
                saved.set()
                release.wait(timeout=20)
        finally:
            connections.close_all()

    def read_results():
        try:
            results.append(survey_results(survey=Survey.objects.get(pk=survey.pk)))
        finally:
            connections.close_all()

    writer = threading.Thread(target=submit_slowly)
    writer.start()
    assert saved.wait(timeout=20)
    while timezone.now() <= closes_at:
        threading.Event().wait(0.05)
    reader = threading.Thread(target=read_results)
    reader.start()
    reader.join(timeout=1)
    assert reader.is_alive()  # waiting for the submission's share lock
    release.set()
    writer.join(timeout=20)
    reader.join(timeout=20)

    (read,) = results
    assert read.released
    assert read.completed == 3
    assert sum(row[-1] for row in Tally.objects.get(survey=survey).invitations) == 3
