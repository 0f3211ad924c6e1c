"""Queue an email in the outbox, in the transaction that causes it.

    notification_queue(kind=..., user=..., obj=match, subject=..., template=...)

writes a Notification row (rendered text and HTML) in the caller's transaction and,
after commit, asks a worker to send it (mentorship.outbox.sending). If the broker is
down the row simply waits for the periodic sweep.
"""

import logging
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from mentorship.common.audit import audit_target
from mentorship.common.background import enqueue_on_commit
from mentorship.models import Notification, NotificationPreference, User

logger = logging.getLogger(__name__)

# The module it was first written in; changing it would break every link already sent.
UNSUBSCRIBE_SALT = "mentorship.notifications.unsubscribe"


SEND_TASK = "mentorship.tasks.send_notification"


def object_key(obj: models.Model | None) -> str:
    return audit_target(obj)


def absolute_url(path: str) -> str:
    """The link to ``path`` on the site people use: the one home of every email's links."""
    return settings.SITE_URL.rstrip("/") + path


def site_link(url: str) -> str:
    """``url`` (absolute, as allauth builds from the request's host, or a path) moved onto
    SITE_URL, so a link never names the server a worker or a proxy happened to see."""
    parts = urlsplit(str(url))
    return absolute_url(urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment)))


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


def _rendered(template: str, context: dict) -> dict:
    """The email's two bodies, with times in the program's zone whoever's request (and
    browser zone, mentorship.common.local_time) queues it."""
    with timezone.override(settings.TIME_ZONE):
        return {
            "body_text": render_to_string(f"{template}.txt", context),
            "body_html": render_to_string(f"{template}.html", context),
        }


def notification_queue(
    *,
    kind: str,
    user: User,
    subject: str,
    template: str,
    context: dict | None = None,
    obj: models.Model | None = None,
    period: str = "",
    attachments: list[dict] | None = None,
) -> Notification | None:
    """Queue one email; returns None if this (kind, person, object, period) was queued before.

    ``template`` names a pair of templates, ``<template>.txt`` and ``<template>.html``.
    Nudges to a person who turned them off are recorded as skipped, not sent.
    ``attachments`` are text files: [{"filename", "content", "mimetype"}].
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
    return _queue(
        kind=kind,
        user=user,
        object_key=object_key(obj),
        period=period,
        to_email=user.email,
        subject=f"[{settings.PROGRAM_NAME}] {subject}",
        **_rendered(template, context),
        attachments=attachments or [],
        skipped=skipped,
    )


def notification_queue_rendered(
    *,
    kind: str,
    to_email: str,
    user: User | None,
    subject: str,
    body_text: str,
    body_html: str = "",
    object_key: str = "",
    period: str = "",
) -> Notification | None:
    """Queue an email that is already written (allauth renders its account emails).

    ``user`` may be None: a password reset asked for an address nobody signed up with
    is answered at that address. Returns None if the key was queued before.
    """
    return _queue(
        kind=kind,
        user=user,
        object_key=object_key[:80],
        period=period,
        to_email=to_email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        skipped=False,
    )


def _queue(*, subject: str, skipped: bool, **fields) -> Notification | None:
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                subject=_one_line(subject),
                status=Notification.Status.SKIPPED if skipped else Notification.Status.PENDING,
                **fields,
            )
    except IntegrityError:
        return None  # queued before: the unique key says so
    if not skipped:
        enqueue_on_commit(SEND_TASK, notification.pk)
    return notification
