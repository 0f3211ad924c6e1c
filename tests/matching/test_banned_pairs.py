"""Banned pairs change only by being added or lifted, each with an audit row."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from matching import services
from matching.models import BannedPair
from mentorship.models import AuditLog
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee_client(client, committee):
    client.force_login(committee)
    return client


def test_adding_a_ban_in_the_admin_writes_an_audit_row(committee_client, committee):
    apm, mentor = UserFactory(), UserFactory()
    response = committee_client.post(
        reverse("admin:matching_bannedpair_add"),
        {"apm_user": apm.pk, "mentor_user": mentor.pk, "reason": "Asked not to"},
    )
    assert response.status_code == 302
    banned = BannedPair.objects.get()
    assert (banned.apm_user, banned.mentor_user, banned.created_by) == (apm, mentor, committee)
    entry = AuditLog.objects.get(action="matching.pair_banned")
    assert entry.actor == committee
    assert entry.target == f"matching.bannedpair:{banned.pk}"


def test_a_ban_cannot_be_edited_into_another_pair(committee_client, committee):
    banned = services.banned_pair_create(
        apm_user=UserFactory(), mentor_user=UserFactory(), reason="x", acting_user=committee
    )
    other = UserFactory()
    url = reverse("admin:matching_bannedpair_change", args=[banned.pk])
    committee_client.post(url, {"apm_user": other.pk, "mentor_user": other.pk, "reason": "y"})
    banned.refresh_from_db()
    assert banned.apm_user != other
    assert banned.reason == "x"


def test_lifting_a_ban_in_the_admin_writes_an_audit_row(committee_client, committee):
    banned = services.banned_pair_create(
        apm_user=UserFactory(), mentor_user=UserFactory(), reason="x", acting_user=committee
    )
    response = committee_client.post(
        reverse("admin:matching_bannedpair_changelist"),
        {"action": "delete_selected", "_selected_action": [banned.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not BannedPair.objects.exists()
    entry = AuditLog.objects.get(action="matching.pair_ban_lifted")
    assert entry.actor == committee


def test_banning_someone_with_themself_is_refused(committee):
    person = UserFactory()
    with pytest.raises(ValidationError, match="two different people"):
        services.banned_pair_create(
            apm_user=person, mentor_user=person, reason="", acting_user=committee
        )
    assert not BannedPair.objects.exists()
