import pytest

from mentorship.models import Cohort
from tests.factories import CohortFactory


@pytest.fixture
def cohort(db):
    """Matching happens once intake has closed."""
    return CohortFactory(status=Cohort.Status.MATCHING)
