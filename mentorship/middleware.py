"""Cache-Control for pages that show a person's data.

A page made for a signed-in person (their match, intake answers, survey answers, the
committee's admin) must not be kept by a proxy, a shared cache or the browser's disk
cache on a shared computer, where the next person could open it from the history. So
every response to a signed-in person says ``private, no-store``, whatever the view set,
and so do the few pages that show one person's data without a sign-in: the link in a
key or token (email confirmation, password reset, unsubscribe).

Static files never get here: WhiteNoise answers them earlier in ``MIDDLEWARE``, with
their long public cache lifetime.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

PRIVATE = "private, no-store"
# Reached without a sign-in, yet about one person: the address being confirmed, the
# account whose password is reset, the person whose nudges are turned off.
PRIVATE_URL_NAMES = frozenset({
    "account_confirm_email",
    "account_reset_password_from_key",
    "notification_unsubscribe",
})  # fmt: skip


def shows_personal_data(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name in PRIVATE_URL_NAMES


class PrivatePagesMiddleware:
    """Mark responses that show a person's data ``Cache-Control: private, no-store``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # Read after the view ran: signing in or out changes who the response is for.
        if shows_personal_data(request):
            response["Cache-Control"] = PRIVATE
        return response
