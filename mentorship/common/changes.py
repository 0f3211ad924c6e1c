"""When the program's data last changed through a request: for pages that keep a copy.

A page that reads a snapshot instead of the data (the committee's journey) must not show
a copy older than a change someone just made. Every write the program takes from a
person goes through a request that is not GET, HEAD or OPTIONS: ``ChangesMiddleware``
stamps the time after each such request that succeeded, once its transactions have
committed. A snapshot built after the stamp is current for those writes; background
work (the mixer, introductions) does not stamp, and snapshots also expire with time.

The stamp over-counts (any successful form counts, whatever it changed), never misses
a request, and costs one cache write per form sent. A view that changes none of the
data (rebuilding a snapshot, queueing a reminder) says so with ``changes_nothing``.
"""

import logging
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

KEY = "data-changed-at"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def mark_changed() -> None:
    try:
        cache.set(KEY, time.time(), timeout=None)
    except Exception:  # the write it follows succeeded; a copy may then stay old a while
        logger.warning("Could not stamp a change in the cache", exc_info=True)


def changed_at() -> float:
    """When the data last changed through a request (0: not since the cache was cleared)."""
    try:
        return cache.get(KEY) or 0.0
    except Exception:  # no cache: treat the data as changed, so copies are rebuilt
        logger.warning("Could not read the change stamp", exc_info=True)
        return time.time()


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
