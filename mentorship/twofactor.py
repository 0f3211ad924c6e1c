"""Two-factor sign-in before the committee's pages (issue 12).

A phished password alone must not open everyone's intake and survey answers. Whoever can
open the admin (staff, superusers included, so the whole committee) and has no
authenticator app is sent to allauth's page to set one up before the admin or any
committee page opens. Once they have one, allauth asks for its code at every sign-in, so
a session that reaches these pages has passed it (tests/mentorship/test_twofactor.py).

Everything else stays reachable: allauth's account and two-factor pages (where the
set-up happens, and signing out), static files (WhiteNoise answers them before any
middleware), /healthz, and the person's own participant pages.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from mentorship.selectors import has_totp, opens_committee_pages

SET_UP_NOW = (
    "The committee's pages hold everyone's answers, so they need two-factor sign-in. "
    "Set it up now: it takes a minute."
)
SETUP_URL_NAME = "mfa_activate_totp"
# The committee's pages outside the admin, by view name. The tests list every other page
# of the site, so a new page has to be put on one side or the other.
COMMITTEE_VIEW_NAMES = frozenset({
    "journey",
    "journey_refresh",
    "journey_remind",
    "surveys:results",
    "surveys:results_csv",
    "surveys:attributed_answers",
    "surveys:cohort_results",
    "surveys:cohort_results_csv",
    "surveys:outcomes",
})  # fmt: skip
# Signing out shows nothing and must never be in the way.
OPEN_ADMIN_VIEW_NAMES = frozenset({"admin:logout"})
# Where the person was going, kept in the session across allauth's set-up pages (the
# activation, maybe a password check, then the recovery codes), which drop ``next``.
SETUP_NEXT = "twofactor_setup_next"


def is_committee_page(match) -> bool:
    """Whether a resolved URL is the admin's or one of the committee's pages."""
    if match is None or match.view_name in OPEN_ADMIN_VIEW_NAMES:
        return False
    return "admin" in match.app_names or match.view_name in COMMITTEE_VIEW_NAMES


def safe_next(request, url: str | None) -> str | None:
    """``url`` if it stays on this site (so a link cannot send anyone elsewhere), else None."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def setup_url(next_url: str | None = None) -> str:
    url = reverse(SETUP_URL_NAME)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def request_has_totp(request) -> bool:
    """``has_totp`` for the signed-in person, asked once per request.

    The middleware asks before the view, and the page's nudge asks again as it renders.
    """
    if not hasattr(request, "_has_totp"):
        request._has_totp = has_totp(request.user)
    return request._has_totp


def continue_url(request) -> str | None:
    """After set-up: the committee page the person was sent away from, if any."""
    next_url = request.session.get(SETUP_NEXT)
    if next_url and request_has_totp(request):
        return next_url
    return None


class TwoFactorRequiredMiddleware:
    """Send staff without an authenticator app to set one up before a committee page.

    A GET (or HEAD) is redirected to the set-up page with ``?next=`` and a message saying
    why; any other method gets a 403 page with the same explanation, and the view never
    runs, so nothing is changed and the form is still there with the browser's Back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.MFA_REQUIRED_FOR_STAFF or not opens_committee_pages(request.user):
            return None
        match = request.resolver_match
        if is_committee_page(match):
            if request_has_totp(request):
                request.session.pop(SETUP_NEXT, None)  # arrived: the set-up is behind them
                return None
            return self._refuse(request)
        if match.url_name == SETUP_URL_NAME and request.method == "GET":
            next_url = safe_next(request, request.GET.get("next"))
            if next_url:
                request.session[SETUP_NEXT] = next_url
        return None

    @staticmethod
    def _refuse(request):
        if request.method in ("GET", "HEAD"):
            messages.warning(request, SET_UP_NOW)
            next_url = safe_next(request, request.get_full_path()) or reverse("admin:index")
            if request.htmx:
                # A fragment (the run page's status) would otherwise swap the set-up page
                # in: have htmx load it as the whole page instead.
                return HttpResponseClientRedirect(setup_url(next_url))
            return redirect(setup_url(next_url))
        back = safe_next(request, request.headers.get("Referer"))
        context = {"message": SET_UP_NOW, "setup_url": setup_url(back)}
        return render(request, "mentorship/two_factor_required.html", context, status=403)
