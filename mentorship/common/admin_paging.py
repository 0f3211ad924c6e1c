"""Changelists over tables that grow with the organisation: pages without a full count.

Django's changelist counts the rows it pages through (``SELECT COUNT(*)``) and, when a
filter or search is on, the whole table as well. At 10,000 people that is a scan of the
table on every page load. ``LargeTableAdminMixin`` drops the second count
(``show_full_result_count``) and, on PostgreSQL, takes the unfiltered list's size from
the planner's statistics instead of counting: the number shown is approximate (kept up
to date by autovacuum), the pages are the same. A filtered or searched list is counted
exactly, since the filters the admin offers are served by indexes.
"""

from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property

# Below this many rows a real count is cheap, and exact is better than approximate.
ESTIMATE_FROM_ROWS = 5_000


@dataclass
class Counted:
    """Rows a ``Paginator`` pages through with their count already known (no COUNT
    query): ``rows`` is the whole list or queryset, or the window of it that starts at
    index ``first`` (a page read beforehand)."""

    rows: object
    total: int
    first: int = 0

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, part: slice):
        return self.rows[part.start - self.first : part.stop - self.first]


def whole_table_count(queryset) -> int | None:
    """The rows of ``queryset``'s table in one query, if it lists the whole of one
    PostgreSQL table: the planner's estimate once the table is large, an exact count
    while it is small. None when it is filtered, or on another database.

    One statement either way, so that a list makes as many queries at the demo's size as
    at 10,000 people: PostgreSQL runs the CASE's count (an InitPlan) only when needed.
    """
    query = queryset.query
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or query.where or query.distinct or query.combinator:
        return None
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            # reltuples is -1 for a table never analysed: then it is counted.
            "SELECT CASE WHEN reltuples >= %s THEN reltuples::bigint "  # noqa: S608 - a table name from the model
            f"ELSE (SELECT COUNT(*) FROM {table}) END FROM pg_class WHERE oid = %s::regclass",
            [ESTIMATE_FROM_ROWS, queryset.model._meta.db_table],
        )
        return cursor.fetchone()[0]


def row_count(rows, link: str):
    """How many of ``rows`` point at the listed row through ``link`` (a foreign key
    name), as an expression for ``annotate``: 0 when none.

    A correlated subquery, one index probe per listed row. ``Count`` over a join would
    multiply the listed rows by the counted ones, and make the list's own count a
    GROUP BY over the whole join.
    """
    counted = rows.filter(**{link: OuterRef("pk")}).order_by().values(link)
    # COUNT(*), not COUNT(id): an index on the link alone can answer it.
    return Coalesce(Subquery(counted.annotate(n=Count("*")).values("n")), 0)


class EstimatedCountPaginator(Paginator):
    """Counts exactly unless the whole of a large PostgreSQL table is listed."""

    @cached_property
    def count(self):
        total = whole_table_count(self.object_list)
        return super().count if total is None else total


class LargeTableAdminMixin:
    """For the lists of tables that grow with the cohort (enrollments, matches, audit
    rows...): one count a page, estimated for the whole table, and 25 rows a page.

    Django draws each cell through several layers (lookup, display, escaping): about
    0.35 ms a row at eleven columns, two thirds of the page's time at 100 rows and still
    the largest part at 50 (the match, meeting and proposal lists took 35-50 ms alone at
    10,000 people; 25-35 at 25 rows). Twenty-five rows fill a screen, as in most
    products' tables; search and the filters find the rest.
    """

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 25
    # Columns the listed rows leave unread (the list shows none of them): large JSON of
    # the row or of a related row taken with list_select_related, decoded once per row.
    # Only the rows on the page: actions get whole rows.
    list_defer = ()
    # Related rows the change form names (a read-only foreign key is drawn as its row's
    # name, which often needs that row's person and cohort too): read with the row in
    # one query, not one query per name.
    change_select_related = ()

    def get_changelist(self, request, **kwargs):
        return DeferringChangeList

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        if self.change_select_related and match and (match.url_name or "").endswith("_change"):
            queryset = queryset.select_related(*self.change_select_related)
        return queryset


class DeferringChangeList(ChangeList):
    """The rows of the page leave the admin's ``list_defer`` columns unread."""

    def get_results(self, request):
        super().get_results(request)
        if self.model_admin.list_defer:
            self.result_list = self.result_list.defer(*self.model_admin.list_defer)


class IndexedValuesListFilter(admin.AllValuesFieldListFilter):
    """Django's "all values" filter (the same links and parameters), whose choices come
    from the column's index on PostgreSQL: one index probe per distinct value (a loose
    index scan) instead of reading the whole table for ``SELECT DISTINCT``.

    Only for a NOT NULL column with an index, on a ModelAdmin whose queryset is the
    whole table (the choices are the table's values, as Django's would be).
    """

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        connection = connections[model._default_manager.db]
        if connection.vendor != "postgresql" or field.null or field_path != field.name:
            return
        table, column = (
            connection.ops.quote_name(name) for name in (model._meta.db_table, field.column)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH RECURSIVE v AS (SELECT MIN({column}) AS value FROM {table} "  # noqa: S608 - names from the model
                f"UNION ALL SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > v.value) "
                "FROM v WHERE v.value IS NOT NULL) SELECT value FROM v WHERE value IS NOT NULL"
            )
            self.lookup_choices = [row[0] for row in cursor.fetchall()]
