"""The outbox: queue an email in the transaction that causes it, send it exactly once.

    notification_queue(kind=..., user=..., obj=match, subject=..., template=...)

writes a Notification row (rendered text and HTML) in the caller's transaction and,
after commit, asks a worker to send it. If the broker is down the row simply waits:
the periodic sweep (every minute) picks up rows still pending after a few minutes.
A send locks its row, sends, and marks it sent in one transaction, so a worker that
dies mid-send leaves the row pending for the next try, and two workers never send
the same row.
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from mentorship.models import Notification, NotificationPreference, User

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
SWEEP_AFTER = timedelta(minutes=2)
SWEEP_BATCH = 500
UNSUBSCRIBE_SALT = "mentorship.notifications.unsubscribe"
# Errors worth another try later: the mail server or the network had a bad moment.
TRANSIENT_ERRORS = (OSError, TimeoutError, ConnectionError)


def object_key(obj: models.Model | None) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}" if obj is not None else ""


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_token(user: User) -> str:
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)


def unsubscribe_user_id(token: str) -> int | None:
    try:
        return signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=timedelta(days=365))
    except signing.BadSignature:
        return None


def nudges_enabled(user: User) -> bool:
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference is None or preference.nudges_enabled


def _one_line(text: str) -> str:
    # Names come from people and files: a newline must never reach a header.
    return " ".join(str(text).split())[:200]


def notification_queue(
    *,
    kind: str,
    user: User,
    subject: str,
    template: str,
    context: dict | None = None,
    obj: models.Model | None = None,
    period: str = "",
) -> Notification | None:
    """Queue one email; returns None if this (kind, person, object, period) was queued before.

    ``template`` names a pair of templates, ``<template>.txt`` and ``<template>.html``.
    Nudges to a person who turned them off are recorded as skipped, not sent.
    """
    is_nudge = kind in Notification.NUDGES
    context = {
        "recipient": user,
        "program_name": settings.PROGRAM_NAME,
        "home_url": absolute_url(reverse("home")),
        "preferences_url": absolute_url(reverse("notification_preferences")),
        "unsubscribe_url": absolute_url(
            reverse("notification_unsubscribe", args=[unsubscribe_token(user)])
        )
        if is_nudge
        else "",
        **(context or {}),
    }
    skipped = is_nudge and not nudges_enabled(user)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                kind=kind,
                user=user,
                object_key=object_key(obj),
                period=period,
                to_email=user.email,
                subject=_one_line(f"[{settings.PROGRAM_NAME}] {subject}"),
                body_text=render_to_string(f"{template}.txt", context),
                body_html=render_to_string(f"{template}.html", context),
                status=Notification.Status.SKIPPED if skipped else Notification.Status.PENDING,
            )
    except IntegrityError:
        return None  # queued before: the unique key says so
    if not skipped:
        transaction.on_commit(partial(_enqueue, notification.pk), robust=True)
    return notification


def _enqueue(notification_id: int) -> None:
    from mentorship.tasks import send_notification

    try:
        send_notification.delay(notification_id)
    except Exception:
        # The broker is away. The row is safe in the database; the sweep sends it later.
        logger.warning("Could not enqueue notification %s; the sweep will", notification_id)


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
        _enqueue(notification_id)
    return len(ids)
