"""The last line of defence while Redis is down: a "try again in a minute" page, not a 500.

The code that talks to Redis already rides out an outage (mentorship.common.background
leaves work for a sweep; mentorship.common.cache falls back to the database), so this
answers only for a call that does not, say a task sent with ``.delay()`` from a view.
"""

import logging

from django.shortcuts import render
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

BACKGROUND_ERRORS = (OperationalError, RedisError)
RETRY_AFTER_SECONDS = 60


class BackgroundUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, BACKGROUND_ERRORS):
            return None
        logger.warning("Redis is not answering: %s %s", request.method, request.path,
                       exc_info=exception)  # fmt: skip
        response = render(request, "503_background.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
