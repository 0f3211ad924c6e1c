"""Home keeps its queries as the organisation grows (issue 13)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching.models import Match
from mentorship.management.organisation import organisation_seed
from mentorship.models import User
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


def test_home_reads_the_pairs_without_grouping_or_sorting_what_it_does_not_show(client):
    """The person's enrollment ids and roles are read without the enrollments' default
    order (which joins the people and the cohorts), and the meeting count is a subquery,
    not a GROUP BY over every column of the ten joined tables."""
    organisation_seed(SMALL)
    client.force_login(User.objects.get(email=FIRST_APM))
    client.get(HOME)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(HOME).status_code == 200
    sql = [query["sql"] for query in captured]
    assert not [q for q in sql if 'GROUP BY "matching_match"."id"' in q]
    ids = [q for q in sql if q.startswith('SELECT "mentorship_enrollment"."id" AS "pk"')]
    assert ids
    assert not [q for q in ids if " JOIN " in q]
    (roles,) = [q for q in sql if q.startswith('SELECT DISTINCT "mentorship_enrollment"."role"')]
    assert '"mentorship_user"' not in roles


@pytest.mark.parametrize("viewer", ["apm", "mentor"])
def test_home_asks_the_database_nothing_twice(client, viewer):
    """The mentor's interests serve both the pair's words and the topic suggestions:
    one query, not one for each (and nothing else is read twice)."""
    seeded = organisation_seed(SMALL)
    apm = User.objects.get(email=FIRST_APM)
    client.force_login(apm if viewer == "apm" else first_apms_mentor(seeded))
    client.get(HOME)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(HOME).status_code == 200
    sql = [query["sql"] for query in captured]
    assert [q for q in sql if "mentorship_enrollment_topics" in q]
    assert len(sql) == len(set(sql)), [q for q in sql if sql.count(q) > 1]
