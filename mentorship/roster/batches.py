"""How many rows go into one query, for the bulk writes and the ``IN (...)`` reads."""

from collections.abc import Iterator

from django.db import connection

# Rows per bulk query. The database may split further (SQLite allows 999 parameters).
BATCH_SIZE = 1000


def chunks(items: list) -> Iterator[list]:
    """Slices for ``IN (...)`` lookups, within the database's limit on parameters."""
    limit = connection.features.max_query_params  # 999 on SQLite, none on PostgreSQL
    size = min(BATCH_SIZE, limit - 9) if limit else BATCH_SIZE
    for start in range(0, len(items), size):
        yield items[start : start + size]
