"""The default cache: Redis, and the database while Redis is not answering.

allauth keeps its rate limits (and the two-factor codes already used) in the default
cache. A cache that raised while Redis was down would stop everyone signing in; one that
quietly forgot would let the limits lapse exactly when nobody is watching. So every call
goes to Redis first, and to Django's database cache when Redis fails. After a failure a
short circuit breaker sends calls straight to the database for a few seconds, so a page
does not wait on a dead Redis once per cache call.

The two stores do not share what they hold: counts made during an outage stay in the
database, and Redis starts again from what it had. At each switch a limit may let through
one more round of attempts; it never stops holding.
"""

import logging

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from redis.exceptions import RedisError

from mentorship.common.breaker import CircuitBreaker

logger = logging.getLogger(__name__)

# One breaker per primary alias, for the whole process: Django builds a cache object
# per thread, and every thread should learn at once that Redis is down.
breakers: dict[str, CircuitBreaker] = {}


class FallbackCache(BaseCache):
    """Delegate to the ``PRIMARY`` cache alias, or to ``FALLBACK`` while it is down.

    OPTIONS: ``PRIMARY`` and ``FALLBACK`` (aliases in CACHES) and ``RETRY_AFTER``
    (seconds the breaker stays open after a failure, default 15). Keys, timeouts and
    versions go through unchanged: each store applies its own KEY_PREFIX.
    """

    def __init__(self, location, params):
        options = dict(params.get("OPTIONS", {}))
        self.primary_alias = options.pop("PRIMARY")
        self.fallback_alias = options.pop("FALLBACK")
        retry_after = float(options.pop("RETRY_AFTER", 15))
        self.breaker = breakers.setdefault(self.primary_alias, CircuitBreaker(retry_after))
        self.breaker.retry_after = retry_after
        super().__init__({**params, "OPTIONS": options})

    def _call(self, method: str, *args, **kwargs):
        if not self.breaker.is_open():
            try:
                return getattr(caches[self.primary_alias], method)(*args, **kwargs)
            except RedisError:
                self.breaker.trip()
                logger.warning(
                    "Cache %r is not answering; using %r for the next %.0f s",
                    self.primary_alias,
                    self.fallback_alias,
                    self.breaker.retry_after,
                    exc_info=True,
                )
        return getattr(caches[self.fallback_alias], method)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def decr(self, key, delta=1, version=None):
        return self._call("decr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        # Both: what the fallback holds from an outage must not outlive a clear.
        caches[self.fallback_alias].clear()
        self._call("clear")
