"""A circuit breaker: after a failure, skip a service that is down for a few seconds.

Used where a page would otherwise wait on a dead Redis again and again: publishing tasks
(mentorship.common.background) and the cache (mentorship.common.cache). The state is per
process and shared by its threads; each process finds out on its own, with one try.
"""

import time


class CircuitBreaker:
    def __init__(self, retry_after: float):
        self.retry_after = retry_after
        self._open_until = 0.0

    def is_open(self) -> bool:
        """True while calls should skip the service; the first call after that tries it."""
        return time.monotonic() < self._open_until

    def trip(self) -> None:
        self._open_until = time.monotonic() + self.retry_after

    def reset(self) -> None:
        self._open_until = 0.0
