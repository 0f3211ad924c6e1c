"""Sessions that end: after SESSION_IDLE_MINUTES without a request, and SESSION_HOURS
after sign-in whatever happens, both checked on the server at every request.

The cookie's own age (SESSION_COOKIE_AGE) is only a hint to the browser; these times are
kept in the session itself, so a copied cookie stops working too.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

SIGNED_IN_AT = "_signed_in_at"
LAST_SEEN_AT = "_last_seen_at"
# Writing the session on every request would cost a database write per page; a minute
# of slack on the idle clock is fine.
TOUCH_EVERY_SECONDS = 60
SIGNED_OUT_IDLE = (
    "You were signed out after %(minutes)s minutes without activity, to keep your "
    "answers safe. Sign in again to carry on."
)
SIGNED_OUT_EXPIRED = "Your session has ended after %(hours)s hours. Sign in again to carry on."


def session_clocks_start(sender, request, user, **kwargs):
    """On sign-in (the user_logged_in signal): start both clocks in the new session."""
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            ended = self._ended(request)
            if ended:
                logout(request)
                messages.info(request, ended)
                return redirect(f"{reverse('account_login')}?next={request.path}")
        return self.get_response(request)

    @staticmethod
    def _ended(request) -> str | None:
        now = time.time()
        session = request.session
        signed_in = session.setdefault(SIGNED_IN_AT, now)
        last_seen = session.get(LAST_SEEN_AT, now)
        idle_limit = settings.SESSION_IDLE_MINUTES * 60
        if now - last_seen > idle_limit:
            return SIGNED_OUT_IDLE % {"minutes": settings.SESSION_IDLE_MINUTES}
        if now - signed_in > settings.SESSION_COOKIE_AGE:
            return SIGNED_OUT_EXPIRED % {"hours": round(settings.SESSION_COOKIE_AGE / 3600)}
        if now - last_seen >= TOUCH_EVERY_SECONDS or LAST_SEEN_AT not in session:
            session[LAST_SEEN_AT] = now
        return None
