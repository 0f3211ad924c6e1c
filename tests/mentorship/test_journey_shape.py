"""The journey page keeps its shape as the organisation grows: the same queries at a small
and a larger seeded organisation, and an index under each of the funnel's queries."""

import re

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode

from matching.models import Match, Meeting
from mentorship.common.models import AuditLog
from mentorship.journey import cohort_funnel, journey_page, snapshot_build
from mentorship.management.organisation import COHORT_SLUG, Size, organisation_seed
from mentorship.models import (
    Cohort,
    Enrollment,
    JourneyRow,
    Notification,
    Profile,
    Promotion,
    User,
)
from surveys.models import Invitation

pytestmark = pytest.mark.django_db
SMALL, LARGER = (
    Size(apms=3, mentors=2, survey_responses=2, audit_days=2),
    Size(apms=30, mentors=12, survey_responses=20, audit_days=5),
)
# Tables that grow with the organisation; a plan may read the small ones (cohorts,
# surveys) from end to end.
LARGE_TABLES = {
    model._meta.db_table
    for model in (Enrollment, Match, Meeting, Invitation, Profile, User, Promotion, AuditLog,
                  Notification, JourneyRow)
}  # fmt: skip
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN and its plan are PostgreSQL's"
)


def journey(**query) -> str:
    return f"{reverse('journey')}?{urlencode(query)}" if query else reverse("journey")


PATHS = [
    journey(),
    journey(cohort=COHORT_SLUG),
    journey(cohort=COHORT_SLUG, days=1, stalled="first_meeting", page=2, people=2),
]


def queries_at(size: Size, committee) -> dict[str, int]:
    """Queries of each journey page in an organisation of ``size``."""
    with transaction.atomic():
        organisation_seed(size)
        client = Client()
        client.force_login(committee)
        counts = {}
        for path in PATHS:
            client.get(path)  # fills per-process caches (content types, templates)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path).status_code == 200
            counts[path] = len(captured)
        transaction.set_rollback(True)
    return counts


def test_the_journey_runs_as_many_queries_in_a_larger_organisation(committee):
    assert queries_at(SMALL, committee) == queries_at(LARGER, committee)


def seq_scans_of_large_tables(sql: str) -> set[str]:
    """Large tables the plan of ``sql`` reads from end to end with sequential scans
    priced out: at test sizes one is cheapest whatever the indexes, so a Seq Scan left
    in the plan means no index serves it."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return set(re.findall(r"Seq Scan on (\w+)", plan)) & LARGE_TABLES


def large_tables_tested_row_by_row(sql: str) -> set[str]:
    """Large tables the plan of ``sql`` reads whole to test each row against a
    subquery (a Filter on a SubPlan): an index may serve the scan, yet it still reads
    every row the outer conditions let through, however few the subquery keeps."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()[0]
    tested, nodes = set(), [plan["Plan"]]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("Plans", []))
        if node.get("Relation Name") in LARGE_TABLES and "SubPlan" in node.get("Filter", ""):
            tested.add(node["Relation Name"])
    return tested


def unbounded_scans(sql: str, table: str) -> int:
    """Scans of ``table`` in the plan of ``sql`` with no LIMIT above them: each reads
    every row its conditions let through, however few the page shows."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()[0]
    found, nodes = 0, [(plan["Plan"], False)]
    while nodes:
        node, limited = nodes.pop()
        limited = limited or node["Node Type"] == "Limit"
        nodes.extend((child, limited) for child in node.get("Plans", []))
        found += node.get("Relation Name") == table and not limited
    return found


@on_postgresql
def test_every_query_of_the_funnel_is_served_by_an_index():
    organisation_seed(LARGER)
    cohort = Cohort.objects.get(slug=COHORT_SLUG)
    with CaptureQueriesContext(connection) as captured:
        cohort_funnel(cohort=cohort)
    assert len(captured) >= 6  # the enrollments, the four steps, the survey answers
    scanned = {
        query["sql"]: seq_scans_of_large_tables(query["sql"])
        for query in captured.captured_queries
    }
    assert {sql: tables for sql, tables in scanned.items() if tables} == {}


@on_postgresql
def test_every_query_of_the_page_reads_the_snapshot_through_an_index():
    organisation_seed(LARGER)
    cohort = Cohort.objects.get(slug=COHORT_SLUG)
    snapshot_build(cohort=cohort)
    with CaptureQueriesContext(connection) as captured:
        journey_page(cohort=cohort, days=1, stalled_at="first_meeting", stalled_page=2,
                     people_page=2)  # fmt: skip
    read = [q["sql"] for q in captured.captured_queries if "mentorship_journeyrow" in q["sql"]]
    assert len(read) >= 3  # stalled counts, a page of each stalled list, the people
    scanned = {sql: seq_scans_of_large_tables(sql) for sql in read}
    assert {sql: tables for sql, tables in scanned.items() if tables} == {}
    tested = {sql: large_tables_tested_row_by_row(sql) for sql in read}
    assert {sql: tables for sql, tables in tested.items() if tables} == {}
    # The stalled people's pages read each page through its LIMIT, nothing more.
    (pages,) = [sql for sql in read if '"reached_on" <' in sql and "COUNT(" not in sql]
    assert unbounded_scans(pages, JourneyRow._meta.db_table) == 0, pages


def test_the_page_reads_the_snapshot_in_three_queries_whoever_has_stalled():
    organisation_seed(LARGER)
    cohort = Cohort.objects.get(slug=COHORT_SLUG)
    snapshot_build(cohort=cohort)
    with CaptureQueriesContext(connection) as captured:
        page = journey_page(cohort=cohort, days=1, stalled_at="first_meeting", stalled_page=2,
                            people_page=2)  # fmt: skip
    read = [q["sql"] for q in captured.captured_queries if "mentorship_journeyrow" in q["sql"]]
    # The stalled counts, every step's page of stalled people (one query), the people.
    assert len(read) == 3
    stalled = [step for step in page.steps if step.stalled_count]
    assert len(stalled) >= 2  # more than one step's list came from the one query
    for step in stalled:
        people = list(step.stalled_page)
        assert people
        assert {person.furthest for person in people} == {step.code}
        waited = [person.reached_on for person in people]
        assert waited == sorted(waited)  # longest waiting first
