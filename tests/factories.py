import time
from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.utils import timezone

from mentorship.accounts import committee_member_add
from mentorship.models import BusinessUnit, Cohort, Enrollment, Profile, Role, Team, User

PASSWORD = "a-strong-test-passphrase-42"
# Every test authenticator app shares this secret, so a test can work out its codes.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_activate(user: User, secret: str = TOTP_SECRET) -> Authenticator:
    """Give someone an authenticator app, the way allauth's set-up page does."""
    return TOTP.activate(user, secret).instance


def totp_secret_of(user: User) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return decrypt(authenticator.data["secret"])


def totp_code(secret: str = TOTP_SECRET, *, at: float | None = None) -> str:
    """The code an authenticator app with this secret shows now (or at ``at``)."""
    moment = time.time() if at is None else at
    return format_hotp_value(hotp_value(secret, int(moment) // mfa_settings.TOTP_PERIOD))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@adhoc.example")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        # allauth requires a verified address to sign in when verification is mandatory.
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def totp(self, create, extracted, **kwargs):
        """Staff and superusers get an authenticator app, as they must to open the admin;
        ``totp=False`` leaves it out (``totp=True`` adds one for anyone)."""
        wanted = extracted if extracted is not None else (self.is_staff or self.is_superuser)
        if create and wanted:
            totp_activate(self)


def committee_member(**user_fields) -> User:
    """A committee member as the real ones are: staff in the group, with an authenticator app."""
    user = committee_member_add(user=UserFactory(**user_fields))
    totp_activate(user)
    return user


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    name = factory.Sequence(lambda n: f"Cohort {2026 + n}")
    slug = factory.Sequence(lambda n: f"cohort-{2026 + n}")
    status = Cohort.Status.INTAKE_OPEN
    intake_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=7))
    intake_closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=21))
    program_starts_on = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=30)).date())
    program_ends_on = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=300)).date())


class BusinessUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessUnit
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Business unit {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["business_unit", "name"]

    business_unit = factory.SubFactory(BusinessUnitFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile
        django_get_or_create = ["user"]

    user = factory.SubFactory(UserFactory)
    title = "Associate Product Manager"
    team = factory.SubFactory(TeamFactory)
    business_unit = factory.SelfAttribute("team.business_unit")
    time_zone = "America/New_York"


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """An APM by default; pass role=Role.MENTOR (capacity defaults to 2 for mentors)."""

    class Meta:
        model = Enrollment
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    cohort = factory.SubFactory(CohortFactory)
    role = Role.APM
    status = Enrollment.Status.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
    capacity = factory.LazyAttribute(lambda o: 2 if o.role == Role.MENTOR else None)

    @factory.post_generation
    def profile(self, create, extracted, **kwargs):
        if create:
            ProfileFactory(user=self.user, **kwargs)

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        """topics=["career-growth", ...] (category slugs)."""
        if create and extracted:
            from toolkit.models import Category

            self.topics.set(Category.objects.filter(slug__in=extracted))
