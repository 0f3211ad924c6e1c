from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from mentorship.models import Cohort, Enrollment, Role, User

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


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    user = factory.SubFactory(UserFactory)
    cohort = factory.SubFactory(CohortFactory)
    role = Role.APM
    status = Enrollment.Status.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
