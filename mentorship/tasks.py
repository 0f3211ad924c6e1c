"""Background work for the program core: the outbox and the intake nudges.

Tasks take ids, call a service, and are safe to run twice.
"""

from celery import shared_task

from mentorship.outbox import reminders, sending


@shared_task
def ping(value: str = "pong") -> str:
    """Round-trip check for workers and deployments; has no side effects."""
    return value


@shared_task(acks_late=True)
def send_notification(notification_id: int) -> bool:
    """Send one outbox row.

    Idempotent: the row is locked and must still be pending, so a redelivered or
    duplicated message sends nothing. Failures are recorded on the row with a backoff;
    the sweep retries them, up to a limit.
    """
    return sending.notification_send(notification_id=notification_id)


@shared_task
def sweep_outbox() -> int:
    """Periodic: enqueue outbox rows still pending after a few minutes."""
    return sending.notifications_sweep()


@shared_task
def intake_reminder_scan() -> int:
    """Periodic: queue the intake nudges that are due. Safe to run twice (unique outbox keys)."""
    return reminders.intake_nudges_queue()
