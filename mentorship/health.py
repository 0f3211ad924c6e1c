"""Liveness checks for /healthz: can we reach the database and the broker?"""

import logging
import os

from django.db import connection

from mentorship.celery import app as celery_app

logger = logging.getLogger(__name__)

OK = "ok"
UNAVAILABLE = "unavailable"


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
                conn.ensure_connection(max_retries=1, interval_start=0, timeout=3)
    except Exception:
        logger.exception("Health check: the broker is unreachable")
        return UNAVAILABLE
    return OK


def health_report() -> tuple[bool, dict]:
    # Details go to the log, not to the anonymous caller.
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = all(value == OK for value in checks.values())
    return healthy, {"status": OK if healthy else UNAVAILABLE, "checks": checks}
