"""The outbox's send: claim, send outside any transaction, mark sent; failures and sweeps."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from mentorship.common.models import AuditLog
from mentorship.models import Notification
from mentorship.outbox import sending
from mentorship.outbox.sending import (
    CLAIM_EXPIRED,
    MAX_ATTEMPTS,
    NOTIFICATION_RETRY_REFUSED,
    notification_retry,
    notification_send,
    notifications_sweep,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SEND = "django.core.mail.EmailMultiAlternatives.send"


def row(**values) -> Notification:
    user = values.pop("user", None) or UserFactory()
    defaults = {
        "kind": Notification.Kind.NO_MEETING,
        "user": user,
        "to_email": user.email,
        "object_key": "test:1",
        "subject": "Time to catch up?",
        "body_text": "Hi",
    }
    return Notification.objects.create(**(defaults | values))


def fails_with(monkeypatch, error: Exception) -> None:
    def send(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(SEND, send)


def refreshed(notification: Notification) -> Notification:
    notification.refresh_from_db()
    return notification


def make_due(notification: Notification) -> None:
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_the_claim_is_committed_and_no_transaction_is_open_while_the_server_talks(monkeypatch):
    notification = row()
    seen = {}

    def send(self, *args, **kwargs):
        seen["in_transaction"] = connection.in_atomic_block
        seen["status"] = Notification.objects.get(pk=notification.pk).status
        return 1

    monkeypatch.setattr(SEND, send)
    assert notification_send(notification_id=notification.pk) is True
    assert seen == {"in_transaction": False, "status": Notification.Status.SENDING}
    notification = refreshed(notification)
    assert (notification.status, notification.attempts) == (Notification.Status.SENT, 1)
    assert notification.sent_at is not None


def test_a_row_being_sent_cannot_be_claimed_again():
    notification = row(status=Notification.Status.SENDING, claimed_at=timezone.now())
    assert notification_send(notification_id=notification.pk) is False
    assert not mail.outbox
    assert refreshed(notification).status == Notification.Status.SENDING


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPSenderRefused(421, b"4.3.2 Try again later", "from@example.org"),
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        TimeoutError("timed out"),
        OSError(101, "Network is unreachable"),
        ConnectionRefusedError(111, "Connection refused"),
        smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"),
        ValueError("not an OSError: the old code forgot to count these"),
    ],
    ids=["421", "disconnected", "timeout", "unreachable", "refused", "login", "bug"],
)
def test_any_failure_counts_an_attempt_and_waits_for_a_backoff(monkeypatch, error):
    notification = row()
    fails_with(monkeypatch, error)
    before = timezone.now()
    assert notification_send(notification_id=notification.pk) is False
    notification = refreshed(notification)
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 1
    assert type(error).__name__ in notification.last_error
    # The first retry waits 30 to 60 seconds (a minute, jittered).
    assert before + timedelta(seconds=29) < notification.next_attempt_at
    assert notification.next_attempt_at < timezone.now() + timedelta(seconds=61)


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"5.1.1 No such mailbox")}),
        smtplib.SMTPDataError(554, b"5.7.1 Message refused"),
        smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "from@example.org"),
    ],
    ids=["550-recipient", "554-data", "553-sender"],
)
def test_a_permanent_refusal_fails_the_row_at_once(monkeypatch, error):
    notification = row()
    fails_with(monkeypatch, error)
    assert notification_send(notification_id=notification.pk) is False
    notification = refreshed(notification)
    assert (notification.status, notification.attempts) == (Notification.Status.FAILED, 1)
    assert notification.next_attempt_at is None
    assert "5." in notification.last_error


def test_a_row_waiting_for_its_backoff_is_not_sent_early(monkeypatch):
    notification = row()
    fails_with(monkeypatch, TimeoutError("timed out"))
    notification_send(notification_id=notification.pk)
    monkeypatch.undo()
    # A redelivered task, or a sweep, before the backoff has passed: nothing happens.
    assert notification_send(notification_id=notification.pk) is False
    assert notifications_sweep() == 0
    assert not mail.outbox
    assert refreshed(notification).attempts == 1
    make_due(notification)
    assert notifications_sweep() == 1  # eager tasks: sent right away
    notification = refreshed(notification)
    assert (notification.status, notification.attempts) == (Notification.Status.SENT, 2)
    assert len(mail.outbox) == 1


def test_the_backoff_doubles_with_jitter_up_to_an_hour(settings):
    settings.OUTBOX_FIRST_RETRY_SECONDS = 60
    for attempts, full in [(1, 60), (2, 120), (3, 240), (7, 3600), (11, 3600)]:
        delays = {sending.retry_delay(attempts).total_seconds() for _ in range(50)}
        assert all(full / 2 <= delay <= full for delay in delays), (attempts, delays)
        assert len(delays) > 1  # jittered, not all at once


def test_the_attempt_limit_fails_the_row_with_its_last_error(monkeypatch):
    notification = row()
    fails_with(monkeypatch, smtplib.SMTPSenderRefused(421, b"busy", "from@example.org"))
    for _ in range(MAX_ATTEMPTS):
        make_due(notification)
        notification_send(notification_id=notification.pk)
    notification = refreshed(notification)
    assert (notification.status, notification.attempts) == ("failed", MAX_ATTEMPTS)
    assert "421" in notification.last_error
    make_due(notification)
    assert notification_send(notification_id=notification.pk) is False  # failed stays failed


class TestSweep:
    def test_an_expired_claim_is_taken_back_counted_and_sent(self):
        claimed = timezone.now() - sending.claim_expiry() - timedelta(seconds=1)
        notification = row(status=Notification.Status.SENDING, claimed_at=claimed)
        assert notifications_sweep() == 1
        notification = refreshed(notification)
        assert (notification.status, notification.attempts) == (Notification.Status.SENT, 2)
        assert notification.last_error == CLAIM_EXPIRED
        assert len(mail.outbox) == 1

    def test_a_claim_still_in_time_is_left_to_its_worker(self):
        claimed = timezone.now() - sending.claim_expiry() + timedelta(seconds=30)
        notification = row(status=Notification.Status.SENDING, claimed_at=claimed)
        assert notifications_sweep() == 0
        assert refreshed(notification).status == Notification.Status.SENDING
        assert not mail.outbox

    def test_a_message_that_keeps_killing_workers_fails_at_the_limit(self):
        claimed = timezone.now() - timedelta(hours=1)
        notification = row(status=Notification.Status.SENDING, claimed_at=claimed,
                           attempts=MAX_ATTEMPTS - 1)  # fmt: skip
        assert notifications_sweep() == 0
        notification = refreshed(notification)
        assert (notification.status, notification.attempts) == ("failed", MAX_ATTEMPTS)

    def test_the_claim_expires_only_after_the_send_time_limit_and_a_margin(self, settings):
        soft, hard = sending.send_time_limits()
        assert soft >= settings.EMAIL_TIMEOUT * 2
        assert sending.claim_expiry() > timedelta(seconds=hard)

    def test_a_worker_that_finishes_after_its_claim_was_taken_over_overwrites_nothing(
        self, monkeypatch
    ):
        notification = row()

        def slow_send(self, *args, **kwargs):
            # While this worker is stuck, the sweep takes the row back and another
            # worker claims it.
            Notification.objects.filter(pk=notification.pk).update(
                status=Notification.Status.SENDING,
                claimed_at=timezone.now() + timedelta(seconds=1),
            )
            raise TimeoutError("timed out")

        monkeypatch.setattr(SEND, slow_send)
        notification_send(notification_id=notification.pk)
        notification = refreshed(notification)
        assert (notification.status, notification.attempts) == ("sending", 0)


def test_an_account_email_forgets_its_link_once_sent():
    notification = row(kind=Notification.Kind.ACCOUNT, body_text="reset: /key/abc",
                       body_html="<a href='/key/abc'>reset</a>")  # fmt: skip
    assert notification_send(notification_id=notification.pk) is True
    assert "/key/abc" in mail.outbox[0].body
    notification = refreshed(notification)
    assert (notification.body_text, notification.body_html) == ("", "")


class TestRetry:
    def test_the_committee_retries_a_failed_email_and_it_is_sent_and_audited(
        self, committee, django_capture_on_commit_callbacks
    ):
        notification = row(status=Notification.Status.FAILED, attempts=MAX_ATTEMPTS,
                           last_error="SMTPRecipientsRefused: 550")  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            notification_retry(notification=notification, acting_user=committee)
        notification = refreshed(notification)
        assert (notification.status, notification.attempts) == (Notification.Status.SENT, 1)
        assert len(mail.outbox) == 1
        audit = AuditLog.objects.get(action="notification.retried")
        assert audit.actor == committee
        assert audit.target == f"mentorship.notification:{notification.pk}"
        assert (audit.details["from"], audit.details["to"]) == ("failed", "pending")
        assert audit.details["attempts_before"] == MAX_ATTEMPTS

    @pytest.mark.parametrize("status", ["pending", "sending", "sent", "skipped"])
    def test_only_a_failed_email_can_be_retried(self, committee, status):
        notification = row(status=status, claimed_at=timezone.now())
        with pytest.raises(ValidationError) as refused:
            notification_retry(notification=notification, acting_user=committee)
        label = Notification.Status(status).label
        assert refused.value.messages == [NOTIFICATION_RETRY_REFUSED % {"status": label}]
        assert refreshed(notification).status == status
        assert not AuditLog.objects.filter(action="notification.retried").exists()
