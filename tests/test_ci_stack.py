"""Under CI the suite must exercise the production stack, not the local defaults."""

import os

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(not os.environ.get("CI"), reason="checks the CI environment")


def test_ci_runs_the_suite_on_postgresql(db):
    assert connection.vendor == "postgresql"


def test_ci_points_the_broker_at_redis():
    assert os.environ.get("REDIS_URL", "").startswith("redis://")
