"""Approving many proposals at once: each checked as if alone, at a fixed cost per chunk."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching import emails, services
from matching.models import BannedPair, Match, MatchingRun, Proposal
from mentorship.models import AuditLog, Notification
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def propose(cohort):
    run = MatchingRun.objects.create(cohort=cohort, status=MatchingRun.Status.SUCCEEDED)

    def make(apm, mentor, score=50.0):
        return Proposal.objects.create(
            run=run, cohort=cohort, apm=apm, mentor=mentor, score=score, reasons=["Fits"]
        )

    return make


def pairs(make_apm, make_mentor, propose, count):
    """``count`` proposals, each APM with a manager chain of their own."""
    proposals = []
    for _ in range(count):
        manager = ProfileFactory(manager=UserFactory()).user
        ProfileFactory(manager=UserFactory())  # someone unrelated, with a manager too
        proposals.append(propose(make_apm(manager=manager), make_mentor(capacity=1)))
    return proposals


def approving_costs(proposals, committee) -> int:
    with CaptureQueriesContext(connection) as queries:
        outcome = services.proposals_approve(
            proposal_ids=[p.pk for p in proposals], acting_user=committee
        )
    assert len(outcome.approved) == len(proposals), outcome.refused
    return len(queries)


def test_the_queries_do_not_grow_with_the_pairs_or_the_people(
    make_apm, make_mentor, propose, committee
):
    few = approving_costs(pairs(make_apm, make_mentor, propose, 2), committee)
    # Ten times the pairs, and many more people in the organisation, cost the same.
    ProfileFactory.create_batch(40, manager=UserFactory())
    many = approving_costs(pairs(make_apm, make_mentor, propose, 20), committee)
    assert many == few


def test_each_pair_reads_only_its_own_people(make_apm, make_mentor, propose, committee):
    proposals = pairs(make_apm, make_mentor, propose, 3)
    with CaptureQueriesContext(connection) as queries:
        services.proposals_approve(proposal_ids=[p.pk for p in proposals], acting_user=committee)
    profile_reads = [q["sql"] for q in queries if 'FROM "mentorship_profile"' in q["sql"]]
    assert profile_reads, "the manager chains are read"
    assert all(" IN (" in sql for sql in profile_reads), profile_reads


def test_pairs_approved_earlier_in_the_call_count_for_the_later_ones(
    make_apm, make_mentor, propose, committee
):
    mentor = make_mentor(capacity=1)
    better = propose(make_apm(), mentor, score=80)
    worse = propose(make_apm(), mentor, score=60)
    outcome = services.proposals_approve(proposal_ids=[better.pk, worse.pk], acting_user=committee)
    assert [m.proposal_id for m in outcome.approved] == [better.pk]
    ((refused, error),) = outcome.refused
    assert refused.pk == worse.pk
    assert error.code == "mentor_full"
    worse.refresh_from_db()
    assert worse.status == Proposal.Status.PROPOSED
    assert Match.objects.filter(mentor=mentor).count() == 1


def test_the_callers_order_decides_who_wins(make_apm, make_mentor, propose, committee):
    mentor = make_mentor(capacity=1)
    first, second = propose(make_apm(), mentor), propose(make_apm(), mentor)
    outcome = services.proposals_approve(proposal_ids=[second.pk, first.pk], acting_user=committee)
    assert [m.proposal_id for m in outcome.approved] == [second.pk]


def test_every_rule_is_checked_again_in_bulk(make_apm, make_mentor, propose, committee):
    fine = propose(make_apm(), make_mentor())
    manager = make_mentor()
    managed = make_apm()
    managed.user.profile.manager = manager.user  # a new manager since the run
    managed.user.profile.save()
    by_manager = propose(managed, manager)
    banned_apm, banned_mentor = make_apm(), make_mentor()
    BannedPair.objects.create(apm_user=banned_apm.user, mentor_user=banned_mentor.user)
    banned = propose(banned_apm, banned_mentor)
    own = propose(make_apm(), make_mentor())
    outcome = services.proposals_approve(
        proposal_ids=[fine.pk, by_manager.pk, banned.pk, own.pk], acting_user=committee
    )
    assert [m.proposal_id for m in outcome.approved] == [fine.pk, own.pk]
    codes = {p.pk: e.code for p, e in outcome.refused}
    assert codes == {by_manager.pk: "rule_broken", banned.pk: "rule_broken"}
    # Nobody approves their own pair, in bulk either.
    mine = propose(make_apm(), make_mentor())
    outcome = services.proposals_approve(proposal_ids=[mine.pk], acting_user=mine.apm.user)
    assert [e.code for _, e in outcome.refused] == ["conflict_of_interest"]


def test_each_approval_has_its_audit_row_and_the_introductions_follow_the_commit(
    make_apm, make_mentor, propose, committee, mailoutbox, django_capture_on_commit_callbacks
):
    proposals = [propose(make_apm(), make_mentor()) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.proposals_approve(
            proposal_ids=[p.pk for p in proposals], acting_user=committee
        )
    audits = AuditLog.objects.filter(action="matching.proposal_approved").order_by("id")
    assert [a.target for a in audits] == [f"matching.proposal:{p.pk}" for p in proposals]
    assert [a.details["match"] for a in audits] == [m.pk for m in outcome.approved]
    assert {(a.details["from"], a.details["to"]) for a in audits} == {("proposed", "approved")}
    assert all(a.actor == committee for a in audits)
    for proposal in proposals:
        proposal.refresh_from_db()
        assert (proposal.status, proposal.decided_by) == (Proposal.Status.APPROVED, committee)
    introductions = Notification.objects.filter(kind=Notification.Kind.MATCH_INTRODUCTION)
    assert introductions.count() == 6
    assert len(mailoutbox) == 6
    assert not Match.objects.filter(introduced_at=None).exists()
    # A repeated task or a sweep introduces nobody twice.
    assert emails.introductions_queue(match_ids=[m.pk for m in outcome.approved]) == 0
    assert introductions.count() == 6


def test_without_the_commit_nobody_is_introduced(make_apm, make_mentor, propose, committee):
    proposal = propose(make_apm(), make_mentor())
    services.proposals_approve(proposal_ids=[proposal.pk], acting_user=committee)
    assert not Notification.objects.exists()  # the task is sent only once this commits


def test_the_admin_approves_the_best_first_and_lists_twenty_refusals_at_most(
    client, make_apm, make_mentor, propose, committee
):
    mentor = make_mentor(capacity=1)
    proposals = [propose(make_apm(), mentor, score=score) for score in range(30, 56)]
    client.force_login(committee)
    response = client.post(
        reverse("admin:matching_proposal_changelist"),
        {"action": "approve_selected", "_selected_action": [p.pk for p in proposals]},
    )
    assert response.status_code == 302
    match = Match.objects.get(mentor=mentor)
    assert match.proposal_id == proposals[-1].pk  # the highest score
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown[0] == "Approved 1."
    assert len(shown) == 1 + 20 + 1
    assert shown[-1].startswith("…and 5 more were not changed")
    assert "is at capacity" in shown[1]
