"""Send what the outbox holds: claim a row, send it with no transaction open, mark it sent.

    pending ──claim──▶ sending ──the server took it──▶ sent
       ▲                  │  any failure counts an attempt: a transient one (4xx, a
       │                  │  timeout, a dropped connection) waits a growing, jittered
       │                  │  backoff; a permanent one (5xx) or the last attempt fails it
       └──── the sweep ◀──┘  the claim expired: the worker died mid-send
    failed ──the committee's retry (admin action, audited)──▶ pending

The claim is a conditional update that commits by itself, so no lock or transaction is
held while the mail server talks, and EMAIL_TIMEOUT bounds every wait. What a worker
that dies costs, by where it dies:

- before the claim commits: the row is still pending and the sweep sends it;
- after the claim, before the server has the message: the claim expires, the sweep
  makes the row pending again, and it goes out once;
- after the server took the message, before the row is marked sent: the same, and the
  message goes out twice.

So delivery is at-least-once: each worker process that dies repeats at most the one
message it was sending. The send task's time limit is shorter than the claim's
expiry, so a live but stuck worker is stopped before its row can be taken back.

Why not django-post-office or django-mailer: both queue mail in the database and would
catch allauth's mail through their email backend, but neither has our unique key
(kind, person, object, period) that makes every scan safe to repeat, nor a claim that
expires; django-mailer sends from one process at a time under a file lock and retries
deferred mail at a fixed pace, and django-post-office locks rows with
select_for_update(skip_locked=True) (nothing on SQLite, the local run) and retries at
a fixed interval. Our own costs this one module.
"""

import logging
import random
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.utils import timezone

from mentorship.common.background import enqueue, enqueue_on_commit
from mentorship.common.lifecycle import transition
from mentorship.models import Notification, User
from mentorship.outbox.queue import SEND_TASK

logger = logging.getLogger(__name__)

# With the first retry after a minute and the backoff capped at an hour, twelve
# attempts span four to six hours (the jitter): a mail server down for an afternoon delays mail, a
# longer outage fails the rows, and the committee retries them from the admin.
MAX_ATTEMPTS = 12
MAX_BACKOFF = timedelta(hours=1)
SWEEP_AFTER = timedelta(minutes=2)
SWEEP_BATCH = 500
# A send is a handful of SMTP round trips (connect, greeting, EHLO, TLS, login, MAIL,
# RCPT, DATA, QUIT), each bounded by EMAIL_TIMEOUT.
SEND_ROUND_TRIPS = 6
CLAIM_MARGIN = timedelta(minutes=1)

CLAIM_EXPIRED = "The worker stopped while sending this email, so it is being sent again."
NOTIFICATION_RETRY_REFUSED = (
    "Only an email that failed can be sent again. This one is “%(status)s”, so it "
    "needs nothing from you."
)


def send_time_limits() -> tuple[int, int]:
    """(soft, hard) seconds a send may take before Celery stops it.

    The soft limit raises inside the send, which then counts as a failed attempt; the
    hard one kills a worker that did not stop.
    """
    soft = settings.EMAIL_TIMEOUT * SEND_ROUND_TRIPS
    return soft, soft + 10


def claim_expiry() -> timedelta:
    """How old a claim is before the sweep takes the row back: longer than any send
    may last, so the worker that holds it has stopped by then."""
    return timedelta(seconds=send_time_limits()[1]) + CLAIM_MARGIN


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: doubling, capped, with jitter.

    The jitter (a random half of the delay) spreads the rows that failed together in
    an outage, so they do not all come back to the server in the same minute.
    """
    first = timedelta(seconds=settings.OUTBOX_FIRST_RETRY_SECONDS)
    delay = min(MAX_BACKOFF, first * 2 ** (attempts - 1))
    return delay / 2 + delay * random.uniform(0, 0.5)  # noqa: S311 - jitter, not a secret


def _due(now) -> models.Q:
    return models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now)


def _claim(notification_id: int) -> Notification | None:
    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id, status=Notification.Status.PENDING)
        .filter(_due(now))
        .update(status=Notification.Status.SENDING, claimed_at=now, updated_at=now)
    )
    if claimed != 1:
        return None  # sent already, being sent, waiting for its backoff, or failed
    return Notification.objects.get(pk=notification_id)


def _message(notification: Notification) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        to=[notification.to_email],
        headers={"X-Notification-ID": str(notification.pk)},
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    for attachment in notification.attachments or []:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    return message


def _still_mine(notification: Notification) -> models.QuerySet:
    # The row as this worker claimed it: if the sweep took it back (the claim expired)
    # and another worker claimed it, this one must not overwrite what that one wrote.
    return Notification.objects.filter(
        pk=notification.pk,
        status=Notification.Status.SENDING,
        claimed_at=notification.claimed_at,
    )


def notification_send(*, notification_id: int) -> bool:
    """Send one notification if it is pending and due; True if this call sent it.

    Call it outside any transaction: the claim must be committed before the mail
    server is reached, so that a crash leaves a row the sweep can find.
    """
    notification = _claim(notification_id)
    if notification is None:
        return False
    try:
        _message(notification).send()
    except Exception as error:  # every failure counts, not only the network's
        _record_failure(notification, error)
        return False
    now = timezone.now()
    sent = {"status": Notification.Status.SENT, "sent_at": now, "updated_at": now,
            "attempts": notification.attempts + 1, "next_attempt_at": None}  # fmt: skip
    if notification.kind in Notification.SECRET_KINDS:
        sent |= {"body_text": "", "body_html": ""}  # the link or code has done its job
    if not _still_mine(notification).update(**sent):
        logger.warning(
            "Notification %s was sent after its claim expired; it may go out twice.",
            notification.pk,
        )
    return True


def smtp_code(error: Exception) -> int | None:
    """The mail server's reply code carried by ``error``, if it carries one."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # One recipient per message: its refusal is the message's.
        codes = [code for code, _ in error.recipients.values()]
        return min(codes) if codes else None
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code
    return None


def is_permanent(error: Exception) -> bool:
    """5xx: the server will never take this message (unknown mailbox, refused content).

    A refused login is ours to fix, not the message's: once the settings are right
    the mail follows, so it is retried like an outage. Anything else (4xx, timeouts,
    dropped connections, an unexpected error) is tried again up to the limit.
    """
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return False
    code = smtp_code(error)
    return code is not None and 500 <= code < 600


def _record_failure(notification: Notification, error: Exception) -> None:
    attempts = notification.attempts + 1
    now = timezone.now()
    values = {"attempts": attempts, "last_error": f"{type(error).__name__}: {error}"[:1000],
              "updated_at": now}  # fmt: skip
    if is_permanent(error) or attempts >= MAX_ATTEMPTS:
        values |= {"status": Notification.Status.FAILED, "next_attempt_at": None}
        logger.error("Notification %s failed after %s attempts: %s", notification.pk,
                     attempts, error)  # fmt: skip
    else:
        values |= {"status": Notification.Status.PENDING,
                   "next_attempt_at": now + retry_delay(attempts)}  # fmt: skip
        logger.warning(
            "Notification %s: attempt %s failed, trying again later: %s",
            notification.pk, attempts, error,
            exc_info=smtp_code(error) is None and not isinstance(error, OSError),
        )  # fmt: skip
    _still_mine(notification).update(**values)


def _release_expired_claims(now) -> int:
    expired = Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_at__lt=now - claim_expiry()
    )
    counted = {"attempts": models.F("attempts") + 1, "last_error": CLAIM_EXPIRED,
               "updated_at": now}  # fmt: skip
    # A message that kills every worker that sends it stops at the attempt limit too.
    failed = expired.filter(attempts__gte=MAX_ATTEMPTS - 1).update(
        status=Notification.Status.FAILED, next_attempt_at=None, **counted
    )
    released = expired.update(status=Notification.Status.PENDING, next_attempt_at=now, **counted)
    if failed or released:
        logger.warning("Outbox sweep: %s abandoned sends released, %s failed", released, failed)
    return released


def notifications_sweep() -> int:
    """Take back abandoned sends, then enqueue every pending row that is due.

    Due: a retry whose backoff has passed, or a new row no worker has sent after a few
    minutes (the broker was away when it was queued). Returns how many were enqueued.
    """
    now = timezone.now()
    _release_expired_claims(now)
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


@transaction.atomic
def notification_retry(*, notification: Notification, acting_user: User | None) -> Notification:
    """The committee sends a failed email again: it becomes pending with fresh attempts.

    Locked, checked and audited; the send is queued once the retry commits.
    """
    row = Notification.objects.select_for_update().get(pk=notification.pk)
    if row.status != Notification.Status.FAILED:
        # The lifecycle also lets the sweep take back an abandoned send; the committee
        # may only retry what has failed, or a row being sent could go out twice.
        raise ValidationError(
            NOTIFICATION_RETRY_REFUSED,
            code="not_failed",
            params={"status": row.get_status_display()},
        )
    transition(
        row,
        to=Notification.Status.PENDING,
        actor=acting_user,
        action="notification.retried",
        summary=f"Sent again: {row.get_kind_display()} to {row.to_email}",
        changes={"attempts": 0, "next_attempt_at": None},
        lock=False,
        attempts_before=row.attempts,
        last_error=row.last_error,
    )
    enqueue_on_commit(SEND_TASK, row.pk)
    notification.refresh_from_db()
    return notification
