"""Two admins approving conflicting proposals at the same moment (PostgreSQL row locks)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from matching import services
from matching.models import Match, MatchingRun, Proposal

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"
    ),
]


def approve_all_at_once(proposals, committee):
    barrier = threading.Barrier(len(proposals))
    outcomes = []

    def approve(proposal):
        try:
            barrier.wait(timeout=10)
            services.proposal_approve(proposal=proposal, acting_user=committee)
            outcomes.append("approved")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(p,)) for p in proposals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_approvals_for_one_apm_give_one_match(cohort, committee, make_apm, make_mentor):
    apm = make_apm()
    proposals = [
        Proposal.objects.create(
            run=MatchingRun.objects.create(cohort=cohort, status="succeeded"),
            cohort=cohort,
            apm=apm,
            mentor=make_mentor(),
            score=50,
        )
        for _ in range(2)
    ]
    outcomes = approve_all_at_once(proposals, committee)
    assert sorted(outcomes)[-1] == "approved"
    assert outcomes.count("approved") == 1
    assert Match.objects.filter(apm=apm, status="active").count() == 1


def test_concurrent_approvals_never_exceed_a_mentors_capacity(
    cohort, committee, make_apm, make_mentor
):
    mentor = make_mentor(capacity=2)
    run = MatchingRun.objects.create(cohort=cohort, status="succeeded")
    proposals = [
        Proposal.objects.create(run=run, cohort=cohort, apm=make_apm(), mentor=mentor, score=50)
        for _ in range(5)
    ]
    outcomes = approve_all_at_once(proposals, committee)
    assert outcomes.count("approved") == 2
    assert Match.objects.filter(mentor=mentor, status="active").count() == 2
