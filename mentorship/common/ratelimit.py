"""Per-person limits on the forms that write: a clear page instead of a flood of rows.

Counted in the shared cache (Redis in production), one fixed window per person and
action; the limits are generous for a person and tight for a script.
"""

import time
from functools import wraps

from django.core.cache import cache
from django.shortcuts import render

TOO_MANY_WRITES = (
    "You have sent this form many times in a short while, so we paused it for a minute. "
    "Nothing you saved is lost: wait a moment, then try again."
)
# action → (how many posts, in how many seconds), per person.
WRITE_LIMITS = {
    "intake": (20, 60),
    "survey": (30, 60),
    "meeting": (20, 60),
    "rematch": (5, 3600),
    "promotion": (5, 3600),
}


def allow(*, action: str, user_id: int) -> bool:
    """Count one write; False once the person is over the action's limit in this window."""
    limit, seconds = WRITE_LIMITS[action]
    window = int(time.time() // seconds)
    key = f"writes:{action}:{user_id}:{window}"
    # add() then incr(): atomic on Redis and in the local cache, so parallel posts count.
    cache.add(key, 0, timeout=seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls: this post starts the window
        cache.set(key, 1, timeout=seconds + 5)
        count = 1
    return count <= limit


def limit_writes(action: str):
    """View decorator: POSTs over the person's limit get a 429 page saying what to do."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if (
                request.method == "POST"
                and request.user.is_authenticated
                and not allow(action=action, user_id=request.user.pk)
            ):
                return render(request, "429.html", {"message": TOO_MANY_WRITES}, status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
