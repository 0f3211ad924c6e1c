from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError

SIGNUP_DOMAIN_NOT_ALLOWED = (
    "Sign-up is open to work email addresses only (%(domains)s). "
    "Please use your work email address."
)


def email_domain_allowed(email: str) -> bool:
    allowed = settings.ALLOWED_SIGNUP_DOMAINS
    if not allowed:
        return True
    return email.rsplit("@", 1)[-1].lower() in allowed


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email):
        # Used by sign-up and by "add email address", so a personal address cannot
        # be attached later either.
        email = super().clean_email(email)
        if not email_domain_allowed(email):
            raise ValidationError(
                SIGNUP_DOMAIN_NOT_ALLOWED,
                code="domain_not_allowed",
                params={"domains": ", ".join("@" + d for d in settings.ALLOWED_SIGNUP_DOMAINS)},
            )
        return email
