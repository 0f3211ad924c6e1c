from celery import shared_task

from mentorship import notifications


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
    return notifications.notification_send(notification_id=notification_id)


@shared_task
def sweep_outbox() -> int:
    """Periodic: enqueue outbox rows still pending after a few minutes."""
    return notifications.notifications_sweep()


@shared_task
def daily_reminder_scan() -> dict:
    """Periodic: queue the nudges that are due. Safe to run twice (unique outbox keys)."""
    from mentorship.reminders import daily_scan

    return daily_scan()
