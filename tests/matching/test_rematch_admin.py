"""Rematch requests in the admin: resolve (ends the match) or decline (keeps it)."""

import pytest
from django.urls import reverse

from matching import services
from matching.models import BannedPair, Match, RematchRequest
from mentorship.models import AuditLog

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:matching_rematchrequest_changelist")


@pytest.fixture
def rematch(committee, make_apm, make_mentor):
    match = services.match_create_by_hand(
        apm=make_apm(), mentor=make_mentor(), acting_user=committee
    )
    return services.rematch_request_create(
        match=match, requested_by=match.apm.user, reason="We never find a time"
    )


def post_action(client, action, rematch):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [rematch.pk]})


def test_declining_keeps_the_match_and_writes_one_audit_row(client, committee, rematch):
    client.force_login(committee)
    post_action(client, "decline_selected", rematch)
    rematch.refresh_from_db()
    assert rematch.status == RematchRequest.Status.DECLINED
    assert rematch.resolved_by == committee
    assert rematch.match.status == Match.Status.ACTIVE
    assert not BannedPair.objects.exists()
    entry = AuditLog.objects.get(action="matching.rematch_declined")
    assert (entry.actor, entry.details["from"], entry.details["to"]) == (
        committee, "open", "declined",
    )  # fmt: skip


def test_a_handled_request_cannot_be_declined_or_resolved_again(client, committee, rematch):
    client.force_login(committee)
    post_action(client, "decline_selected", rematch)
    response = post_action(client, "resolve_selected", rematch)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("already been handled" in m for m in messages)
    rematch.refresh_from_db()
    assert rematch.status == RematchRequest.Status.DECLINED
    assert rematch.match.status == Match.Status.ACTIVE


def test_ending_the_match_another_way_answers_its_open_request(client, committee, rematch):
    client.force_login(committee)
    client.post(
        reverse("admin:matching_match_changelist"),
        {"action": "end_selected", "_selected_action": [rematch.match.pk], "confirm_end": "yes"},
    )
    rematch.refresh_from_db()
    assert rematch.match.status == Match.Status.ENDED
    assert rematch.status == RematchRequest.Status.RESOLVED
    assert rematch.resolved_by == committee
