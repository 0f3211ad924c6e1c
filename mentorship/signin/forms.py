"""The sign-in and password-reset forms with PASSWORD_LOGIN=0 (settings.ACCOUNT_FORMS)."""

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from django.conf import settings
from django.core.exceptions import ValidationError

from mentorship import forms as account_forms

SIGN_IN_FOR_ADMINISTRATORS_ONLY = (
    "Signing in with a password is only for site administrators. "
    "Please use the company sign-in button above instead."
)


class LoginForm(AllauthLoginForm):
    """allauth's sign-in; with PASSWORD_LOGIN=0 a password opens only a superuser's account.

    The refusal comes after the password was checked, so it tells nothing about an
    address to someone who does not know its password, and failed attempts still count
    towards allauth's rate limits as before.
    """

    def clean(self):
        cleaned_data = super().clean()
        if not settings.PASSWORD_LOGIN and self.user is not None and not self.user.is_superuser:
            self.user = None
            raise ValidationError(SIGN_IN_FOR_ADMINISTRATORS_ONLY, code="password_login_off")
        return cleaned_data


class ResetPasswordForm(account_forms.ResetPasswordForm):
    """With PASSWORD_LOGIN=0 only a superuser's account gets a reset link: nobody else
    can sign in with a password. The page says what it says for any other address."""

    def clean_email(self):
        email = super().clean_email()
        if not settings.PASSWORD_LOGIN and not self.withheld:
            found = self.users
            self.users = [user for user in found if user.is_superuser]
            self.withheld = bool(found) and not self.users
            if self.withheld and not allauth_settings.PREVENT_ENUMERATION:
                raise get_adapter().validation_error("unknown_email")
        return email
