"""Nobody decides on a pair they are part of; ending a match is confirmed first."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from matching import services
from matching.models import BannedPair, Match, MatchingRun, Proposal, RematchRequest
from mentorship import graduation
from mentorship.accounts import committee_member_add
from mentorship.models import AuditLog
from tests.factories import UserFactory, totp_activate
from toolkit.models import Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled_member(make_apm, make_mentor):
    """A committee member who is also an APM in the cohort, with a mentor to pair with."""
    apm = make_apm()
    committee_member_add(user=apm.user)
    totp_activate(apm.user)  # as the admin requires
    return apm, make_mentor()


def test_a_committee_member_cannot_hand_match_themself(enrolled_member):
    apm, mentor = enrolled_member
    with pytest.raises(ValidationError) as error:
        services.match_create_by_hand(apm=apm, mentor=mentor, acting_user=apm.user)
    assert error.value.messages == [services.CONFLICT_OF_INTEREST]
    assert not Match.objects.exists()


def test_a_committee_member_cannot_approve_or_reject_their_own_proposal(enrolled_member, cohort):
    apm, mentor = enrolled_member
    run = MatchingRun.objects.create(cohort=cohort, status=MatchingRun.Status.SUCCEEDED)
    proposal = Proposal.objects.create(run=run, cohort=cohort, apm=apm, mentor=mentor, score=60)
    for service in (services.proposal_approve, services.proposal_reject):
        with pytest.raises(ValidationError, match="part of this pair"):
            service(proposal=proposal, acting_user=apm.user)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PROPOSED
    assert not Match.objects.exists()


def test_the_admin_says_why_a_member_cannot_approve_their_own_proposal(
    client, enrolled_member, cohort
):
    apm, mentor = enrolled_member
    run = MatchingRun.objects.create(cohort=cohort, status=MatchingRun.Status.SUCCEEDED)
    proposal = Proposal.objects.create(run=run, cohort=cohort, apm=apm, mentor=mentor, score=60)
    client.force_login(apm.user)
    response = client.post(
        reverse("admin:matching_proposal_changelist"),
        {"action": "approve_selected", "_selected_action": [proposal.pk]},
        follow=True,
    )
    assert services.CONFLICT_OF_INTEREST in response.content.decode().replace("&#x27;", "'")
    assert not Match.objects.exists()


def test_nobody_ends_resolves_or_graduates_a_match_they_are_in(committee, make_apm, make_mentor):
    mentor = make_mentor()
    committee_member_add(user=mentor.user)
    match = services.match_create_by_hand(apm=make_apm(), mentor=mentor, acting_user=committee)
    request = services.rematch_request_create(
        match=match, requested_by=match.apm.user, reason="Schedules"
    )
    attempts = [
        lambda: services.match_end(match=match, acting_user=mentor.user, reason="x"),
        lambda: services.rematch_request_resolve(request=request, acting_user=mentor.user),
        lambda: services.rematch_request_decline(request=request, acting_user=mentor.user),
        lambda: graduation.apm_graduate(match=match, acting_user=mentor.user),
        lambda: services.banned_pair_create(
            apm_user=match.apm.user, mentor_user=mentor.user, reason="x", acting_user=mentor.user
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="part of this pair"):
            attempt()
    match.refresh_from_db()
    request.refresh_from_db()
    assert match.status == Match.Status.ACTIVE
    assert request.status == RematchRequest.Status.OPEN
    assert not BannedPair.objects.exists()


def test_ending_a_match_in_the_admin_asks_first_and_says_it_bans_the_pair(
    client, committee, make_apm, make_mentor
):
    match = services.match_create_by_hand(
        apm=make_apm(), mentor=make_mentor(), acting_user=committee
    )
    client.force_login(committee)
    url = reverse("admin:matching_match_changelist")
    page = client.post(url, {"action": "end_selected", "_selected_action": [match.pk]})
    assert page.status_code == 200
    assert "matching will never propose these two together again" in page.content.decode()
    match.refresh_from_db()
    assert match.status == Match.Status.ACTIVE  # nothing happened yet
    client.post(
        url, {"action": "end_selected", "_selected_action": [match.pk], "confirm_end": "yes"}
    )
    match.refresh_from_db()
    assert match.status == Match.Status.ENDED
    assert BannedPair.objects.filter(apm_user=match.apm.user).exists()


def test_publishing_topics_writes_an_audit_row(client, committee):
    topic = Topic.objects.filter(is_published=True).first()
    client.force_login(committee)
    url = reverse("admin:toolkit_topic_changelist")
    client.post(url, {"action": "unpublish", "_selected_action": [topic.pk]})
    topic.refresh_from_db()
    assert not topic.is_published
    entry = AuditLog.objects.get(action="toolkit.topics_unpublished")
    assert (entry.actor, entry.details["topics"]) == (committee, [topic.title])
    client.post(url, {"action": "publish", "_selected_action": [topic.pk]})
    assert AuditLog.objects.filter(action="toolkit.topics_published").count() == 1


def test_someone_outside_the_pair_may_still_decide(committee, make_apm, make_mentor):
    other = committee_member_add(user=UserFactory())
    match = services.match_create_by_hand(apm=make_apm(), mentor=make_mentor(), acting_user=other)
    assert match.approved_by == other
