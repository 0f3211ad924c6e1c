"""Send what the outbox holds: each row once, retried with a backoff, swept if stuck.

A send locks its row, sends, and marks it sent in one transaction, so a worker that
dies mid-send leaves the row pending for the next try, and two workers never send the
same row. The sweep (every minute) re-queues rows still pending after a few minutes.
"""

import logging
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.utils import timezone

from mentorship.common.background import enqueue
from mentorship.models import Notification
from mentorship.outbox.queue import SEND_TASK

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
SWEEP_AFTER = timedelta(minutes=2)
SWEEP_BATCH = 500
# Errors worth another try later: the mail server or the network had a bad moment.
TRANSIENT_ERRORS = (OSError, TimeoutError, ConnectionError)


def notification_send(*, notification_id: int) -> bool:
    """Send one pending notification. True if this call sent it."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=Notification.Status.PENDING)
            .first()
        )
        if notification is None:
            return False  # sent already, or another worker is sending it right now
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=notification.body_text,
            to=[notification.to_email],
            headers={"X-Notification-ID": str(notification.pk)},
        )
        if notification.body_html:
            message.attach_alternative(notification.body_html, "text/html")
        try:
            message.send()
        except TRANSIENT_ERRORS as error:
            _record_failure(notification, error)
            return False
        notification.status = Notification.Status.SENT
        notification.sent_at = timezone.now()
        notification.attempts += 1
        notification.save(update_fields=["status", "sent_at", "attempts", "updated_at"])
    return True


def _record_failure(notification: Notification, error: Exception) -> None:
    notification.attempts += 1
    notification.last_error = f"{type(error).__name__}: {error}"[:1000]
    if notification.attempts >= MAX_ATTEMPTS:
        notification.status = Notification.Status.FAILED
        logger.error("Notification %s failed for good: %s", notification.pk, error)
    else:
        # Exponential backoff: 1, 2, 4, 8 minutes.
        delay = timedelta(minutes=2 ** (notification.attempts - 1))
        notification.next_attempt_at = timezone.now() + delay
    notification.save(
        update_fields=["attempts", "last_error", "status", "next_attempt_at", "updated_at"]
    )


def notifications_sweep() -> int:
    """Enqueue pending rows that no worker has sent yet (broker outage, crash, retry due)."""
    now = timezone.now()
    due = (
        Notification.objects.filter(status=Notification.Status.PENDING)
        .filter(models.Q(next_attempt_at__isnull=True, created_at__lte=now - SWEEP_AFTER)
                | models.Q(next_attempt_at__lte=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )  # fmt: skip
    ids = list(due)
    for notification_id in ids:
        enqueue(SEND_TASK, notification_id)
    return len(ids)
