from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand, CommandError

from mentorship.accounts import user_two_factor_reset
from mentorship.models import User
from mentorship.selectors import opens_committee_pages

NO_SUCH_PERSON = (
    "No account has the email address “{email}”; nothing was changed. Check the spelling, "
    "or look the person up in the admin's People list."
)

IN_WORDS = {
    Authenticator.Type.TOTP: "authenticator app",
    Authenticator.Type.RECOVERY_CODES: "recovery codes",
    Authenticator.Type.WEBAUTHN: "security keys",
}


class Command(BaseCommand):
    help = (
        "Break-glass for a lost phone: remove a person's two-factor sign-in (authenticator "
        "app and recovery codes), with an audit row. For someone with a shell on the server."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The email address the person signs in with.")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(NO_SUCH_PERSON.format(email=email))
        removed = user_two_factor_reset(user=user)
        who = f"{user.display_name} ({user.email})"
        if not removed:
            self.stdout.write(f"{who} has no two-factor sign-in; nothing was changed.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Removed the two-factor sign-in of {who}: "
                f"{' and '.join(IN_WORDS[kind] for kind in removed)}. "
                "The audit log records it (user.two_factor_reset)."
            )
        )
        self.stdout.write("What happens next: they sign in with their password alone.")
        if opens_committee_pages(user):
            self.stdout.write(
                "The first time they open the admin or a committee page they are asked to set "
                "up an authenticator app again, and get new recovery codes."
            )
        else:
            self.stdout.write("They can turn it on again under Account, Two-factor sign-in.")
