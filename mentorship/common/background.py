"""Queue background work from a service without importing the task that does it.

Services sit below tasks (a task is a thin adapter that calls a service), so a service
names the task it wants instead of importing it. The task runs once the caller's
transaction commits, so a worker never sees an id that is not saved yet.

A broker that is down must not hold up the page that queued the work: the work is in a
row already and a periodic sweep sends what was not. After one failed publish this
process skips the broker for a few seconds, so a page that queues forty invitations
waits for a dead broker once, not forty times.
"""

import logging

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError

from mentorship.common.breaker import CircuitBreaker

logger = logging.getLogger(__name__)

broker_breaker = CircuitBreaker(retry_after=10.0)


def enqueue(task_name: str, *args) -> bool:
    """Send a task now; False (and a warning) if the broker cannot be reached.

    Every caller has the work recorded in the database first, and a periodic sweep
    picks up what was not sent, so a broker outage delays the work but loses none.
    """
    task = current_app.tasks[task_name]
    # Eager tasks run here and now: there is no broker to skip, and an error from the
    # task itself (a mail server's OSError) says nothing about one.
    eager = current_app.conf.task_always_eager
    if not eager and broker_breaker.is_open():
        logger.info("The broker failed moments ago; %s%r waits for the sweep", task_name, args)
        return False
    try:
        task.delay(*args)
    except (OperationalError, OSError):  # the broker is away; the row waits for the sweep
        if not eager:
            broker_breaker.trip()
        logger.warning("Could not enqueue %s%r; the sweep will", task_name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task_name: str, *args) -> None:
    """Send a task once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task_name, *args), robust=True)
