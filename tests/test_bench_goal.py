"""The page benchmark's goal column: a refusal is the page's answer, a sign-in is not.

Deleting a cohort, a sent survey or a category with topics answers with a redirect back
to the list and the reason (tests/mentorship/test_admin_history.py). The benchmark
counted those as errors; a redirect to a sign-in page still is one (the session failed).
"""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pages():
    spec = importlib.util.spec_from_file_location("bench_pages", ROOT / "benchmarks" / "pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FAST = {"median": 5, "p95": 9, "errors": 0, "requests": 250}


@pytest.mark.parametrize(
    ("status", "location", "verdict"),
    [
        (200, None, "meets"),
        (302, "/admin/mentorship/cohort/7/change/", "meets"),
        (302, "/accounts/login/?next=/admin/", "errors"),
        (302, None, "errors"),
        (500, None, "errors"),
        (None, None, "errors"),
    ],
)
def test_a_refusal_meets_the_goal_and_a_sign_in_redirect_does_not(pages, status, location,
                                                                   verdict):  # fmt: skip
    page = {"status": status, "location": location, "queries": 8}

    assert pages.misses(FAST, page, {"queries": 8}) == verdict
