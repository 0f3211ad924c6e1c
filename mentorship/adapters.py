import logging
import time
import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import get_reauthentication_flows
from allauth.account.models import EmailAddress
from allauth.account.signals import email_added, email_removed
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.shortcuts import render
from django.urls import reverse

from mentorship.models import Notification, User
from mentorship.outbox.queue import absolute_url, notification_queue_rendered, site_link
from mentorship.selectors import account_notice_addresses

logger = logging.getLogger(__name__)

SIGNUP_DOMAIN_NOT_ALLOWED = (
    "Sign-up is open to work email addresses only (%(domains)s). "
    "Please use your work email address."
)


def email_domain_allowed(email: str) -> bool:
    allowed = settings.ALLOWED_SIGNUP_DOMAINS
    if not allowed:
        return True
    return email.rsplit("@", 1)[-1].lower() in allowed


def site_identity() -> SimpleNamespace:
    """What allauth's emails call the site ("Hello from <name>", "on <domain>")."""
    return SimpleNamespace(
        name=settings.PROGRAM_NAME, domain=urlsplit(settings.SITE_URL).netloc or settings.SITE_URL
    )


def _password_free(user) -> bool:
    """Signs in only through the company's provider (or not yet at all): no password
    and no authenticator app for allauth to ask again."""
    if not user.is_authenticated:
        return False
    if user.has_usable_password() and "password" in allauth_settings.REAUTHENTICATION_METHODS:
        return False  # allauth can ask for the password: no need to look for apps
    return not get_reauthentication_flows(user)


def _recently_signed_in(request) -> bool:
    timeout = allauth_settings.REAUTHENTICATION_TIMEOUT
    records = get_authentication_records(request, request.user)
    return any(time.time() - record.get("at", 0) < timeout for record in records)


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

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Someone with no password and no app cannot give either again: for them a
        sign-in in the last few minutes (through the provider) counts instead."""
        required = super().is_reauthentication_required(app=app, **kwargs)
        request = self.request
        if required and request is not None and _password_free(request.user):
            return not _recently_signed_in(request)
        return required

    def get_reauthentication_methods(self, user) -> list[dict]:
        """allauth refuses (403) someone it has no method for: send them to sign in
        again with the provider, or, with none configured, to set a password."""
        methods = super().get_reauthentication_methods(user)
        if methods or not user.is_authenticated:
            return methods
        request = self.request
        providers = get_social_adapter(request).list_providers(request)
        if providers:
            return [
                {"id": "provider", "description": f"Sign in again with {provider.name}",
                 "url": provider.get_login_url(request)}
                for provider in providers
            ]  # fmt: skip
        return [
            {"id": "password_reset", "description": "Set a password by email",
             "url": reverse("account_reset_password")}
        ]  # fmt: skip

    def is_open_for_signup(self, request):
        """Sign-up with a password; with PASSWORD_LOGIN=0 people arrive through the
        company's identity provider instead (SocialAccountAdapter.is_open_for_signup)."""
        return settings.PASSWORD_LOGIN

    def save_user(self, request, user, form, commit=True):
        """The name asked at sign-up (mentorship.forms.SignupForm) is the account's name."""
        user = super().save_user(request, user, form, commit=False)
        user.full_name = form.cleaned_data.get("full_name", "") or user.full_name
        if commit:
            user.save()
        return user

    def send_mail(self, template_prefix, email, context):
        """Queue allauth's email in the outbox instead of talking to the mail server.

        Sign-up confirmations, password resets, "this address already has an account",
        security notices: rendered here exactly as allauth renders them (it needs the
        request for links), sent by a worker after commit. A page never waits on SMTP,
        and an outage delays these emails without failing the page. Each one gets its
        own period, so asking for a second reset sends a second email.
        """
        # Every link allauth made (activate_url, password_reset_url, signup_url) is
        # built from the request's host; the email's links come from SITE_URL.
        links = {key: site_link(value) for key, value in context.items()
                 if key.endswith("_url") and isinstance(value, str)}  # fmt: skip
        message = self.render_mail(
            template_prefix,
            email,
            {"request": self.request, "email": email, "current_site": site_identity(),
             **context, **links},
        )  # fmt: skip
        alternatives = getattr(message, "alternatives", [])
        html = [content for content, mimetype in alternatives if mimetype == "text/html"]
        user = context.get("user")
        if not isinstance(user, User):
            # "Already exists" and "unknown account" emails name no user; the first is
            # still someone's.
            user = User.objects.filter(email__iexact=email).first()
        notification_queue_rendered(
            kind=Notification.Kind.ACCOUNT,
            to_email=email,
            user=user,
            subject=message.subject,
            body_text=message.body,
            body_html=html[0] if html else "",
            object_key=template_prefix,
            period=uuid.uuid4().hex,
        )

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        """Tell every verified address of the account about a change, not only one.

        allauth writes to the primary address (for a new primary, to the old one only).
        Whoever made the change may have just made their own address the primary, so
        each verified address hears of it, and so does the old primary. The notice says
        what to do if the change was not the owner's (templates/account/email/).
        """
        self.send_notification_to(
            account_notice_addresses(user=user, also=email or ""), template_prefix, user, context
        )

    def send_notification_to(self, addresses, template_prefix, user, context=None):
        """One notice to each of ``addresses``, queued in the outbox like allauth's."""
        context = {
            "user": user,  # whose notice it is, for the outbox row (send_mail)
            "reset_password_url": absolute_url(reverse("account_reset_password")),
            "email_url": absolute_url(reverse("account_email")),
            "committee_email": settings.COMMITTEE_EMAIL,
            **(context or {}),
        }
        for address in addresses:
            super().send_notification_mail(template_prefix, user, context, email=address)


def provider_name(data: dict) -> str:
    """The person's name from the provider's claims: ``name``, else given and family name."""
    name = data.get("name") or f"{data.get('first_name') or ''} {data.get('last_name') or ''}"
    return " ".join(str(name).split())


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Sign-in with the company's OpenID Connect provider (issue 16).

    The provider is trusted to say who someone is, not which addresses may join: the
    domain allow-list holds for it as for sign-up with a password.
    """

    def pre_social_login(self, request, sociallogin):
        # Every provider sign-in passes here, a returning person's included, before
        # anyone is signed in, linked or created. allauth has already dropped the
        # addresses that AccountAdapter.clean_email refuses, so the claim is read too.
        claims = sociallogin.provider.extract_common_fields(sociallogin.account.extra_data)
        addresses = {address.email for address in sociallogin.email_addresses}
        addresses |= {str(claims.get("email") or "").lower()} - {""}
        if settings.ALLOWED_SIGNUP_DOMAINS and (
            not addresses or not all(email_domain_allowed(email) for email in addresses)
        ):
            context = {
                "email": ", ".join(sorted(addresses)),
                "domains": ", ".join("@" + d for d in settings.ALLOWED_SIGNUP_DOMAINS),
            }
            raise ImmediateHttpResponse(
                render(request, "socialaccount/domain_not_allowed.html", context, status=403)
            )
        name = provider_name(claims)
        user = sociallogin.user
        if sociallogin.is_existing and name and not user.full_name:
            # An account made without a name (a roster import, say) takes the provider's.
            user.full_name = name
            user.save(update_fields=["full_name"])

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        # The page shows no detail; whoever runs the site finds it here (a wrong
        # OIDC_CLIENT_SECRET, a provider that is down, a token for another client).
        logger.warning(
            "Company sign-in failed (%s): %r", error, exception, extra={"provider": provider.id}
        )
        super().on_authentication_error(request, provider, error, exception, extra_context)

    def is_open_for_signup(self, request, sociallogin):
        # Not the account adapter's answer: PASSWORD_LOGIN=0 closes only sign-up by password.
        return True

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.full_name = provider_name(data)
        return user


@receiver(email_added, dispatch_uid="mentorship_notify_email_added")
def notify_email_added(sender, request, user, email_address, **kwargs):
    """allauth sends no notice when an address is added: the new address gets a
    confirmation link, and the owner's addresses hear nothing. Ours do."""
    get_adapter(request).send_notification_mail(
        "account/email/email_added", user, {"added_email": email_address.email}
    )


@receiver(email_removed, dispatch_uid="mentorship_notify_removed_address")
def notify_removed_address(sender, request, user, email_address, **kwargs):
    """A verified address taken off the account is told too: it is gone from the
    account by the time allauth sends its notice to the addresses that remain."""
    if email_address.verified:
        get_adapter(request).send_notification_to(
            [email_address.email],
            "account/email/email_deleted",
            user,
            {"deleted_email": email_address.email},
        )


class ResetKeyGenerator(PasswordResetTokenGenerator):
    """Password reset keys that also depend on which addresses are verified.

    allauth's keys change when an address is added or removed (its
    EmailAwarePasswordResetTokenGenerator, which this replaces; it lives in a module
    that loads this one, so it cannot be subclassed here). These change also when an
    address is confirmed or loses its confirmation. So a key mailed to an address
    nobody had confirmed, before reset links went to verified addresses only
    (mentorship.forms.ResetPasswordForm), no longer works; and no key outlives a change
    to what the account trusts. Django's part covers the password, the last sign-in and
    the account's own address.
    """

    def _make_hash_value(self, user, timestamp):
        addresses = (
            EmailAddress.objects.filter(user_id=user.pk)
            .order_by("email")
            .values_list("email", "verified")
        )
        trusted = "|".join(f"{email}:{int(verified)}" for email, verified in addresses)
        return f"{super()._make_hash_value(user, timestamp)}|{trusted}"
