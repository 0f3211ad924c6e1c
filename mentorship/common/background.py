"""Queue background work from a service without importing the task that does it.

Services sit below tasks (a task is a thin adapter that calls a service), so a service
names the task it wants instead of importing it. The task runs once the caller's
transaction commits, so a worker never sees an id that is not saved yet.
"""

import logging

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args) -> bool:
    """Send a task now; False (and a warning) if the broker cannot be reached.

    Every caller has the work recorded in the database first, and a periodic sweep
    picks up what was not sent, so a broker outage delays the work but loses none.
    """
    try:
        current_app.tasks[task_name].delay(*args)
    except (OperationalError, OSError):  # the broker is away; the row waits for the sweep
        logger.warning("Could not enqueue %s%r; the sweep will", task_name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task_name: str, *args) -> None:
    """Send a task once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task_name, *args), robust=True)
