"""The toolkit's pages keep their shape as the organisation grows: the same queries at
a small and a larger seeded organisation, and indexes under the heavy ones."""

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.urls import reverse

from matching.models import Match, Meeting
from matching.selectors import active_matches_of
from mentorship.management.organisation import organisation_seed
from tests.toolkit.shape import LARGER, SMALL, plan, queries_at
from toolkit import selectors
from toolkit.models import Category, Topic

pytestmark = pytest.mark.django_db
TOPICS = reverse("toolkit:topics")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN and the search vector need PostgreSQL"
)


def test_the_list_and_search_run_as_many_queries_in_a_larger_organisation():
    paths = [TOPICS, f"{TOPICS}?q=contract", reverse("toolkit:saved")]
    assert queries_at(SMALL, paths) == queries_at(LARGER, paths)


@on_postgresql
def test_the_search_reads_no_table_from_end_to_end(outsider):
    assert "Seq Scan" not in plan(selectors.topic_list(user=outsider, q="contract roadmap"))
    # The planner may start from the published index on a table this small; the words
    # themselves are found through the GIN index.
    query = SearchQuery("contract roadmap", search_type="websearch", config="english")
    words = Topic.objects.filter(search_vector=query).order_by().values("pk")
    assert "toolkit_topic_search_vector_gin" in plan(words), plan(words)


@on_postgresql
def test_the_search_vector_follows_topic_and_category_edits():
    topic = Topic.objects.get(slug="section-508-and-wcag-in-practice")
    topic.title = "Zanzibar checklists"
    topic.save()
    assert list(selectors.topic_search(Topic.objects.all(), "zanzibar")) == [topic]
    Category.objects.filter(pk=topic.category_id).update(name="Quokka inclusion")
    found = selectors.topic_search(Topic.objects.all(), "quokka")
    assert set(found) == set(Topic.objects.filter(category_id=topic.category_id))
    assert found


@on_postgresql
def test_the_title_weighs_more_than_the_body():
    category = Category.objects.get(slug="career-growth")
    base = {"category": category, "summary": "s", "prompts": ["?"]}
    in_body = Topic.objects.create(title="Plain", slug="in-body", body="wombat", **base)
    in_title = Topic.objects.create(title="Wombat", slug="in-title", body="plain", **base)
    assert list(selectors.topic_search(Topic.objects.all(), "wombat")) == [in_title, in_body]


@on_postgresql
def test_the_pair_suggestions_find_the_match_and_its_meetings_through_indexes():
    organisation_seed(SMALL)
    match = Match.objects.filter(status=Match.Status.ACTIVE).order_by("pk").first()
    active = active_matches_of(match.apm.user)[:1]
    met = Meeting.objects.filter(match=match).values_list("topics", flat=True)
    for queryset in (active, met):
        assert "Seq Scan on matching_match" not in plan(queryset)
        assert "Seq Scan on mentorship_meeting" not in plan(queryset)
        assert "Seq Scan on mentorship_enrollment" not in plan(queryset)


def test_the_toolkit_finds_the_pair_without_the_home_pages_profile_joins():
    organisation_seed(SMALL)
    match = Match.objects.filter(status=Match.Status.ACTIVE).order_by("pk").first()

    query = str(active_matches_of(match.mentor.user).query)

    # Four joins (both enrollments and both people), not ten: planning ten took longer
    # than running them.
    assert query.count(" JOIN ") == 4
    assert "mentorship_profile" not in query
    assert active_matches_of(match.mentor.user).first() == match
