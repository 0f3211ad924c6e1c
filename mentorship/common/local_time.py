"""Pages show times in the zone of the browser reading them.

Django shows and reads times in the server's zone (``TIME_ZONE``) unless a zone is
activated for the request. The admin compares that zone with the browser's and warned
the committee "You are 5 hours ahead of server time" beside every date field, and a
participant in Denver read intake deadlines in New York time. ``static/js/time-zone.js``
(on every page, the sign-in page included, so before the first admin page) keeps the
browser's zone in a cookie; this middleware activates it for the request. A cookie
that is missing or names no known zone leaves the server's zone.

Emails are rendered in the program's zone whoever's request queues them
(``mentorship.outbox.queue``), so a committee member's zone never leaks into them.
"""

import zoneinfo
from functools import cache

from django.utils import timezone

COOKIE = "time_zone"


@cache
def _known() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def browser_zone(name: str) -> zoneinfo.ZoneInfo | None:
    """The zone a cookie names, or None when it names none we know."""
    if not name or len(name) > 64 or name not in _known():
        return None
    return zoneinfo.ZoneInfo(name)


class BrowserTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = browser_zone(request.COOKIES.get(COOKIE, ""))
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
