"""Background work for the program core: the outbox and the intake nudges.

Tasks take ids, call a service, and are safe to run twice.
"""

from celery import shared_task

from mentorship.outbox import reminders, sending


# changes_nothing: no copy a page keeps (mentorship.common.changes) is made of what these
# change (only the outbox's own rows), so they do not make such copies old.
@shared_task(changes_nothing=True)
def ping(value: str = "pong") -> str:
    """Round-trip check for workers and deployments; has no side effects."""
    return value


_SEND_SOFT_LIMIT, _SEND_HARD_LIMIT = sending.send_time_limits()


# Stopped before the sweep may take its row back (sending.claim_expiry).
@shared_task(
    acks_late=True,
    soft_time_limit=_SEND_SOFT_LIMIT,
    time_limit=_SEND_HARD_LIMIT,
    changes_nothing=True,
)
def send_notification(notification_id: int) -> bool:
    """Send one outbox row.

    Idempotent: a conditional update claims the row (pending and due → sending), so a
    redelivered or duplicated message finds nothing to claim and sends nothing.
    Failures are counted on the row with a backoff; the sweep retries them when due.
    """
    return sending.notification_send(notification_id=notification_id)


@shared_task(changes_nothing=True)
def sweep_outbox() -> int:
    """Periodic: take back abandoned sends and enqueue the rows that are due.

    Safe to run twice: it only enqueues, and each send claims its row first.
    """
    return sending.notifications_sweep()


@shared_task
def intake_reminder_scan() -> int:
    """Periodic: queue the intake nudges that are due. Safe to run twice (unique outbox keys)."""
    return reminders.intake_nudges_queue()
