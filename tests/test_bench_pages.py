"""benchmarks/pages.py lists the queries whose plans read more than WIDE_READ_ROWS rows
of one table: the rows a plan's scans read, and which of a page's queries pass it."""

import importlib.util
from pathlib import Path

import pytest
from django.db import connection

from mentorship.models import User
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("bench_pages", ROOT / "benchmarks" / "pages.py")
pages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pages)


def test_a_plan_reads_what_its_scans_return_and_filter_out_times_their_loops():
    plan = {
        "Node Type": "Nested Loop",
        "Plans": [
            {"Node Type": "Seq Scan", "Relation Name": "people", "Actual Rows": 40,
             "Rows Removed by Filter": 960, "Actual Loops": 1},
            {"Node Type": "Index Scan", "Relation Name": "pairs", "Actual Rows": 2,
             "Actual Loops": 40},
            {"Node Type": "Hash", "Plans": [
                {"Node Type": "Bitmap Heap Scan", "Relation Name": "people", "Actual Rows": 5,
                 "Rows Removed by Index Recheck": 3, "Actual Loops": 2},
            ]},
        ],
    }  # fmt: skip
    assert pages.widest_reads(plan) == {"people": 1000 + 16, "pairs": 80}


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN ANALYZE is PostgreSQL's")
def test_only_the_queries_that_read_a_table_wide_are_listed(monkeypatch):
    UserFactory.create_batch(12)
    monkeypatch.setattr(pages, "WIDE_READ_ROWS", 10)
    first = User.objects.order_by("pk").first()

    def page():
        list(User.objects.filter(full_name__contains="nobody has this name"))  # every row
        User.objects.filter(pk=first.pk).first()  # one row, by its key

    wide = pages._wide_reads(page, connection)

    assert [(read["table"], read["rows"] >= 12) for read in wide] == [("mentorship_user", True)]
    assert wide[0]["sql"].startswith('SELECT "mentorship_user"."id"')
    assert wide[0]["ms"] >= 0
