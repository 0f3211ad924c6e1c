"""The proposal list's banner: how many of a cohort's APMs have a mentor."""

import pytest
from django.urls import reverse

from matching import selectors
from matching.models import Match
from mentorship.models import Enrollment

pytestmark = pytest.mark.django_db


def test_the_banner_counts_each_apm_once_whatever_their_matches(
    client, committee, cohort, make_apm, make_mentor
):
    mentor = make_mentor(capacity=3)
    active, graduated, ended, _unmatched = (make_apm() for _ in range(4))
    make_apm(status=Enrollment.Status.WITHDRAWN)  # withdrew: not counted
    Match.objects.create(cohort=cohort, apm=active, mentor=mentor, status=Match.Status.ACTIVE)
    Match.objects.create(cohort=cohort, apm=graduated, mentor=mentor, status="graduated")
    for _ in range(2):  # ended twice, then matched again: still one APM
        Match.objects.create(cohort=cohort, apm=ended, mentor=mentor, status=Match.Status.ENDED)
    Match.objects.create(cohort=cohort, apm=ended, mentor=mentor, status=Match.Status.ACTIVE)
    progress = {c.pk: (c.apm_matched, c.apm_total) for c in selectors.cohort_match_progress()}
    assert progress[cohort.pk] == (3, 4)
    client.force_login(committee)
    page = client.get(reverse("admin:matching_proposal_changelist")).content.decode()
    assert "3 of 4 APMs matched" in " ".join(page.split())
