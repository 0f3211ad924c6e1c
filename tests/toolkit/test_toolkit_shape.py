"""The toolkit's pages keep their shape as the organisation grows: the same queries at
a small and a larger seeded organisation, and indexes under the heavy ones."""

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorship.management.organisation import EMAIL_DOMAIN, Size, organisation_seed
from mentorship.models import User
from toolkit import selectors
from toolkit.models import Category, Topic

pytestmark = pytest.mark.django_db
TOPICS = reverse("toolkit:topics")
SMALL, LARGER = (
    Size(apms=3, mentors=2, survey_responses=2, audit_days=2),
    Size(apms=30, mentors=12, survey_responses=20, audit_days=5),
)
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN and the search vector need PostgreSQL"
)


def queries_at(size: Size, paths: list[str]) -> dict[str, int]:
    """Queries of each page for the first seeded APM, in an organisation of ``size``."""
    with transaction.atomic():
        organisation_seed(size)
        client = Client()
        client.force_login(User.objects.get(email=f"apm-00001@{EMAIL_DOMAIN}"))
        counts = {}
        for path in paths:
            client.get(path)  # fills per-process caches (content types, templates)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path).status_code == 200
            counts[path] = len(captured)
        transaction.set_rollback(True)
    return counts


def plan(queryset) -> str:
    """The plan PostgreSQL would choose if sequential scans were a last resort.

    At test sizes a sequential scan of a small table is cheapest whatever the indexes,
    so they are priced out: a Seq Scan left in the plan means no index serves it.
    """
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


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
