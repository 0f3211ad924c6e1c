"""Shape checks for pages as the organisation grows (issue 13): queries per page at two
seeded sizes, and query plans with sequential scans priced out."""

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mentorship.management.organisation import EMAIL_DOMAIN, Size, organisation_seed
from mentorship.models import User

SMALL = Size(apms=3, mentors=2, survey_responses=2, audit_days=2)
LARGER = Size(apms=30, mentors=12, survey_responses=20, audit_days=5)
FIRST_APM = f"apm-00001@{EMAIL_DOMAIN}"


def queries_at(size: Size, paths, *, viewer=None) -> dict[str, int]:
    """Queries of each page in an organisation of ``size``, rolled back afterwards.

    ``paths``: a list, or a function of the seed's result returning {name: path} for
    pages about seeded rows. ``viewer`` picks who looks (a function of the seed's
    result), by default the first seeded APM.
    """
    with transaction.atomic():
        seeded = organisation_seed(size)
        user = viewer(seeded) if viewer else User.objects.get(email=FIRST_APM)
        named = paths(seeded) if callable(paths) else {path: path for path in paths}
        client = Client()
        client.force_login(user)
        counts = {}
        for name, path in named.items():
            client.get(path)  # fills per-process caches (content types, templates)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path).status_code == 200
            counts[name] = len(captured)
        transaction.set_rollback(True)
    return counts


def plan(queryset) -> str:
    """The plan PostgreSQL chooses when sequential scans are a last resort.

    At test sizes a sequential scan of a small table is cheapest whatever the indexes,
    so they are priced out: a Seq Scan left in the plan means no index serves it.
    """
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def plans_during(action, priced_out=("seqscan",)) -> list[tuple[str, str]]:
    """(SQL, plan) of every SELECT that ``action()`` runs, sequential scans priced out
    as in ``plan`` (and whatever else ``priced_out`` names: "sort" leaves a Sort in a
    plan only where no index gives the order); what it writes is rolled back."""
    seen = []

    def record(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT"):
            seen.append((sql, params))
        return execute(sql, params, many, context)

    with transaction.atomic():
        with connection.execute_wrapper(record):
            action()
        plans = []
        with connection.cursor() as cursor:
            for name in priced_out:
                cursor.execute(f"SET LOCAL enable_{name} = off")
            for sql, params in seen:
                cursor.execute(f"EXPLAIN {sql}", params)
                plans.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
        transaction.set_rollback(True)
    return plans
