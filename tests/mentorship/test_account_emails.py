"""allauth's emails go through the outbox: queued with the page, sent after commit."""

import re
import smtplib

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mentorship.models import Notification
from mentorship.outbox.sending import notifications_sweep
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

RESET_URL = reverse("account_reset_password")
SIGNUP_URL = reverse("account_signup")
LOCMEM_SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run a request and then its on-commit work (the outbox's send), as production does."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.fixture
def smtp_says_421(monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPSenderRefused(421, b"4.3.2 Service not available", "from@x")

    monkeypatch.setattr(LOCMEM_SEND, refuse)
    return monkeypatch


def signup(client, email):
    data = {"full_name": "Avery Park", "email": email, "password1": PASSWORD}
    data["password2"] = PASSWORD
    return client.post(SIGNUP_URL, data)


def test_the_confirmation_email_is_an_outbox_row_sent_after_commit(client, after_commit):
    response = after_commit(signup, client, "new.apm@adhoc.example")
    assert response.status_code == 302
    row = Notification.objects.get(kind=Notification.Kind.ACCOUNT)
    assert row.user.email == "new.apm@adhoc.example"
    assert row.object_key == "account/email/email_confirmation_signup"
    assert row.status == Notification.Status.SENT
    assert row.subject.startswith("[APM Mentorship Program] ")
    (message,) = mail.outbox
    assert message.to == ["new.apm@adhoc.example"]
    assert message.subject == row.subject
    assert re.search(r"http://127.0.0.1:8000/accounts/confirm-email/\S+/", message.body)
    assert message.extra_headers["X-Notification-ID"] == str(row.pk)


def test_each_reset_request_sends_its_own_email(client, outsider, after_commit):
    for _ in range(2):
        assert after_commit(client.post, RESET_URL, {"email": outsider.email}).status_code == 302
    rows = Notification.objects.filter(kind=Notification.Kind.ACCOUNT, user=outsider)
    assert rows.count() == 2
    assert len(set(rows.values_list("period", flat=True))) == 2
    assert len(mail.outbox) == 2
    # The same link twice within a second: the token changes with the password only.
    assert all("/accounts/password/reset/key/" in m.body for m in mail.outbox)


def test_a_reset_for_an_unknown_address_is_answered_at_that_address(client, after_commit):
    assert (
        after_commit(client.post, RESET_URL, {"email": "nobody@adhoc.example"}).status_code == 302
    )
    row = Notification.objects.get(kind=Notification.Kind.ACCOUNT)
    assert row.user is None
    assert row.to_email == "nobody@adhoc.example"
    assert row.object_key == "account/email/unknown_account"
    assert mail.outbox[0].to == ["nobody@adhoc.example"]


def test_the_reset_link_is_erased_from_the_outbox_once_sent(client, outsider, after_commit):
    after_commit(client.post, RESET_URL, {"email": outsider.email})
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    row = Notification.objects.get(kind=Notification.Kind.ACCOUNT)
    assert (row.status, row.body_text, row.body_html) == ("sent", "", "")


def test_a_password_change_notice_goes_through_the_outbox(client, outsider, after_commit):
    client.force_login(outsider)
    new = "another-long-passphrase-7"
    response = after_commit(
        client.post,
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert response.status_code == 302
    row = Notification.objects.get(kind=Notification.Kind.ACCOUNT)
    assert (row.object_key, row.user, row.status) == ("account/email/password_changed", outsider,
                                                      "sent")  # fmt: skip
    assert "password" in mail.outbox[0].subject.lower()


class TestMailServerDown:
    def test_a_reset_answers_normally_and_its_email_waits(
        self, client, outsider, after_commit, smtp_says_421
    ):
        response = after_commit(client.post, RESET_URL, {"email": outsider.email})
        assert response.status_code == 302
        assert response.url == reverse("account_reset_password_done")
        row = Notification.objects.get(kind=Notification.Kind.ACCOUNT)
        assert (row.status, row.attempts) == ("pending", 1)
        assert "421" in row.last_error
        assert row.next_attempt_at > timezone.now()

        smtp_says_421.undo()  # the mail server is back
        Notification.objects.update(next_attempt_at=timezone.now())
        assert notifications_sweep() == 1
        assert "/accounts/password/reset/key/" in mail.outbox[0].body

    def test_sign_up_answers_normally_and_its_confirmation_waits(
        self, client, after_commit, smtp_says_421
    ):
        response = after_commit(signup, client, "new.apm@adhoc.example")
        assert response.status_code == 302
        assert response.url == reverse("account_email_verification_sent")
        row = Notification.objects.get(kind=Notification.Kind.ACCOUNT)
        assert (row.status, row.attempts) == ("pending", 1)
        assert not mail.outbox

    def test_a_duplicate_sign_up_still_warns_the_owner_later(
        self, client, after_commit, smtp_says_421
    ):
        owner = UserFactory(email="taken@adhoc.example")
        assert after_commit(signup, client, "taken@adhoc.example").status_code == 302
        row = Notification.objects.get(kind=Notification.Kind.ACCOUNT)
        assert (row.user, row.object_key) == (owner, "account/email/account_already_exists")
        assert row.status == "pending"
