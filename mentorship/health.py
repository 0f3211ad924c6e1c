"""Checks for /healthz: can we reach the database, the broker and the cache?

The site serves every page with the broker or the Redis cache down (work waits in the
database, rate limits fall back to the database cache), so only the database decides
whether this process can serve: the answer is 503 without it and 200 otherwise, with
"degraded" and the names of what is down for monitoring to alert on. A load balancer
that took every web process out because Redis was down would turn a delay into an
outage. Each check tries once with the short Redis timeouts, so the answer is fast.
"""

import logging
import os

from django.conf import settings
from django.core.cache import caches
from django.db import connection

from mentorship.celery import app as celery_app

logger = logging.getLogger(__name__)

OK = "ok"
DEGRADED = "degraded"
UNAVAILABLE = "unavailable"
# Where the process cannot serve at all without it.
ESSENTIAL = ("database",)


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: the database is unreachable")
        return UNAVAILABLE
    return OK


def broker_status() -> str:
    conf = celery_app.conf
    if conf.task_always_eager:
        return OK  # tasks run in the web process: there is no broker to reach
    try:
        if conf.broker_url.startswith("filesystem://"):
            folder = conf.broker_transport_options["data_folder_in"]
            if not os.access(folder, os.W_OK):
                raise OSError(f"broker folder {folder} is not writable")
        else:
            with celery_app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=0)  # one try: a retry only adds waiting
    except Exception:
        logger.exception("Health check: the broker is unreachable")
        return UNAVAILABLE
    return OK


def cache_status() -> str:
    """The shared cache itself (Redis), not its database fallback: is Redis answering?"""
    alias = settings.CACHES["default"].get("OPTIONS", {}).get("PRIMARY", "default")
    try:
        cache = caches[alias]
        cache.set("healthz", OK, timeout=10)
        if cache.get("healthz") != OK:
            raise RuntimeError("the cache did not keep a value")
    except Exception:
        logger.exception("Health check: the cache is unreachable")
        return UNAVAILABLE
    return OK


def health_report() -> tuple[bool, dict]:
    """(can this process serve, the report); details go to the log, not to the caller."""
    checks = {"database": database_status(), "broker": broker_status(), "cache": cache_status()}
    down = [name for name, value in checks.items() if value != OK]
    serving = not set(down) & set(ESSENTIAL)
    status = OK if not down else DEGRADED if serving else UNAVAILABLE
    return serving, {"status": status, "checks": checks, "down": down}
