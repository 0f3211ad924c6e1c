"""The intake page keeps its queries as the organisation grows (issue 13)."""

import pytest
from django.urls import reverse

from mentorship.demo import DEMO_COHORT_SLUG
from tests.toolkit.shape import LARGER, SMALL, queries_at

pytestmark = pytest.mark.django_db


def test_intake_runs_as_many_queries_in_a_larger_organisation():
    path = reverse("intake", args=[DEMO_COHORT_SLUG, "apm"])
    assert queries_at(SMALL, [path]) == queries_at(LARGER, [path])
