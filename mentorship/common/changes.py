"""When the program's data last changed: for pages that keep a copy of what they show.

A page that reads a copy instead of the data (the committee's journey snapshot, the
outcomes counts) must not show one older than a change someone just made. Every write
the program takes from a person goes through a request that is not GET, HEAD or
OPTIONS: ``ChangesMiddleware`` stamps the time after each such request that succeeded,
once its transactions have committed. Background work stamps too: every Celery task
that succeeds, except those declared ``changes_nothing=True`` (sending mail, rebuilding
a snapshot; the matching sweep stamps itself when it did something). A copy built
after the stamp is current; copies also expire with time, for
what changes the data outside both (a management command, the database by hand).

The stamp over-counts (any successful form or task counts, whatever it changed), never
misses a request or a task, and costs one cache write for each. A view that changes
none of the data (rebuilding a snapshot, queueing a reminder) says so with
``changes_nothing``.

The stamp lives in the default cache. With Redis (production) every process sees it;
without Redis each process has its own cache, so only a single process (``make run``)
sees every change at once: other processes' copies are current again when they expire.
"""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)

KEY = "data-changed-at"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
COPY_PREFIX = "copy:"
T = TypeVar("T")


def mark_changed() -> None:
    try:
        cache.set(KEY, time.time(), timeout=None)
    except Exception:  # the write it follows succeeded; a copy may then stay old a while
        logger.warning("Could not stamp a change in the cache", exc_info=True)


def changed_at() -> float:
    """When the data last changed through a request or a task (0: not since the cache
    was cleared)."""
    try:
        return cache.get(KEY) or 0.0
    except Exception:  # no cache: treat the data as changed, so copies are rebuilt
        logger.warning("Could not read the change stamp", exc_info=True)
        return time.time()


def current_copy(name: str, build: Callable[[], T], *, max_age: float) -> T:
    """What ``build()`` returns, from a copy when one was built since the last change.

    The copy counts from when its build started, so a change committed while it was
    being built makes it old at once. It is kept at most ``max_age`` seconds. The value
    must be picklable plain data (numbers, strings, dicts): a copy kept across a
    deploy is read back by the new code. Without a cache every call builds.
    """
    key = COPY_PREFIX + name
    try:
        kept = cache.get(key)
    except Exception:
        logger.warning("Could not read the copy %r", name, exc_info=True)
        kept = None
    if kept is not None and kept[0] > changed_at():
        return kept[1]
    started = time.time()
    value = build()
    try:
        cache.set(key, (started, value), timeout=max_age)
    except Exception:
        logger.warning("Could not keep the copy %r", name, exc_info=True)
    return value


def changes_nothing(request) -> None:
    """This request writes nothing a copy is made of: do not stamp it."""
    request.changes_nothing = True


class ChangesMiddleware:
    """Stamp the time after every successful request that may have changed data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method not in SAFE_METHODS
            and response.status_code < 400
            and not getattr(request, "changes_nothing", False)
        ):
            mark_changed()
        return response


def stamp_after_task(sender=None, **kwargs) -> None:
    """Celery's task_success: stamp, unless the task says it changes nothing."""
    if not getattr(sender, "changes_nothing", False):
        mark_changed()
