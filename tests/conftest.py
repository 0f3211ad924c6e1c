from datetime import timedelta

import pytest
from django.utils import timezone

from mentorship.accounts import committee_member_add
from mentorship.common import background, errormail
from mentorship.common import cache as fallback_cache
from mentorship.models import Cohort, Role
from tests.factories import (
    BusinessUnitFactory,
    CohortFactory,
    EnrollmentFactory,
    TeamFactory,
    UserFactory,
    committee_member,
    totp_activate,
)


@pytest.fixture
def cohort(db):
    return CohortFactory()


@pytest.fixture
def apm(cohort):
    return EnrollmentFactory(cohort=cohort, role=Role.APM).user


@pytest.fixture
def mentor(cohort):
    return EnrollmentFactory(cohort=cohort, role=Role.MENTOR).user


@pytest.fixture
def committee(db):
    """A committee member with an authenticator app, as the admin requires."""
    return committee_member(full_name="Casey Committee")


@pytest.fixture
def committee_without_totp(db):
    """A committee member who has not set up two-factor sign-in yet."""
    return committee_member_add(user=UserFactory(full_name="Nico Nofactor"))


@pytest.fixture
def superuser_without_totp(db):
    return UserFactory(is_staff=True, is_superuser=True, totp=False, full_name="Sam Super")


@pytest.fixture
def admin_user(admin_user):
    """pytest-django's superuser (and so admin_client's), with an authenticator app."""
    totp_activate(admin_user)
    return admin_user


@pytest.fixture
def outsider(db):
    """Signed-up person with no enrollment and no committee role."""
    return UserFactory()


def _forget_broker_connections(app):
    # The app keeps the broker connection pool of its first publish. A test that gives it
    # a broker of its own for a real worker (a filesystem folder, Redis with a short
    # visibility timeout: both are transport options) would otherwise publish to an
    # earlier test's broker, where no worker listens. A change of broker_url alone still
    # keeps the pool, so the "broker is down" tests publish to the first broker used and
    # never wait for the dead one: widen this once publishing gives up fast (issue 11,
    # part 4), when those tests can take the real path.
    # Only forget it: kombu shares pools between apps, keyed by broker, so closing one
    # would break every later publish to the same broker.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_conf():
    """Change Celery settings for one test; the old values come back afterwards."""
    from mentorship.celery import app

    saved = {}

    def update(**values):
        for key, value in values.items():
            saved.setdefault(key, app.conf[key])
            app.conf[key] = value
        if "broker_transport_options" in values:
            _forget_broker_connections(app)

    yield update
    app.conf.update(saved)
    if "broker_transport_options" in saved:
        _forget_broker_connections(app)


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits live in the cache; one test's attempts must not
    # throttle the next.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _reset_circuit_breakers():
    # A test that took Redis down must not leave the next one skipping it.
    yield
    background.broker_breaker.reset()
    for breaker in fallback_cache.breakers.values():
        breaker.reset()


@pytest.fixture(autouse=True)
def _fresh_error_mail_throttle(monkeypatch):
    # Each test starts with no error mailed yet (the throttle remembers per process).
    monkeypatch.setattr(errormail, "throttle", errormail.ErrorThrottle())
    yield
    errormail.sender.wait()


@pytest.fixture
def categories(db):
    # Transactional tests flush the data migrations' rows; put the vocabulary back.
    from toolkit.content import starter_topics_install

    starter_topics_install()


@pytest.fixture
def units(categories):
    return BusinessUnitFactory(name="Veterans"), BusinessUnitFactory(name="Health")


@pytest.fixture
def make_apm(cohort, units):
    def make(*, team=None, manager=None, topics=("career-growth",), **kwargs):
        return EnrollmentFactory(
            cohort=cohort,
            role=Role.APM,
            topics=list(topics),
            profile__team=team or TeamFactory(name="APM team", business_unit=units[0]),
            profile__manager=manager,
            **kwargs,
        )

    return make


@pytest.fixture
def make_mentor(cohort, units):
    def make(*, team=None, capacity=1, topics=("career-growth",), **kwargs):
        return EnrollmentFactory(
            cohort=cohort,
            role=Role.MENTOR,
            capacity=capacity,
            topics=list(topics),
            profile__team=team or TeamFactory(name="Mentor team", business_unit=units[1]),
            **kwargs,
        )

    return make


@pytest.fixture
def active_cohort(db):
    """A cohort whose intake has closed and whose program runs: pairs are matched."""
    today = timezone.localdate()
    return CohortFactory(
        status=Cohort.Status.ACTIVE,
        intake_opens_at=timezone.now() - timedelta(days=150),
        intake_closes_at=timezone.now() - timedelta(days=130),
        program_starts_on=today - timedelta(days=120),
        program_ends_on=today + timedelta(days=120),
    )
