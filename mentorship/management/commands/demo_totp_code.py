from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mentorship.demo import DEMO_TWO_FACTOR_EMAILS, demo_totp_code
from mentorship.models import User

DEBUG_ONLY = (
    "demo_totp_code runs only with DEBUG=1, on a developer's machine: it prints sign-in "
    "codes, which a real site must never do. Nothing was printed."
)
DEMO_ACCOUNTS_ONLY = (
    "demo_totp_code gives codes only for the demo's own accounts ({emails}). "
    "For any other account, use the authenticator app it was set up with."
)
NO_AUTHENTICATOR = "{email} has no authenticator app yet: run `python manage.py seed_demo`."


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo account (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="A demo account, e.g. committee@example.com.")

    def handle(self, *args, email, **options):
        if not settings.DEBUG:
            raise CommandError(DEBUG_ONLY)
        email = email.strip().lower()
        if email not in DEMO_TWO_FACTOR_EMAILS:
            raise CommandError(DEMO_ACCOUNTS_ONLY.format(emails=", ".join(DEMO_TWO_FACTOR_EMAILS)))
        try:
            code, seconds_left = demo_totp_code(User.objects.get(email=email))
        except (User.DoesNotExist, Authenticator.DoesNotExist):
            raise CommandError(NO_AUTHENTICATOR.format(email=email)) from None
        self.stdout.write(code)
        self.stderr.write(f"(valid for {seconds_left} more seconds, and once)")
