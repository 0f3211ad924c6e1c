from django.conf import settings
from django.utils.functional import SimpleLazyObject

from mentorship.selectors import opens_committee_pages, request_roles
from mentorship.twofactor import SETUP_URL_NAME, continue_url, request_has_totp


def _on_setup_page(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == SETUP_URL_NAME


def _lacks_two_factor(request, user) -> bool:
    return bool(user and opens_committee_pages(user) and not request_has_totp(request))


def site(request):
    user = getattr(request, "user", None)
    roles = SimpleLazyObject(lambda: request_roles(request) if user else frozenset())
    on_setup_page = _on_setup_page(request)
    return {
        "program_name": settings.PROGRAM_NAME,
        "roles": roles,
        # A banner on every other page; the set-up page says why instead.
        "suggest_two_factor": SimpleLazyObject(
            lambda: not on_setup_page and _lacks_two_factor(request, user)
        ),
        "two_factor_setup_reason": SimpleLazyObject(
            lambda: on_setup_page and _lacks_two_factor(request, user)
        ),
        "two_factor_required": settings.MFA_REQUIRED_FOR_STAFF,
        "two_factor_continue_url": SimpleLazyObject(
            lambda: (user and user.is_authenticated and continue_url(request)) or ""
        ),
    }
