import uuid

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError

from mentorship.models import Notification, User
from mentorship.outbox.queue import notification_queue_rendered

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

    def send_mail(self, template_prefix, email, context):
        """Queue allauth's email in the outbox instead of talking to the mail server.

        Sign-up confirmations, password resets, "this address already has an account",
        security notices: rendered here exactly as allauth renders them (it needs the
        request for links), sent by a worker after commit. A page never waits on SMTP,
        and an outage delays these emails without failing the page. Each one gets its
        own period, so asking for a second reset sends a second email.
        """
        message = self.render_mail(
            template_prefix,
            email,
            {"request": self.request, "email": email,
             "current_site": get_current_site(self.request), **context},
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
