"""The meeting log and its form keep their queries as the organisation grows (issue 13)."""

import pytest
from django.urls import reverse

from matching.models import Match
from tests.toolkit.shape import FIRST_APM, LARGER, SMALL, queries_at

pytestmark = pytest.mark.django_db


def meeting_pages(seeded):
    match = Match.objects.get(cohort=seeded["cohort"], apm__user__email=FIRST_APM)
    return {
        "log": reverse("meetings", args=[match.pk]),
        "new": reverse("meeting_new", args=[match.pk]),
    }


def test_the_meeting_pages_run_as_many_queries_in_a_larger_organisation():
    assert queries_at(SMALL, meeting_pages) == queries_at(LARGER, meeting_pages)
