"""Home keeps its queries as the organisation grows (issue 13)."""

import pytest
from django.urls import reverse

from matching.models import Match
from tests.toolkit.shape import FIRST_APM, LARGER, SMALL, queries_at

pytestmark = pytest.mark.django_db
HOME = reverse("home")


def first_apms_mentor(seeded):
    return Match.objects.get(cohort=seeded["cohort"], apm__user__email=FIRST_APM).mentor.user


def test_home_as_apm_runs_as_many_queries_in_a_larger_organisation():
    assert queries_at(SMALL, [HOME]) == queries_at(LARGER, [HOME])


def test_home_as_mentor_runs_as_many_queries_in_a_larger_organisation():
    small = queries_at(SMALL, [HOME], viewer=first_apms_mentor)
    assert small == queries_at(LARGER, [HOME], viewer=first_apms_mentor)
