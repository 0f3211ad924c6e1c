import pytest

from mentorship.models import Role
from mentorship.services import committee_member_add
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory


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
    return committee_member_add(user=UserFactory(full_name="Casey Committee"))


@pytest.fixture
def outsider(db):
    """Signed-up person with no enrollment and no committee role."""
    return UserFactory()


@pytest.fixture
def celery_conf():
    """Change Celery settings for one test; the old values come back afterwards."""
    from mentorship.celery import app

    saved = {}

    def update(**values):
        for key, value in values.items():
            saved.setdefault(key, app.conf[key])
            app.conf[key] = value

    yield update
    app.conf.update(saved)


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits live in the cache; one test's attempts must not
    # throttle the next.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
