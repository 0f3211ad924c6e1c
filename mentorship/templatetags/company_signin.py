"""What the sign-in pages show of the company's identity provider (issue 16)."""

from allauth.socialaccount.adapter import get_adapter
from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag(takes_context=True)
def company_signin(context) -> dict:
    """``providers``: the configured identity providers (none without the OIDC_ settings);
    ``password_login``: whether everyone may sign in with a password (PASSWORD_LOGIN)."""
    request = context.get("request")
    return {
        "providers": get_adapter(request).list_providers(request),
        "password_login": settings.PASSWORD_LOGIN,
    }


@register.simple_tag
def password_login() -> bool:
    """Whether everyone may sign up and sign in with a password (no query, unlike the
    provider list: the navigation asks on every page)."""
    return settings.PASSWORD_LOGIN
