"""A proposal is decided once: proposed → approved, rejected or superseded, and no further.

Approving or rejecting one that is no longer waiting is refused with the lifecycle's
message, from the service and from the admin action, and changes nothing. Superseding a
set (``transition_many``) moves only the proposals still waiting, with one audit row.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from matching import services
from matching.models import Match, MatchingRun, Proposal
from mentorship.common.lifecycle import transition_many
from mentorship.models import Cohort
from tests.factories import CohortFactory
from tests.lifecycles.support import (
    audit_mark,
    audit_rows_since,
    make_proposal,
    messages_of,
    post_action,
    the_one_move,
)

pytestmark = pytest.mark.django_db

PROPOSALS = reverse("admin:matching_proposal_changelist")
NO_LONGER_WAITING = [
    Proposal.Status.REJECTED,
    Proposal.Status.SUPERSEDED,
    Proposal.Status.APPROVED,
]


@pytest.fixture
def cohort(db):
    """Intake has closed: proposals may be decided."""
    return CohortFactory(status=Cohort.Status.MATCHING)


@pytest.fixture
def decided_proposal(committee, make_apm, make_mentor, django_capture_on_commit_callbacks):
    """A proposal in ``status``; an approved one was approved by the committee."""

    def make(status) -> Proposal:
        proposal = make_proposal(apm=make_apm(), mentor=make_mentor(capacity=3))
        if status == Proposal.Status.APPROVED:
            with django_capture_on_commit_callbacks(execute=True):
                services.proposal_approve(proposal=proposal, acting_user=committee)
        else:
            Proposal.objects.filter(pk=proposal.pk).update(status=status)
        proposal.refresh_from_db()
        return proposal

    return make


def refusal(status) -> str:
    return services.PROPOSAL_NOT_OPEN % {"current": Proposal.Status(status).label}


def state(proposal) -> tuple:
    proposal.refresh_from_db()
    return proposal.status, proposal.decided_by_id, proposal.decided_at, Match.objects.count()


def pair(proposal) -> str:
    return f"{proposal.apm.user} ↔ {proposal.mentor.user}"


@pytest.mark.parametrize("status", NO_LONGER_WAITING)
def test_approving_a_proposal_that_is_no_longer_waiting_is_refused(
    status, decided_proposal, committee
):
    proposal = decided_proposal(status)
    before, mark = state(proposal), audit_mark()

    with pytest.raises(ValidationError) as error:
        services.proposal_approve(proposal=proposal, acting_user=committee)

    assert error.value.messages == [refusal(status)]
    assert error.value.error_list[0].code == "transition_not_allowed"
    assert state(proposal) == before
    assert not audit_rows_since(mark).exists()


@pytest.mark.parametrize("status", NO_LONGER_WAITING)
def test_the_approve_action_shows_why_a_decided_proposal_is_refused_and_changes_nothing(
    status, decided_proposal, committee_client
):
    proposal = decided_proposal(status)
    before, mark = state(proposal), audit_mark()

    response = post_action(committee_client, PROPOSALS, "approve_selected", proposal)

    assert messages_of(response) == [f"{pair(proposal)}: {refusal(status)}"]
    assert state(proposal) == before
    assert not audit_rows_since(mark).exists()


@pytest.mark.parametrize("status", NO_LONGER_WAITING)
def test_rejecting_a_proposal_that_is_no_longer_waiting_is_refused(
    status, decided_proposal, committee
):
    proposal = decided_proposal(status)
    before, mark = state(proposal), audit_mark()

    with pytest.raises(ValidationError) as error:
        services.proposal_reject(proposal=proposal, acting_user=committee)

    assert error.value.messages == [refusal(status)]
    assert state(proposal) == before
    assert not audit_rows_since(mark).exists()


@pytest.mark.parametrize("status", NO_LONGER_WAITING)
def test_the_reject_action_shows_why_a_decided_proposal_is_refused_and_changes_nothing(
    status, decided_proposal, committee_client
):
    proposal = decided_proposal(status)
    before, mark = state(proposal), audit_mark()

    response = post_action(committee_client, PROPOSALS, "reject_selected", proposal)

    assert messages_of(response) == [f"{pair(proposal)}: {refusal(status)}"]
    assert state(proposal) == before
    assert not audit_rows_since(mark).exists()


# --- transition_many -----------------------------------------------------------------------


def test_superseding_moves_only_waiting_proposals_and_writes_one_audit_row_with_their_ids(
    cohort, committee, make_apm, make_mentor
):
    run = MatchingRun.objects.create(cohort=cohort, status=MatchingRun.Status.SUCCEEDED)
    mentor = make_mentor(capacity=3)
    waiting = [make_proposal(apm=make_apm(), mentor=mentor, run=run) for _ in range(2)]
    approved, rejected = (
        make_proposal(apm=make_apm(), mentor=mentor, run=run, status=status)
        for status in (Proposal.Status.APPROVED, Proposal.Status.REJECTED)
    )
    mark = audit_mark()

    moved = transition_many(
        Proposal.objects.filter(cohort=cohort),
        to=Proposal.Status.SUPERSEDED,
        actor=committee,
        action="matching.proposals_superseded",
        summary="Superseded what was still waiting",
    )

    assert moved == 2
    statuses = dict(Proposal.objects.values_list("pk", "status"))
    assert statuses == {
        waiting[0].pk: Proposal.Status.SUPERSEDED,
        waiting[1].pk: Proposal.Status.SUPERSEDED,
        approved.pk: Proposal.Status.APPROVED,
        rejected.pk: Proposal.Status.REJECTED,
    }
    row = the_one_move(
        mark,
        "matching.proposals_superseded",
        actor=committee,
        source=[Proposal.Status.PROPOSED],
        target=Proposal.Status.SUPERSEDED,
    )
    assert (row.details["ids"], row.details["count"]) == (sorted(p.pk for p in waiting), 2)
    assert audit_rows_since(mark).count() == 1


def test_superseding_when_nothing_is_waiting_moves_nothing_and_writes_no_audit_row(
    cohort, committee, make_apm, make_mentor
):
    proposal = make_proposal(apm=make_apm(), mentor=make_mentor(), status=Proposal.Status.REJECTED)
    mark = audit_mark()

    moved = transition_many(
        Proposal.objects.filter(cohort=cohort),
        to=Proposal.Status.SUPERSEDED,
        actor=committee,
        action="matching.proposals_superseded",
        summary="Superseded what was still waiting",
    )

    assert moved == 0
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.REJECTED
    assert not audit_rows_since(mark).exists()


def test_a_new_run_supersedes_only_the_proposals_still_waiting(
    cohort, committee, make_apm, make_mentor, django_capture_on_commit_callbacks
):
    for _ in range(3):
        make_apm()
    make_mentor(capacity=3)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.run_request(cohort=cohort, acting_user=committee)
    to_approve, to_reject, waiting = Proposal.objects.filter(run=first).order_by("pk")
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_approve(proposal=to_approve, acting_user=committee)
    services.proposal_reject(proposal=to_reject, acting_user=committee)
    mark = audit_mark()

    with django_capture_on_commit_callbacks(execute=True):
        services.run_request(cohort=cohort, acting_user=committee)

    assert dict(Proposal.objects.filter(run=first).values_list("pk", "status")) == {
        to_approve.pk: Proposal.Status.APPROVED,
        to_reject.pk: Proposal.Status.REJECTED,
        waiting.pk: Proposal.Status.SUPERSEDED,
    }
    row = the_one_move(
        mark,
        "matching.proposals_superseded",
        actor=None,
        source=[Proposal.Status.PROPOSED],
        target=Proposal.Status.SUPERSEDED,
    )
    assert row.details["ids"] == [waiting.pk]
