from allauth.mfa.models import Authenticator
from django.conf import settings
from django.utils.functional import SimpleLazyObject

from mentorship.selectors import user_roles


def _needs_two_factor_nudge(user, roles):
    if "committee" not in roles:
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def site(request):
    user = getattr(request, "user", None)
    roles = SimpleLazyObject(lambda: user_roles(user) if user else frozenset())
    return {
        "program_name": settings.PROGRAM_NAME,
        "roles": roles,
        "suggest_two_factor": SimpleLazyObject(
            lambda: bool(user and _needs_two_factor_nudge(user, roles))
        ),
    }
