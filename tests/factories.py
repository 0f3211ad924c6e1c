from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from mentorship.models import BusinessUnit, Cohort, Enrollment, Profile, Role, Team, User

PASSWORD = "a-strong-test-passphrase-42"


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
