"""The outbox in the admin: read-only, failures with their error, a retry for the committee."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from mentorship.admin.outbox import BODY_NOT_SHOWN
from mentorship.common.models import AuditLog
from mentorship.models import Notification
from mentorship.outbox.sending import NOTIFICATION_RETRY_REFUSED
from tests.escaping.conftest import PAYLOADS
from tests.factories import UserFactory
from tests.mentorship.test_admin import count_queries

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:mentorship_notification_changelist")


def change_url(notification):
    return reverse("admin:mentorship_notification_change", args=[notification.pk])


def row(**values) -> Notification:
    user = UserFactory()
    defaults = {
        "kind": Notification.Kind.MATCH_INTRODUCTION,
        "user": user,
        "to_email": user.email,
        "object_key": f"test:{user.pk}",
        "subject": "Meet your mentor",
        "body_text": "Say hello to your mentor.",
    }
    return Notification.objects.create(**(defaults | values))


def failed(**values) -> Notification:
    error = "SMTPRecipientsRefused: 550 5.1.1 No such mailbox"
    return row(status=Notification.Status.FAILED, attempts=1, last_error=error, **values)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_committee_sees_failed_emails_with_the_servers_answer(committee):
    notification = failed()
    response = signed_in(committee).get(CHANGELIST, {"status__exact": "failed"})
    assert response.status_code == 200
    page = response.content.decode()
    assert notification.to_email in page
    assert "550 5.1.1 No such mailbox" in page
    assert "Send the selected failed emails again" in page


def test_the_outbox_is_read_only(committee):
    notification = failed()
    client = signed_in(committee)
    page = client.get(change_url(notification)).content.decode()
    assert 'name="subject"' not in page  # shown, not editable
    assert "Say hello to your mentor." in page
    assert client.get(reverse("admin:mentorship_notification_add")).status_code == 403
    response = client.post(change_url(notification), {"subject": "Changed"})
    assert response.status_code == 403
    delete = reverse("admin:mentorship_notification_delete", args=[notification.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    notification.refresh_from_db()
    assert notification.subject == "Meet your mentor"


def test_account_emails_never_show_their_links(committee):
    notification = row(
        kind=Notification.Kind.ACCOUNT,
        user=committee,
        to_email=committee.email,
        body_text="Reset: http://x/accounts/password/reset/key/1-secret/",
    )
    page = signed_in(committee).get(change_url(notification)).content.decode()
    assert "1-secret" not in page
    assert escape(BODY_NOT_SHOWN) in page


def test_retrying_failed_emails_sends_them_and_audits_who_did_it(
    committee, django_capture_on_commit_callbacks
):
    rows = [failed(), failed()]
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(committee).post(
            CHANGELIST,
            {"action": "retry_selected", "_selected_action": [r.pk for r in rows]},
            follow=True,
        )
    assert "Queued again 2." in messages_of(response)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.to_email for r in rows)
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    audits = AuditLog.objects.filter(action="notification.retried")
    assert {a.actor for a in audits} == {committee}
    assert audits.count() == 2


def test_retrying_an_email_that_did_not_fail_says_why_and_changes_nothing(committee):
    sent = row(status=Notification.Status.SENT)
    response = signed_in(committee).post(
        CHANGELIST, {"action": "retry_selected", "_selected_action": [sent.pk]}, follow=True
    )
    refusal = NOTIFICATION_RETRY_REFUSED % {"status": "Sent"}
    assert f"The email to {sent.to_email}: {refusal}" in messages_of(response)
    sent.refresh_from_db()
    assert sent.status == Notification.Status.SENT
    assert not AuditLog.objects.filter(action="notification.retried").exists()


def test_someone_without_the_permission_cannot_retry(committee):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        *committee.groups.get().permissions.filter(codename="view_notification")
    )
    notification = failed()
    client = signed_in(viewer)
    assert "retry_selected" not in client.get(CHANGELIST).content.decode()
    client.post(CHANGELIST, {"action": "retry_selected", "_selected_action": [notification.pk]})
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED


def test_the_outbox_list_has_a_fixed_query_count(admin_client):
    for _ in range(2):
        failed()
    few = count_queries(admin_client, CHANGELIST)
    for _ in range(6):
        failed()
    assert count_queries(admin_client, CHANGELIST) == few


@pytest.mark.parametrize("payload", PAYLOADS, ids=["script", "attribute", "option"])
def test_subjects_errors_and_texts_are_escaped_in_the_outbox(committee, payload):
    # Subjects carry cohort and survey names; errors carry the mail server's words.
    notification = failed(subject=f"{payload} subject", body_text=f"{payload} body")
    Notification.objects.filter(pk=notification.pk).update(last_error=f"{payload} error")
    client = signed_in(committee)
    for url in (CHANGELIST, change_url(notification)):
        page = client.get(url).content.decode()
        assert payload not in page, url
        assert escape(f"{payload} subject") in page, url
    page = client.get(change_url(notification)).content.decode()
    assert escape(f"{payload} error") in page
    assert escape(f"{payload} body") in page
